using System.Collections.Concurrent;
using System.Threading.Channels;
using FlowForge.Core.Engine.History;
using FlowForge.Core.Storage;
using FlowForge.Server.Nodes;
using FlowForge.Server.Health;
using Microsoft.Extensions.Options;

namespace FlowForge.Server.Engine;

/// <summary>
/// Runs activities: those the local dispatcher handed over already leased, and those claimed from the
/// store (left unleased, or reclaimed after another process died). Each attempt runs with its step's
/// timeout; results are recorded in batches (one transaction per batch) and wake the dispatcher.
/// Activities are at-least-once: a crash after the side effect and before the commit runs it again
/// with the same idempotency key.
/// </summary>
internal sealed class ActivityWorker(
    IExecutionWorkerStore store,
    ActivityQueue queue,
    LocalResults localResults,
    ActivityRunner runner,
    EngineSignals signals,
    IOptions<EngineOptions> options,
    ILogger<ActivityWorker> logger,
    TimeProvider clock,
    LoopHeartbeats heartbeats) : BackgroundService
{
    private readonly EngineOptions _options = options.Value;
    private readonly Channel<ActivityCompletion> _completions = Channel.CreateUnbounded<ActivityCompletion>();
    private readonly ConcurrentDictionary<long, ActivityWorkItem> _running = new();
    private long _poisonResults;

    /// <summary>How many results could not be stored and were recorded as a failure of their step instead.</summary>
    public long PoisonResults => Interlocked.Read(ref _poisonResults);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Runners get their own token: on shutdown they finish (up to ShutdownGrace) instead of dropping work mid-flight.
        using var runnersStop = new CancellationTokenSource();
        var recorder = Task.Run(() => RecordLoopAsync(), CancellationToken.None);
        var runners = Enumerable.Range(0, Math.Max(1, _options.WorkerConcurrency)).Select(_ => Task.Run(() => RunnerLoopAsync(stoppingToken, runnersStop.Token), CancellationToken.None)).ToList();
        var feeder = Task.Run(() => FeedLoopAsync(stoppingToken), CancellationToken.None);

        try
        {
            await Task.Delay(Timeout.Infinite, stoppingToken);
        }
        catch (OperationCanceledException)
        {
        }

        await feeder.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        heartbeats.Stopped(LoopHeartbeats.Workers);
        var all = Task.WhenAll(runners);
        if (await Task.WhenAny(all, Task.Delay(_options.ShutdownGrace, CancellationToken.None)) != all)
        {
            await runnersStop.CancelAsync();
            await all.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        _completions.Writer.TryComplete();
        await recorder.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

        // Whatever is still leased to us (queued, or cut off by the grace period) becomes claimable at once.
        var leftovers = new List<long>(_running.Keys);
        while (queue.TryDequeue(out var item)) leftovers.Add(item.Id);
        if (leftovers.Count > 0)
        {
            await store.ReleaseActivitiesAsync(queue.Owner, leftovers, CancellationToken.None);
            Logs.ReleasedActivities(logger, leftovers.Count);
        }
    }

    /// <summary>Claims activities from the store when the local queue runs dry.</summary>
    private async Task FeedLoopAsync(CancellationToken stop)
    {
        var backoff = new OutageBackoff("worker feed loop", logger, clock);
        while (!stop.IsCancellationRequested)
        {
            // The feed loop iterates at least every poll interval, even when runners are all busy.
            heartbeats.Beat(LoopHeartbeats.Workers);
            try
            {
                var room = Math.Max(0, _options.WorkerConcurrency - _running.Count - queue.Count);
                if (room > 0)
                {
                    var claimed = await store.ClaimActivitiesAsync(queue.Owner, room, _options.ActivityLeaseGrace, clock.GetUtcNow(), stop);
                    foreach (var item in claimed) queue.Enqueue(item);
                    backoff.Succeeded();
                    if (claimed.Count == room) continue;
                }
                await signals.WaitWorkersAsync(_options.PollInterval, stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                await Task.Delay(backoff.Failed(e), CancellationToken.None);
            }
        }
    }

    private async Task RunnerLoopAsync(CancellationToken stop, CancellationToken abort)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                if (!await queue.WaitToReadAsync(stop)) return;
            }
            catch (OperationCanceledException)
            {
                return;
            }
            if (!queue.TryDequeue(out var item)) continue;
            _running[item.Id] = item;
            try
            {
                var result = await RunAsync(item, abort);
                if (result is not null)
                {
                    var completion = new ActivityCompletion(item.Id, queue.Owner, item.Request.ExecutionId, result);
                    if (!localResults.TryPost(completion)) await _completions.Writer.WriteAsync(completion, CancellationToken.None);
                }
            }
            finally
            {
                if (!abort.IsCancellationRequested) _running.TryRemove(item.Id, out _);
            }
        }
    }

    /// <summary>Runs one attempt; null when it was cut off by shutdown (its lease is released instead).</summary>
    internal async Task<HistoryEvent?> RunAsync(ActivityWorkItem item, CancellationToken abort)
    {
        var request = item.Request;
        if (item.ClaimCount > _options.MaxActivityClaims)
        {
            Logs.PoisonActivity(logger, request.ExecutionId, request.StepKey, item.ClaimCount);
            return runner.Failed(request, $"The step was claimed {item.ClaimCount} times without a result (its worker crashed or hung each time); it is failed as poison instead of retried again.", retryable: false);
        }
        return await runner.RunAsync(request, RunMode.Execution, abort);
    }

    /// <summary>Group commit: everything finished since the last write goes in one transaction.</summary>
    private async Task RecordLoopAsync()
    {
        var batch = new List<ActivityCompletion>();
        var backoff = new OutageBackoff("worker result recorder", logger, clock);
        while (await _completions.Reader.WaitToReadAsync(CancellationToken.None))
        {
            while (batch.Count < 256 && _completions.Reader.TryRead(out var c)) batch.Add(c);
            try
            {
                Interlocked.Add(ref _poisonResults, await PoisonIsolation.CompleteActivitiesAsync(store, batch, clock.GetUtcNow(), logger, CancellationToken.None));
                signals.WakeDispatcher();
                batch.Clear();
                backoff.Succeeded();
            }
            catch (Exception e)
            {
                // Keep the batch and try again: the results are not lost while the process lives, and on a crash the leases expire and the work reruns.
                await Task.Delay(backoff.Failed(e), CancellationToken.None);
            }
        }
    }
}
