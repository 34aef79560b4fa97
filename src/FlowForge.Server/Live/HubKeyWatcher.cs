using FlowForge.Core.Storage;
using FlowForge.Server.Engine;
using Microsoft.Extensions.Options;

namespace FlowForge.Server.Live;

/// <summary>
/// Ends hub connections whose API key was revoked. A revocation through this process's API closes them at once
/// (<see cref="LiveBroadcaster.CloseKey"/>); this loop catches revocations made by any other process sharing the
/// database: every <see cref="LiveOptions.KeyCheckInterval"/> it asks the store, in one query, which of the keys of the
/// open connections are still active. Nothing is queried while no connection is open.
/// </summary>
internal sealed class HubKeyWatcher(
    LiveBroadcaster broadcaster, ITenantStore tenants, HubConnectionKeys keys, IOptions<LiveOptions> options, ILogger<HubKeyWatcher> logger)
    : BackgroundService
{
    // An outage is logged once (then at most once a minute) and its end once, not at every interval. The interval
    // itself (Live__KeyCheckInterval, seconds) is slow enough that it needs no back-off.
    private readonly OutageBackoff _backoff = new("hub key check", logger, TimeProvider.System);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.KeyCheckInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                keys.PurgeUnused();
                await CheckAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task CheckAsync(CancellationToken ct)
    {
        var open = broadcaster.OpenKeyIds();
        if (open.Count == 0) return;
        try
        {
            var active = await tenants.FindActiveKeyIdsAsync(open, ct);
            foreach (var keyId in open.Where(k => !active.Contains(k)))
            {
                var closed = broadcaster.CloseKey(keyId);
                if (closed > 0) Logs.HubKeyRevoked(logger, keyId, closed);
            }
            _backoff.Succeeded();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Connections stay open meanwhile; the next tick tries again.
            _backoff.Failed(e);
        }
    }
}
