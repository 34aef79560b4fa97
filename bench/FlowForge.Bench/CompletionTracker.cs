using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using FlowForge.Core.Engine.History;
using FlowForge.Core.Storage;
using FlowForge.Server.Engine;

namespace FlowForge.Bench;

/// <summary>How one execution ended, as the dispatcher announced it after the commit.</summary>
/// <param name="Timestamp">Stopwatch timestamp taken in the <see cref="ExecutionEvents.Committed"/> callback.</param>
public sealed record Finished(long Timestamp, string Status, long? Value, string? Error, int ActivitySteps);

/// <summary>
/// Listens to <see cref="ExecutionEvents.Committed"/> (called on the dispatcher's thread after each committed turn) and
/// completes one task per execution when its terminal status is committed. No polling. Cheap on purpose.
/// </summary>
public sealed class CompletionTracker
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private int _parked;

    /// <summary>Executions seen in status <c>waiting</c> (parked on a timer) at least once.</summary>
    public int Parked => Volatile.Read(ref _parked);

    /// <summary>Completes when <see cref="Parked"/> reaches a target.</summary>
    public TaskCompletionSource? ParkedTarget { get; private set; }
    private int _parkedTarget = int.MaxValue;

    public void ExpectParked(int count)
    {
        ParkedTarget = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _parkedTarget, count);
        if (Parked >= count) ParkedTarget.TrySetResult();
    }

    public Task<Finished> WhenFinished(string executionId) => Get(executionId).Done.Task;

    public void Forget(string executionId) => _entries.TryRemove(executionId, out _);

    public void OnCommitted(ExecutionProgress progress)
    {
        var entry = Get(progress.ExecutionId);
        long? value = null;
        string? error = null;
        foreach (var e in progress.Events)
        {
            switch (e)
            {
                case StepCompleted { Inline: false }:
                    Interlocked.Increment(ref entry.ActivitySteps);
                    break;
                case ExecutionCompleted c:
                    value = ReadValue(c.Output);
                    break;
                case ExecutionFailed f:
                    error = f.Error;
                    break;
            }
        }
        if (progress.Status == ExecutionStatus.Waiting && Interlocked.Exchange(ref entry.SeenParked, 1) == 0)
        {
            if (Interlocked.Increment(ref _parked) >= Volatile.Read(ref _parkedTarget)) ParkedTarget?.TrySetResult();
        }
        if (ExecutionStatus.IsTerminal(progress.Status))
        {
            entry.Done.TrySetResult(new Finished(Stopwatch.GetTimestamp(), progress.Status, value, error, Volatile.Read(ref entry.ActivitySteps)));
        }
    }

    /// <summary>
    /// A turn committed by another process (the scale-out bench's server children report theirs): the same bookkeeping as
    /// <see cref="OnCommitted"/>, with the timestamp the child took in its own callback (Stopwatch timestamps are the
    /// machine's monotonic clock on Linux, so they compare across processes).
    /// </summary>
    public void OnRemoteTurn(string executionId, string status, int activitySteps, long? value, string? error, long timestamp)
    {
        var entry = Get(executionId);
        if (activitySteps > 0) Interlocked.Add(ref entry.ActivitySteps, activitySteps);
        if (ExecutionStatus.IsTerminal(status))
        {
            entry.Done.TrySetResult(new Finished(timestamp, status, value, error, Volatile.Read(ref entry.ActivitySteps)));
        }
    }

    /// <summary>Activity steps of a turn, and the value or error of a terminal one (what a scale-out child reports).</summary>
    public static (int Steps, long? Value, string? Error) Summarize(ExecutionProgress progress)
    {
        var steps = 0;
        long? value = null;
        string? error = null;
        foreach (var e in progress.Events)
        {
            switch (e)
            {
                case StepCompleted { Inline: false }: steps++; break;
                case ExecutionCompleted c: value = ReadValue(c.Output); break;
                case ExecutionFailed f: error = f.Error; break;
            }
        }
        return (steps, value, error);
    }

    private Entry Get(string id) => _entries.GetOrAdd(id, static _ => new Entry());

    private static long? ReadValue(JsonNode? output) =>
        output?["value"] is JsonValue v && v.TryGetValue<long>(out var l) ? l
        : output?["value"] is JsonValue d && d.TryGetValue<double>(out var x) ? (long)x
        : null;

    private sealed class Entry
    {
        public readonly TaskCompletionSource<Finished> Done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public int ActivitySteps;
        public int SeenParked;
    }
}
