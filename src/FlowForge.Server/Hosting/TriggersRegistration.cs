using FlowForge.Server.Engine;
using FlowForge.Server.Triggers;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FlowForge.Server.Hosting;

/// <summary>
/// Triggers: webhook, WhatsApp, email and voice hooks, schedules, and the trigger endpoints under /api.
/// The trigger store comes from the storage provider (<see cref="StorageRegistration.AddFlowForgeStorage"/>).
/// </summary>
public static class TriggersRegistration
{
    public static IServiceCollection AddFlowForgeTriggers(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSettings<TriggerOptions>(configuration, "Triggers");
        // Providers:WhatsApp (the inbound hook's verify token and app secret) is registered with the actions.
        var options = configuration.ReadSettings<TriggerOptions>("Triggers");

        // Tests replace the clock schedules read by registering their own TriggerClock first.
        services.TryAddSingleton(new TriggerClock(TimeProvider.System));
        services.AddSingleton<WebhookSecrets>();
        services.AddSingleton<TriggerRegistry>();
        services.AddSingleton<TriggerIntake>();
        services.AddSingleton<ScheduleService>();

        var engine = configuration.ReadSettings<EngineOptions>("Engine");
        if (options.Schedules && engine.Dispatcher) services.AddHostedService(sp => sp.GetRequiredService<ScheduleService>());
        return services;
    }

    /// <summary><c>/hooks/...</c>: outside /api, no API key; each hook authenticates its own way.</summary>
    public static IEndpointRouteBuilder MapFlowForgeHooks(this IEndpointRouteBuilder app) => app.MapHooks();

    /// <summary><c>/api/workflows/{id}/triggers</c>, <c>.../rotate-secret</c>, <c>/api/workflows/{id}/schedule</c>.</summary>
    public static RouteGroupBuilder MapFlowForgeTriggersApi(this RouteGroupBuilder api) => api.MapTriggersApi();
}
