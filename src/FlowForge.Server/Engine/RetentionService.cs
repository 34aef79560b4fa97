using FlowForge.Core.Storage;
using Microsoft.Extensions.Options;

namespace FlowForge.Server.Engine;

/// <summary>Purges finished executions and trigger events older than <see cref="EngineOptions.Retention"/>, in small batches, every few minutes.</summary>
internal sealed class RetentionService(
    IExecutionWorkerStore store, ITriggerStore triggers, IOptions<EngineOptions> options, ILogger<RetentionService> logger, TimeProvider clock) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var retention = options.Value.Retention;
        if (retention <= TimeSpan.Zero) return;
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(5), clock);
        // Runs every 5 minutes, so it needs no back-off; an outage is logged once (then at most once a minute) and its end once.
        var backoff = new OutageBackoff("retention purge", logger, clock);
        do
        {
            try
            {
                int purged, total = 0;
                do
                {
                    purged = await store.PurgeFinishedBeforeAsync(clock.GetUtcNow() - retention, 500, stoppingToken);
                    total += purged;
                } while (purged == 500 && !stoppingToken.IsCancellationRequested);
                if (total > 0) Logs.Purged(logger, total);
                // The trigger event log (and the dedup keys in it) is kept as long as executions are.
                while (await triggers.PurgeEventsBeforeAsync(clock.GetUtcNow() - retention, 1000, stoppingToken) == 1000 && !stoppingToken.IsCancellationRequested)
                {
                }
                backoff.Succeeded();
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                backoff.Failed(e);
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken).AsTask().ContinueWith(t => !t.IsCanceled && t.Result, TaskScheduler.Default));
    }
}
