namespace FlowForge.Core.Validation;

/// <summary>
/// A problem found in a workflow. <see cref="StepId"/> is the step it belongs to (null for the workflow as a whole),
/// <see cref="Field"/> the config field (<c>retry.maxAttempts</c>) when there is one, and <see cref="Code"/> a
/// stable machine-readable kind: see <see cref="ValidationCodes"/>.
/// </summary>
public sealed record ValidationIssue(string? StepId, string? Field, string Message, string Code);

/// <summary>The outcome of <see cref="WorkflowValidator.Validate"/>: errors block publishing, warnings do not.</summary>
public sealed record ValidationResult(IReadOnlyList<ValidationIssue> Errors, IReadOnlyList<ValidationIssue> Warnings)
{
    public bool Valid => Errors.Count == 0;
}

/// <summary>The values of <see cref="ValidationIssue.Code"/>. They are part of the API: never rename one.</summary>
public static class ValidationCodes
{
    public const string NoSteps = "no_steps";
    public const string NoTrigger = "no_trigger";
    public const string UnknownType = "unknown_type";
    public const string DuplicateId = "duplicate_id";
    public const string EdgeMissingNode = "edge_missing_node";
    public const string UnknownPort = "unknown_port";
    public const string ConfigInvalid = "config_invalid";
    public const string Unreachable = "unreachable";
    public const string Cycle = "cycle";
    public const string MissingOutgoing = "missing_outgoing";
    public const string UnknownVariable = "unknown_variable";
    public const string DuplicateEdgeId = "duplicate_edge_id";
    public const string InvalidCharacters = "invalid_characters";
}
