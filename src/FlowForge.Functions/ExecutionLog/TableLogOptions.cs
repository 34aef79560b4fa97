namespace FlowForge.Functions.ExecutionLog;

/// <summary>Settings of the Table storage log (section <c>FlowForge:Tables</c>, environment <c>FlowForge__Tables__*</c>).</summary>
internal sealed class TableLogOptions
{
    public const string Section = "FlowForge:Tables";

    /// <summary>
    /// A storage connection string. When empty, <c>AzureWebJobsStorage</c> (the Functions host's own account) is used:
    /// a connection string, not the identity-based <c>AzureWebJobsStorage__accountName</c> form.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>Prefix of the table names (letters and digits), so several apps or test runs can share an account.</summary>
    public string TablePrefix { get; set; } = "flowforge";
}
