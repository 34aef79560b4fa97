using FlowForge.Server.Engine;
using FlowForge.Server.Triggers;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FlowForge.Server.Hosting;

/// <summary>
/// Triggers: the services behind the webhook, WhatsApp, email and voice hooks (<see cref="Api.Hooks.HooksApi"/>), schedules,
/// and the trigger endpoints under /api (<see cref="Api.TriggersApi"/>).
/// The trigger store comes from the storage provider (<see cref="StorageRegistration.AddFlowForgeStorage"/>).
/// </summary>
internal static class TriggersRegistration
{
    /// <param name="loops">False on the Azure Functions host: its timer function fires the due ticks through
    /// <see cref="ScheduleService.RunDueAsync"/> instead of the service's own loop.</param>
    public static IServiceCollection AddFlowForgeTriggers(this IServiceCollection services, IConfiguration configuration, bool loops = true)
    {
        services.AddSettings<TriggerOptions>(configuration, "Triggers");
        // Providers:WhatsApp (the inbound hook's verify token and app secret) is registered with the actions.
        var options = configuration.ReadSettings<TriggerOptions>("Triggers");

        // Tests replace the clock schedules read by registering their own TriggerClock first.
        services.TryAddSingleton(new TriggerClock(TimeProvider.System));
        services.AddSingleton<WebhookSecrets>();
        services.AddSingleton<TriggerRegistry>();
        services.AddSingleton<TriggerIntake>();
        services.AddSingleton<RefusedDeliveries>();
        services.AddSingleton<ScheduleService>();

        var engine = configuration.ReadSettings<EngineOptions>("Engine");
        if (loops && options.Schedules && engine.Dispatcher) services.AddHostedService(sp => sp.GetRequiredService<ScheduleService>());
        return services;
    }
}
