using FlowForge.Core.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FlowForge.Functions.Orchestration;

/// <summary>How a host wires the orchestration's services (the test host registers the tasks themselves in the tests' OrchestrationHost).</summary>
internal static class OrchestrationRegistration
{
    /// <summary>
    /// The activities, on top of the server's services as the Functions host registers them
    /// (<c>AddFlowForgeEndpointServices(configuration, loops: false)</c>: the stores, the engine's runner and node handlers with the
    /// egress policy, the actions with their credentials, the settings) and the host's <see cref="ExecutionLog.IExecutionLog"/>
    /// and <see cref="Live.IProgressPublisher"/>. The handlers' execution reads go to the Table log (<see cref="ExecutionLogEngineReader"/>):
    /// the server's execution store is not where this host keeps executions.
    /// </summary>
    public static IServiceCollection AddFlowForgeOrchestration(this IServiceCollection services)
    {
        // Whatever the storage registered (before or after this): executions are read from the Table log on this host.
        services.RemoveAll<IExecutionWorkerStore>();
        services.AddSingleton<IExecutionWorkerStore, ExecutionLogEngineReader>();
        services.AddSingleton<OrchestrationActivities>();
        return services;
    }
}
