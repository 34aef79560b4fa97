using FlowForge.Server.Hosting;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace FlowForge.Server.Live;

internal static class LiveRegistration
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
            o.AddFilter<HubCallLogging>();
        }).AddJsonProtocol();
        // HubCallLogging reports failed calls (refusals briefly); SignalR's own error-with-stack for each would repeat it.
        // That category logs nothing else above Debug.
        services.AddLogging(logging => logging.AddFilter(HubCallLogging.DispatcherCategory, LogLevel.None));

        services.AddSingleton<IProgressFeed, InProcessProgressFeed>();
        // The cross-process feed depends on the storage provider (SQLite polls its feed table; PostgreSQL listens).
        if (options.CrossProcess) services.AddFlowForgeCrossProcessFeed(configuration);
        services.AddSingleton<LiveBroadcaster>();
        services.AddHostedService(sp => sp.GetRequiredService<LiveBroadcaster>());
        services.AddSingleton<HubConnectionKeys>();
        services.AddHostedService<HubKeyWatcher>();
        return services;
    }

    /// <summary>After authorization: a hub connection token only works with the key that negotiated it.</summary>
    public static IApplicationBuilder UseFlowForgeLiveKeys(this IApplicationBuilder app)
    {
        var keys = app.ApplicationServices.GetRequiredService<HubConnectionKeys>();
        return app.Use((http, next) => keys.InvokeAsync(http, next));
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
