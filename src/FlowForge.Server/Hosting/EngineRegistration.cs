using FlowForge.Server.Egress;
using FlowForge.Server.Engine;
using FlowForge.Server.Nodes;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FlowForge.Server.Hosting;

internal static class EngineRegistration
{
    /// <summary>
    /// The engine's parts; the dispatcher and the workers run in this process unless turned off (Engine__Dispatcher,
    /// Engine__Workers). With <paramref name="loops"/> false (the Azure Functions host, whose orchestrations and
    /// activities run on Durable Task) only the services are registered: no dispatcher, worker or retention loop.
    /// </summary>
    public static IServiceCollection AddFlowForgeEngine(this IServiceCollection services, IConfiguration configuration, bool loops = true)
    {
        services.AddSettings<EngineOptions>(configuration, "Engine");
        // Read now as well: the roles decide which loops are registered. Validated here too, so a bad value fails the build of the host.
        var options = configuration.ReadSettings<EngineOptions>("Engine");

        services.AddSingleton<EngineSignals>();
        services.AddSingleton<ActivityQueue>();
        services.AddSingleton<LocalResults>();
        services.AddSingleton<LocalStarts>();
        services.AddSingleton<ExecutionEvents>();
        services.AddSingleton<GraphCache>();
        services.AddSingleton<StartQuota>();
        services.AddHostedService<StartQuotaRefresher>();
        services.AddSingleton<ExecutionStarter>();
        services.AddSingleton<TestRunner>();
        services.AddFlowForgeNodeRuntime(configuration);

        if (!loops) return services;
        if (options.Dispatcher) services.AddHostedService<Dispatcher>();
        if (options.Workers) services.AddHostedService<ActivityWorker>();
        services.AddHostedService<RetentionService>();
        return services;
    }

    /// <summary>
    /// What runs one step attempt: the <see cref="ActivityRunner"/>, the node handlers (HTTP, the AI agents and utilities) and
    /// the egress policy they call out through. Both hosts get it through <see cref="AddFlowForgeEngine"/> (the Azure
    /// Functions host with its loops off, its activities running the same handlers).
    /// </summary>
    private static IServiceCollection AddFlowForgeNodeRuntime(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<ActivityRunner>();
        // A TryAdd, so a host (or a test) can install its own set of handlers.
        services.TryAddSingleton<NodeHandlerRegistry>();

        var egress = configuration.GetSection("Egress");
        services.AddSettings<EgressOptions>(configuration, "Egress");
        // Egress__AllowedHosts may also be one comma-separated string (the binder only reads the list form).
        services.PostConfigure<EgressOptions>(o => o.AddCommaSeparatedHosts(egress["AllowedHosts"]));
        services.AddSingleton<EgressPolicy>();
        // A TryAdd, so a test can answer host names itself.
        services.TryAddSingleton<IHostResolver, SystemHostResolver>();
        services.AddEgressHttpClient(HttpActionHandler.ClientName);
        services.AddSingleton<INodeHandler, HttpActionHandler>();
        services.AddFlowForgeAi(configuration);
        return services;
    }
}
