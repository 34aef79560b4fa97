using System.Data.Common;
using System.Net.Sockets;
using FlowForge.Core.Engine.History;
using FlowForge.Core.Storage;

namespace FlowForge.Server.Engine;

/// <summary>
/// Tells a database outage (the whole batch is retried later, with back-off) from a turn or a result whose
/// data cannot be stored (poison: it would fail every retry of every batch it is in, for ever). Poison is
/// isolated by writing each item alone; the one that still throws is failed on its own, the others are kept.
/// </summary>
internal static class PoisonIsolation
{
    /// <summary>
    /// An outage: the database or the connection to it failed, or the work was cancelled. Anything else thrown while
    /// writing (a JSON writer's depth limit, an out-of-memory while serialising, a stack overflow guard) is about the data.
    /// </summary>
    public static bool IsOutage(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException)
        {
            if (x is DbException or TimeoutException or OperationCanceledException or IOException or SocketException) return true;
        }
        return false;
    }

    /// <summary>What a poisoned execution or step is told: what failed, and that the others went on.</summary>
    public static string Describe(Exception e, string what) =>
        $"{what} could not be stored ({e.GetType().Name}: {e.Message}); a value is probably nested too deep or too large. " +
        "It was stopped so that other executions can go on.";

    /// <summary>
    /// Records activity results in one transaction; when that throws for a reason other than an outage, records them one
    /// by one, and a result that cannot be stored is replaced by a non-retryable failure of its step. Returns how many were poison.
    /// Outages propagate (the caller keeps the batch and retries).
    /// </summary>
    public static async Task<int> CompleteActivitiesAsync(
        IExecutionStore store, IReadOnlyList<ActivityCompletion> batch, DateTimeOffset now, ILogger logger, CancellationToken ct)
    {
        try
        {
            await store.CompleteActivitiesAsync(batch, now, ct);
            return 0;
        }
        catch (Exception e) when (!IsOutage(e) && batch.Count > 0)
        {
            // Fall through: find the culprit(s).
        }
        var poisoned = 0;
        foreach (var completion in batch)
        {
            Exception error;
            try
            {
                await store.CompleteActivitiesAsync([completion], now, ct);
                continue;
            }
            catch (Exception e) when (!IsOutage(e))
            {
                error = e;
            }
            poisoned++;
            Logs.PoisonResult(logger, error, completion.ExecutionId, completion.ActivityId);
            var message = Describe(error, "The step's result");
            HistoryEvent? failure = completion.Result switch
            {
                StepCompleted c => new StepFailed(c.StepKey, c.NodeId, c.NodeType, c.Attempt, message, Retryable: false) { Timestamp = c.Timestamp },
                StepFailed f => new StepFailed(f.StepKey, f.NodeId, f.NodeType, f.Attempt, message, Retryable: false) { Timestamp = f.Timestamp },
                _ => null,
            };
            if (failure is null) continue;
            try
            {
                await store.CompleteActivitiesAsync([completion with { Result = failure }], now, ct);
            }
            catch (Exception e) when (!IsOutage(e))
            {
                // Not even the failure could be written: drop it; the activity's lease expires and its poison count fails it in the end.
                Logs.PoisonFailureNotStored(logger, e, completion.ExecutionId);
            }
        }
        return poisoned;
    }
}
