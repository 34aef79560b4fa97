using System.Collections.Concurrent;
using FlowForge.Core.Engine;
using FlowForge.Core.Engine.History;
using FlowForge.Core.Storage;

namespace FlowForge.Server.Engine;

/// <summary>What one committed dispatcher turn added to an execution's history.</summary>
/// <param name="FirstSequence">The sequence number of the first event in <see cref="Events"/>.</param>
/// <param name="CommittedAt">When the turn was committed (just before publishing); live events carry it as <c>committedAt</c>.</param>
/// <param name="CreatedAt">When the execution was accepted (the start of its <c>totalDuration</c>, as in the API).</param>
public sealed record ExecutionProgress(
    string ExecutionId, string OrgId, string WorkflowId, string Status, long FirstSequence, IReadOnlyList<HistoryEvent> Events,
    DateTimeOffset CommittedAt = default, DateTimeOffset? CreatedAt = null);

/// <summary>
/// The feed of committed history, published after each commit (never before: nothing announced can
/// roll back). Subscribers must not block: they get the call on the dispatcher's thread.
/// </summary>
internal sealed class ExecutionEvents(TimeProvider clock)
{

    private readonly ConcurrentDictionary<string, TaskCompletionSource<string>> _finished = new();

    public event Action<ExecutionProgress>? Committed;

    /// <summary>The handlers on <see cref="Committed"/> (tests: telemetry off adds none).</summary>
    internal Delegate[] Subscribers() => Committed?.GetInvocationList() ?? [];

    public void Publish(ExecutionRecord execution, long previousSequence, DeciderResult result)
    {
        var events = new List<HistoryEvent>(result.Accepted.Count + result.Decisions.Count);
        events.AddRange(result.Accepted);
        events.AddRange(result.Decisions);
        if (events.Count == 0) return;
        Committed?.Invoke(new ExecutionProgress(execution.Id, execution.OrgId, execution.WorkflowId, result.Status, previousSequence + 1, events,
            clock.GetUtcNow(), execution.CreatedAt));
        if (ExecutionStatus.IsTerminal(result.Status) && _finished.TryRemove(execution.Id, out var waiter)) waiter.TrySetResult(result.Status);
    }

    /// <summary>
    /// Completes when this process commits the execution's terminal event, or when the timeout passes
    /// (callers re-read the store either way: another process may have finished it).
    /// </summary>
    public async Task WaitForFinishAsync(string executionId, TimeSpan timeout, CancellationToken ct)
    {
        var waiter = _finished.GetOrAdd(executionId, _ => new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously));
        try
        {
            await waiter.Task.WaitAsync(timeout, ct);
        }
        catch (TimeoutException)
        {
        }
    }
}
