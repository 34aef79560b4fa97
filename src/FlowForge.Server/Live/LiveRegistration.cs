using FlowForge.Server.Hosting;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.Extensions.Options;

namespace FlowForge.Server.Live;

public static class LiveRegistration
{
    /// <summary>The SignalR hub, the broadcaster and the feeds it listens to (the <c>Live</c> section).</summary>
    public static IServiceCollection AddFlowForgeLive(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSettings<LiveOptions>(configuration, "Live");
        var options = configuration.ReadSettings<LiveOptions>("Live");

        services.AddSignalR(o =>
        {
            o.ClientTimeoutInterval = options.ClientTimeout;
            o.KeepAliveInterval = options.KeepAliveInterval;
            o.EnableDetailedErrors = false; // HubException messages reach the client anyway
            o.MaximumReceiveMessageSize = 32 * 1024;
            o.MaximumParallelInvocationsPerClient = 1;
        }).AddJsonProtocol();

        services.AddSingleton<IProgressFeed, InProcessProgressFeed>();
        // The cross-process feed depends on the storage provider (SQLite polls its feed table; PostgreSQL listens).
        if (options.CrossProcess) services.AddFlowForgeCrossProcessFeed(configuration);
        services.AddSingleton<LiveBroadcaster>();
        services.AddHostedService(sp => sp.GetRequiredService<LiveBroadcaster>());
        return services;
    }

    public static void MapFlowForgeLive(this IEndpointRouteBuilder app)
    {
        app.MapHub<ExecutionsHub>(ExecutionsHub.Path, o =>
        {
            o.Transports = HttpTransportType.WebSockets | HttpTransportType.ServerSentEvents | HttpTransportType.LongPolling;
            // SignalR's own per-connection buffers (bytes): a client that does not read stops its sender task, not the engine.
            o.TransportMaxBufferSize = 64 * 1024;
            o.ApplicationMaxBufferSize = 32 * 1024;
        });
    }
}
