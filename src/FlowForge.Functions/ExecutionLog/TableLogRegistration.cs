using Azure.Data.Tables;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FlowForge.Functions.ExecutionLog;

/// <summary>Registers the Table storage execution log (for FunctionsProgram).</summary>
internal static class TableLogRegistration
{
    /// <summary>
    /// <see cref="IExecutionLog"/> on Table storage: the account of <c>FlowForge:Tables:ConnectionString</c>
    /// (<c>FlowForge__Tables__ConnectionString</c>) or else <c>AzureWebJobsStorage</c>, tables prefixed by
    /// <c>FlowForge:Tables:TablePrefix</c> (default <c>flowforge</c>), created at start-up when missing.
    /// </summary>
    public static IServiceCollection AddFlowForgeTableLog(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(TableLogOptions.Section).Get<TableLogOptions>() ?? new TableLogOptions();
        var connectionString = options.ConnectionString is { Length: > 0 } own ? own : configuration["AzureWebJobsStorage"];
        if (string.IsNullOrEmpty(connectionString))
        {
            throw new InvalidOperationException(
                "The execution log needs a storage connection string: set FlowForge__Tables__ConnectionString or AzureWebJobsStorage " +
                "(identity-based AzureWebJobsStorage__accountName is not supported by the log).");
        }
        services.AddSingleton<IExecutionLog>(_ => new TableExecutionLog(new TableServiceClient(connectionString), options.TablePrefix));
        services.AddHostedService<TableLogInitializer>();
        return services;
    }
}

/// <summary>Creates the log's tables when the host starts (idempotent), before the first function reads them.</summary>
internal sealed class TableLogInitializer(IExecutionLog log) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => log.EnsureCreatedAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
