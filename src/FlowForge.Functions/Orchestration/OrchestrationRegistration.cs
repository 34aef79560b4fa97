using FlowForge.Core.Catalog;
using FlowForge.Core.Storage;
using FlowForge.Server.Engine;
using FlowForge.Server.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FlowForge.Functions.Orchestration;

/// <summary>How a host wires the orchestration: its services, and (for the in-process test host) its task registrations.</summary>
internal static class OrchestrationRegistration
{
    /// <summary>
    /// The activities and what they run: the server's node runtime (runner, handlers, egress policy), the messaging and CRM
    /// actions with their credentials (Data Protection), and the engine's settings. Expects from the host: the server's stores
    /// (<c>AddFlowForgeStorage</c>: workflow versions, credentials, send ledger, outbox), <c>Limits</c> settings,
    /// <see cref="ExecutionLog.IExecutionLog"/> and <see cref="Live.IProgressPublisher"/>. No dispatcher or worker loops:
    /// Durable Task schedules the work. The handlers' execution reads go to the Table log (<see cref="ExecutionLogEngineReader"/>).
    /// </summary>
    public static IServiceCollection AddFlowForgeOrchestration(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSettings<EngineOptions>(configuration, "Engine");
        services.TryAddSingleton(NodeCatalog.Default);
        services.TryAddSingleton(TimeProvider.System);
        services.AddFlowForgeNodeRuntime(configuration);
        services.AddFlowForgeDataProtection(configuration);
        services.AddFlowForgeActions(configuration);
        return services.AddFlowForgeOrchestrationActivities();
    }

    /// <summary>
    /// Only the orchestration's own services, for a host that registers the node runtime, Data Protection and the
    /// actions itself (the Functions program, through the server's <c>AddFlowForgeEndpointServices</c>): registering
    /// those twice would give each node type two handlers.
    /// </summary>
    public static IServiceCollection AddFlowForgeOrchestrationActivities(this IServiceCollection services)
    {
        // Whatever the storage registered (before or after this): executions are read from the Table log on this host.
        services.RemoveAll<IExecutionWorkerStore>();
        services.AddSingleton<IExecutionWorkerStore, ExecutionLogEngineReader>();
        services.AddSingleton<OrchestrationActivities>();
        return services;
    }
}
