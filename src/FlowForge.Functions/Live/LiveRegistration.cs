using FlowForge.Functions.ExecutionLog;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace FlowForge.Functions.Live;

/// <summary>Registers live progress (for FunctionsProgram).</summary>
internal static class LiveRegistration
{
    public const string HttpClientName = "flowforge-signalr";

    /// <summary>
    /// With <c>Azure:SignalR:ConnectionString</c> (<c>Azure__SignalR__ConnectionString</c>) set: <see cref="SignalRServicePublisher"/>
    /// and <see cref="SignalRServiceRest"/> (hub <c>Azure:SignalR:HubName</c>, default <c>executions</c>) for the
    /// negotiate and subscribe functions. Without it: <see cref="NullProgressPublisher"/> and no REST client.
    /// </summary>
    public static IServiceCollection AddFlowForgeLive(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        var connectionString = configuration["Azure:SignalR:ConnectionString"];
        if (string.IsNullOrEmpty(connectionString))
        {
            services.AddSingleton<IProgressPublisher, NullProgressPublisher>();
            return services;
        }
        var endpoint = new SignalRServiceEndpoint(connectionString);
        var hub = configuration["Azure:SignalR:HubName"] is { Length: > 0 } name ? name : "executions";
        // A turn's publish must not hold the orchestration's activity for long: the service answers in milliseconds.
        services.AddHttpClient(HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(10));
        services.AddSingleton(sp => new SignalRServiceRest(
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(HttpClientName), endpoint, hub, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IProgressPublisher>(sp => new SignalRServicePublisher(
            sp.GetRequiredService<SignalRServiceRest>(), sp.GetRequiredService<ILogger<SignalRServicePublisher>>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetService<IExecutionLog>()));
        return services;
    }
}
