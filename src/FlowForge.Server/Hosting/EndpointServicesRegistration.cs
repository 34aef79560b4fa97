using FlowForge.Core.Catalog;
using FlowForge.Server.Api;
using FlowForge.Server.Auth;
using FlowForge.Server.Publishing;
using FlowForge.Server.Samples;

namespace FlowForge.Server.Hosting;

/// <summary>
/// What the API's endpoint handlers, the starter, the hooks and the node handlers need, on either host: the server
/// (<see cref="ServerApp"/>, with its loops) and the Azure Functions app (without them: Durable Task runs its
/// executions). One list, so the two hosts answer a request with the same services, settings and JSON options.
/// </summary>
internal static class EndpointServicesRegistration
{
    /// <param name="loops">False on the Functions host: no dispatcher, activity worker, retention or schedule loop.</param>
    public static IServiceCollection AddFlowForgeEndpointServices(this IServiceCollection services, IConfiguration configuration, bool loops = true)
    {
        services.AddProblemDetails();
        // Responses wrap stored values a few levels deeper than they are stored (history events are written with the
        // default depth limit of 64): with this headroom every read path renders whatever the store accepted.
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.MaxDepth = 160);
        services.AddSettings<RequestLimits>(configuration, "Limits");
        services.AddSettings<AuthOptions>(configuration, "Auth");
        services.AddSettings<SampleOptions>(configuration, "Samples");
        services.AddFlowForgeStorage(configuration);
        services.AddSingleton(NodeCatalog.Default);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<ApiKeyBootstrap>();
        // First hosted service: the schema is migrated before the engine's loops start (hosted services start in order).
        services.AddHostedService<StartupTasks>();
        services.AddFlowForgeEngine(configuration, loops);
        services.AddFlowForgeDataProtection(configuration);
        services.AddFlowForgeActions(configuration);
        services.AddFlowForgeTriggers(configuration, loops);
        services.AddSingleton<WorkflowPublisher>();
        services.AddSingleton<SampleWorkflowSeeder>();
        return services;
    }
}
