using FlowForge.Server.Hosting;

namespace FlowForge.Server.Analytics;

internal static class AnalyticsRegistration
{
    /// <summary>The roll-up service (unless <c>Analytics__Rollup=false</c>); the store itself comes with the storage registration.</summary>
    public static IServiceCollection AddFlowForgeAnalytics(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSettings<AnalyticsOptions>(configuration, "Analytics");
        if (configuration.ReadSettings<AnalyticsOptions>("Analytics").Rollup) services.AddHostedService<AnalyticsRollupService>();
        return services;
    }
}
