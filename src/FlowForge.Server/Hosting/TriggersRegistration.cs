using FlowForge.Server.Engine;
using FlowForge.Server.Triggers;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FlowForge.Server.Hosting;

/// <summary>Triggers: webhook, WhatsApp, email and voice hooks, schedules, and the trigger endpoints under /api.</summary>
public static class TriggersRegistration
{
    public static IServiceCollection AddFlowForgeTriggers(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection("Triggers");
        services.Configure<TriggerOptions>(section);
        services.Configure<WhatsAppOptions>(configuration.GetSection("Providers:WhatsApp"));
        var options = section.Get<TriggerOptions>() ?? new TriggerOptions();

        // Webhook signing secrets are encrypted with Data Protection; its keys live outside the database
        // (a copy of the database alone does not reveal them). Every process of a deployment must share the folder.
        services.AddDataProtection()
            .SetApplicationName("FlowForge")
            .PersistKeysToFileSystem(new DirectoryInfo(KeysDirectory(configuration, options)));

        // Tests replace the clock schedules read by registering their own TriggerClock first.
        services.TryAddSingleton(new TriggerClock(TimeProvider.System));
        services.AddSingleton<WebhookSecrets>();
        services.AddSingleton<TriggerRegistry>();
        services.AddSingleton<TriggerIntake>();
        services.AddSingleton<ScheduleService>();

        var engine = configuration.GetSection("Engine").Get<EngineOptions>() ?? new EngineOptions();
        if (options.Schedules && engine.Dispatcher) services.AddHostedService(sp => sp.GetRequiredService<ScheduleService>());
        return services;
    }

    /// <summary><c>/hooks/...</c>: outside /api, no API key; each hook authenticates its own way.</summary>
    public static IEndpointRouteBuilder MapFlowForgeHooks(this IEndpointRouteBuilder app) => app.MapHooks();

    /// <summary><c>/api/workflows/{id}/triggers</c>, <c>.../rotate-secret</c>, <c>/api/workflows/{id}/schedule</c>.</summary>
    public static RouteGroupBuilder MapFlowForgeTriggersApi(this RouteGroupBuilder api) => api.MapTriggersApi();

    private static string KeysDirectory(IConfiguration configuration, TriggerOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.KeysDirectory)) return Path.GetFullPath(options.KeysDirectory);
        var connectionString = configuration["Storage:ConnectionString"];
        var dataSource = string.IsNullOrWhiteSpace(connectionString)
            ? Path.Combine("data", "flowforge.db")
            : new SqliteConnectionStringBuilder(connectionString).DataSource;
        var folder = string.IsNullOrEmpty(dataSource) || dataSource == ":memory:" ? "data" : Path.GetDirectoryName(Path.GetFullPath(dataSource)) ?? "data";
        return Path.Combine(Path.GetFullPath(folder), "keys");
    }
}
