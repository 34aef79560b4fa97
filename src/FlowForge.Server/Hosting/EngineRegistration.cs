using FlowForge.Server.Egress;
using FlowForge.Server.Engine;
using FlowForge.Server.Nodes;

namespace FlowForge.Server.Hosting;

public static class EngineRegistration
{
    /// <summary>The engine's parts; the dispatcher and the workers run in this process unless turned off (Engine__Dispatcher, Engine__Workers).</summary>
    public static IServiceCollection AddFlowForgeEngine(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection("Engine");
        services.Configure<EngineOptions>(section);
        var options = section.Get<EngineOptions>() ?? new EngineOptions();

        services.AddSingleton<EngineSignals>();
        services.AddSingleton<ActivityQueue>();
        services.AddSingleton<LocalResults>();
        services.AddSingleton<ExecutionEvents>();
        services.AddSingleton<GraphCache>();
        services.AddSingleton<StartQuota>();
        services.AddSingleton<ExecutionStarter>();
        services.AddSingleton<TestRunner>();
        services.AddSingleton<NodeHandlerRegistry>();

        services.Configure<EgressOptions>(configuration.GetSection("Egress"));
        services.AddSingleton<EgressPolicy>();
        services.AddEgressHttpClient(HttpActionHandler.ClientName);
        services.AddSingleton<INodeHandler, HttpActionHandler>();
        services.AddFlowForgeAi(configuration);

        if (options.Dispatcher) services.AddHostedService<Dispatcher>();
        if (options.Workers) services.AddHostedService<ActivityWorker>();
        services.AddHostedService<RetentionService>();
        return services;
    }
}
