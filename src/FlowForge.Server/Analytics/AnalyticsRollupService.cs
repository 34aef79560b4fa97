using FlowForge.Core.Storage;
using FlowForge.Server.Engine;
using Microsoft.Extensions.Options;

namespace FlowForge.Server.Analytics;

/// <summary>
/// Keeps the analytics roll-ups up: counts terminal executions past the durable watermark, a bounded batch per
/// transaction, the watermark moving in the same transaction as the counters (so a restart neither skips nor
/// double-counts a batch). Off the engine's commit path: a run shows up SettleDelay + PollInterval after it ends
/// (6 s by default), plus the time to count the backlog ahead of it.
/// </summary>
internal sealed class AnalyticsRollupService(
    IAnalyticsStore store, IOptions<AnalyticsOptions> options, IOptions<EngineOptions> engine, ILogger<AnalyticsRollupService> logger, TimeProvider clock)
    : BackgroundService
{
    private DateTimeOffset _nextPrune = DateTimeOffset.MinValue;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var backoff = new OutageBackoff("analytics roll-up", logger, clock);
        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan wait;
            try
            {
                var counted = await RollUpOnceAsync(settings, stoppingToken);
                await PruneAsync(stoppingToken);
                backoff.Succeeded();
                // A full batch means there is more behind it: go on at once.
                wait = counted >= settings.BatchSize ? TimeSpan.Zero : settings.PollInterval;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                wait = backoff.Failed(e);
            }
            if (wait > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(wait, clock, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Counts one batch; returns how many executions it counted (0 when caught up or another process won the batch).</summary>
    internal async Task<int> RollUpOnceAsync(AnalyticsOptions settings, CancellationToken ct)
    {
        var batch = await store.ReadPendingAsync(settings.BatchSize, clock.GetUtcNow() - settings.SettleDelay, ct);
        if (batch.Executions.Count == 0) return 0;
        var delta = AnalyticsCounting.Count(batch.Executions);
        if (!await store.ApplyAsync(batch.Watermark, batch.Executions[^1], delta, ct)) return 0;
        Logs.AnalyticsBatchCounted(logger, batch.Executions.Count);
        return batch.Executions.Count;
    }

    // The ledger only matters while a failed run can still be resumed, that is until retention purges it.
    private async Task PruneAsync(CancellationToken ct)
    {
        var retention = engine.Value.Retention;
        var now = clock.GetUtcNow();
        if (retention <= TimeSpan.Zero || now < _nextPrune) return;
        _nextPrune = now.AddMinutes(10);
        var before = AnalyticsCounting.Day(now - retention - TimeSpan.FromDays(1));
        while (await store.PruneLedgerAsync(before, 1000, ct) == 1000 && !ct.IsCancellationRequested)
        {
        }
    }
}
