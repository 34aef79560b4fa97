using System.Data.Common;
using System.Net.Sockets;
using System.Runtime.ExceptionServices;
using System.Text.Json;
using FlowForge.Core.Engine.History;
using FlowForge.Core.Storage;

namespace FlowForge.Server.Engine;

/// <summary>
/// Tells a database outage (the whole batch is retried later, with back-off) from a turn or a result whose
/// data cannot be stored (poison: it would fail every retry of every batch it is in, for ever). Poison is
/// isolated by writing each item alone; the one that still throws is failed on its own, the others are kept.
/// </summary>
/// <remarks>
/// Judged by the exception's type and by the outcome:
/// <list type="bullet">
/// <item>An outage by type (<see cref="IsOutage"/>: the connection, a timeout, a transient database error) propagates at once.</item>
/// <item>A data error by type (<see cref="IsDataError"/>: the JSON writer refused it, out of memory or stack while serialising,
/// all before the database is involved) is poison, even when every item of the batch fails so: otherwise a batch full of
/// hostile payloads would halt the loop for ever.</item>
/// <item>Anything else (a non-transient database error, which may be the data's fault, such as a value out of range, or the
/// database's, such as a full disk) is poison only when another item of the batch could be written alone; when none could,
/// it is taken for an outage and the whole batch is retried with back-off. A lone such item is retried the same way until
/// it shares a batch with others, which then decides.</item>
/// </list>
/// </remarks>
internal static class PoisonIsolation
{
    /// <summary>An outage: the database or the connection to it failed (transiently), or the work was cancelled.</summary>
    public static bool IsOutage(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException)
        {
            if (x is TimeoutException or OperationCanceledException or IOException or SocketException or DbException { IsTransient: true }) return true;
        }
        return false;
    }

    /// <summary>A failure that only the data can cause: it says nothing about the database, whatever the rest of the batch did.</summary>
    public static bool IsDataError(Exception e) =>
        e is OutOfMemoryException or InsufficientExecutionStackException or JsonException
        || (e is InvalidOperationException && e.TargetSite?.DeclaringType?.Namespace?.StartsWith("System.Text.Json", StringComparison.Ordinal) == true);

    /// <summary>
    /// A database failure while reading for a turn (its history, its graph, a count): never the turn's fault, so it is
    /// retried with back-off rather than failing the execution.
    /// </summary>
    public static bool IsDatabaseFailure(Exception e)
    {
        if (IsOutage(e)) return true;
        for (var x = e; x is not null; x = x.InnerException)
        {
            if (x is DbException) return true;
        }
        return false;
    }

    /// <summary>What a poisoned execution or step is told: what failed, and that the others went on.</summary>
    public static string Describe(Exception e, string what) =>
        $"{what} could not be stored ({e.GetType().Name}: {e.Message}); a value is probably nested too deep or too large. " +
        "It was stopped so that other executions can go on.";

    /// <summary>
    /// Writes <paramref name="count"/> items one by one after their batch failed with <paramref name="batchError"/>.
    /// Returns each item's error (null: written), or throws (as an outage) when no item could be written and a failure
    /// is not certainly the data's (see the remarks on <see cref="PoisonIsolation"/>).
    /// </summary>
    public static async Task<Exception?[]> WriteEachAloneAsync(int count, Func<int, Task> write, Exception batchError)
    {
        var errors = new Exception?[count];
        var written = 0;
        for (var i = 0; i < count; i++)
        {
            try
            {
                await write(i);
                written++;
            }
            catch (Exception e) when (!IsOutage(e))
            {
                errors[i] = e;
            }
        }
        if (written == 0 && errors.FirstOrDefault(e => e is not null && !IsDataError(e)) is { } unexplained)
        {
            // Nothing could be written and the data does not explain it: the database is the likelier cause.
            ExceptionDispatchInfo.Throw(count == 1 ? unexplained : batchError);
        }
        return errors;
    }

    /// <summary>Whether a whole batch failing with <paramref name="e"/> is worth splitting up (else it propagates).</summary>
    public static bool MaySplit(Exception e) => !IsOutage(e);

    /// <summary>
    /// Records activity results in one transaction; when that throws for a reason other than an outage, records them one
    /// by one, and a result that cannot be stored is replaced by a non-retryable failure of its step. Returns how many were poison.
    /// Outages propagate (the caller keeps the batch and retries), and so does a batch none of whose results could be written.
    /// </summary>
    public static async Task<int> CompleteActivitiesAsync(
        IExecutionWorkerStore store, IReadOnlyList<ActivityCompletion> batch, DateTimeOffset now, ILogger logger, CancellationToken ct)
    {
        Exception batchError;
        try
        {
            await store.CompleteActivitiesAsync(batch, now, ct);
            return 0;
        }
        catch (Exception e) when (MaySplit(e) && batch.Count > 0)
        {
            batchError = e;
        }
        var errors = await WriteEachAloneAsync(batch.Count, i => store.CompleteActivitiesAsync([batch[i]], now, ct), batchError);
        var poisoned = 0;
        for (var i = 0; i < batch.Count; i++)
        {
            if (errors[i] is not { } error) continue;
            var completion = batch[i];
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
