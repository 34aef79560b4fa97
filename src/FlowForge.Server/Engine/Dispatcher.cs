using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using FlowForge.Core.Engine;
using FlowForge.Core.Engine.History;
using FlowForge.Core.Storage;
using Microsoft.Extensions.Options;

namespace FlowForge.Server.Engine;

/// <summary>
/// The decider loop: claims executions with due inbox messages, runs the decider, and commits each
/// turn (history, status, activities, timers, children, the parent's wake-up) in one transaction,
/// batching many executions per transaction. Activities it creates are leased to this process and
/// handed straight to the local workers.
/// </summary>
public sealed class Dispatcher(
    IExecutionStore store,
    IWorkflowStore workflows,
    GraphCache graphs,
    EngineSignals signals,
    ActivityQueue activities,
    ExecutionEvents feed,
    IOptions<EngineOptions> options,
    ILogger<Dispatcher> logger,
    TimeProvider clock) : BackgroundService
{
    private readonly EngineOptions _options = options.Value;

    /// <summary>Folded states of executions this process dispatched, by id, valid while their last sequence matches.</summary>
    private readonly ConcurrentDictionary<string, (ExecutionState State, long Sequence)> _states = new();

    private const int MaxCachedStates = 20_000;

    /// <summary>This process's name on the leases it takes.</summary>
    public string Owner => activities.Owner;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var worked = false;
            try
            {
                worked = await RunOnceAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                Logs.DispatcherTurnFailed(logger, e);
                _states.Clear();
                await Task.Delay(TimeSpan.FromMilliseconds(200), stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            if (!worked) await SleepUntilDueAsync(stoppingToken);
        }
        await store.ReleaseOrchestrationsAsync(Owner, CancellationToken.None);
    }

    /// <summary>One batch: claim, decide, commit. Returns false when there was nothing to do.</summary>
    public async Task<bool> RunOnceAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var items = await store.ClaimOrchestrationsAsync(Owner, _options.DispatcherBatchSize, _options.OrchestrationLease, now, ct);
        if (items.Count == 0) return false;

        var commits = new List<OrchestrationCommit>(items.Count);
        var turns = new List<(OrchestrationWorkItem Item, ExecutionState State, DeciderResult Result)>(items.Count);
        foreach (var item in items)
        {
            (OrchestrationCommit Commit, ExecutionState State, DeciderResult Result) turn;
            try
            {
                turn = await DecideAsync(item, now, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A turn that throws (a bug, a damaged history) must not block the batch for ever: that execution fails, the others go on.
                Logs.DecideFailed(logger, e, item.Execution.Id);
                _states.TryRemove(item.Execution.Id, out _);
                turn = Failed(item, $"Internal error while deciding the next step ({e.GetType().Name}: {e.Message}). The execution was stopped; resume it once the cause is fixed.", now);
            }
            commits.Add(turn.Commit);
            turns.Add((item, turn.State, turn.Result));
        }

        var results = await store.CommitOrchestrationsAsync(Owner, commits, ct);
        var leased = new List<ActivityWorkItem>();
        for (var i = 0; i < results.Count; i++)
        {
            var (item, state, result) = turns[i];
            var id = item.Execution.Id;
            if (results[i].Outcome == CommitOutcome.Conflict)
            {
                _states.TryRemove(id, out _);
                continue;
            }
            var sequence = commits[i].ExpectedLastSequence + result.Accepted.Count + result.Decisions.Count;
            if (state.TerminalStatus is not null || _states.Count > MaxCachedStates) _states.TryRemove(id, out _);
            else _states[id] = (state, sequence);
            leased.AddRange(results[i].LeasedActivities);
            feed.Publish(item.Execution, commits[i].ExpectedLastSequence, result);
        }
        foreach (var activity in leased) activities.Enqueue(activity);
        if (leased.Count > 0) signals.WakeWorkers();
        return true;
    }

    private async Task<(OrchestrationCommit Commit, ExecutionState State, DeciderResult Result)> DecideAsync(OrchestrationWorkItem item, DateTimeOffset now, CancellationToken ct)
    {
        var execution = item.Execution;
        var consumed = item.Messages.Select(m => m.Id).ToList();
        var inbox = item.Messages.Select(m => m.Event).ToList();

        ExecutionState state;
        if (_states.TryGetValue(execution.Id, out var cached) && cached.Sequence == execution.LastSequence)
        {
            state = cached.State;
        }
        else
        {
            state = ExecutionState.Replay(execution.Id, await store.GetHistoryAsync(execution.Id, 0, ct));
        }

        var graph = await graphs.GetAsync(execution.OrgId, execution.WorkflowId, execution.Version, ct);
        DeciderResult result;
        if (graph is null)
        {
            // The pinned version is gone (versions are never deleted, so this is a damaged database): fail loudly rather than loop.
            var accepted = new List<HistoryEvent>();
            foreach (var e in inbox)
            {
                if (!state.Accepts(e)) continue;
                state.Apply(e);
                accepted.Add(e);
            }
            var decisions = new List<HistoryEvent>();
            if (state.TerminalStatus is null)
            {
                var failed = new ExecutionFailed($"Workflow version {execution.WorkflowId} v{execution.Version} was not found.") { Timestamp = now };
                state.Apply(failed);
                decisions.Add(failed);
            }
            result = new DeciderResult(accepted, decisions, state.Status);
        }
        else
        {
            result = Decider.Decide(graph, state, inbox);
        }

        var commit = await BuildCommitAsync(execution, state, result, consumed, now, ct);
        return (commit, state, result);
    }

    private static (OrchestrationCommit, ExecutionState, DeciderResult) Failed(OrchestrationWorkItem item, string error, DateTimeOffset now)
    {
        var failed = new ExecutionFailed(error) { Timestamp = now };
        var state = new ExecutionState(item.Execution.Id);
        var result = new DeciderResult([], [failed], ExecutionStatus.Failed);
        var commit = new OrchestrationCommit(item.Execution.Id, item.Execution.LastSequence, [.. item.Messages.Select(m => m.Id)], [failed], ExecutionStatus.Failed, Error: error);
        return (commit, state, result);
    }

    /// <summary>Turns the decider's events into the work they imply.</summary>
    private async Task<OrchestrationCommit> BuildCommitAsync(
        ExecutionRecord execution, ExecutionState state, DeciderResult result, List<long> consumed, DateTimeOffset now, CancellationToken ct)
    {
        var activitiesToRun = new List<ActivityRequest>();
        var messages = new List<ScheduledMessage>();
        var children = new List<NewExecution>();
        GraphIndex? graph = null;

        foreach (var e in result.Decisions)
        {
            switch (e)
            {
                case StepScheduled s:
                    graph ??= await graphs.GetAsync(execution.OrgId, execution.WorkflowId, execution.Version, ct);
                    var node = graph?.Find(s.NodeId)?.Definition;
                    var settings = node is null ? StepSettings.Default : StepSettings.From(node);
                    activitiesToRun.Add(new ActivityRequest(execution.Id, execution.OrgId, s.StepKey, s.NodeId, s.NodeType, s.Attempt, s.Input, settings.Timeout));
                    break;
                case TimerCreated t:
                    messages.Add(new ScheduledMessage(execution.Id, new TimerFired(t.TimerId) { Timestamp = t.FireAt }, t.FireAt));
                    break;
                case ChildRequested c:
                {
                    var child = await workflows.GetAsync(execution.OrgId, c.WorkflowId, ct);
                    if (child?.PublishedVersion is { } version)
                    {
                        children.Add(new NewExecution(c.ChildExecutionId, execution.OrgId, c.WorkflowId, version, c.Input,
                            ParentExecutionId: execution.Id, ParentStepKey: c.StepKey));
                    }
                    else
                    {
                        var reason = child is null ? $"Workflow '{c.WorkflowId}' does not exist." : $"Workflow '{c.WorkflowId}' has no published version.";
                        messages.Add(new ScheduledMessage(execution.Id, new ChildFailed(c.StepKey, c.ChildExecutionId, reason) { Timestamp = now }, now));
                    }
                    break;
                }
            }
        }

        // A finished child wakes its parent with its outcome, in the same transaction.
        if (state.TerminalStatus is not null && state.Started?.ParentExecutionId is { } parentId && state.Started.ParentStepKey is { } parentStep
            && result.Decisions.Any(d => d is ExecutionCompleted or ExecutionFailed or ExecutionCancelled))
        {
            HistoryEvent outcome = state.TerminalStatus == ExecutionStatus.Completed
                ? new ChildCompleted(parentStep, execution.Id, state.Output?.DeepClone())
                : new ChildFailed(parentStep, execution.Id, $"Sub-workflow execution {execution.Id} {state.TerminalStatus}: {state.Error}");
            messages.Add(new ScheduledMessage(parentId, outcome with { Timestamp = now }, now));
        }

        return new OrchestrationCommit(
            execution.Id,
            execution.LastSequence,
            consumed,
            [.. result.Accepted, .. result.Decisions],
            result.Status,
            state.TerminalStatus == ExecutionStatus.Completed ? state.Output : null,
            state.TerminalStatus is ExecutionStatus.Failed or ExecutionStatus.Cancelled ? state.Error : null,
            activitiesToRun,
            activities.HasRoom(activitiesToRun.Count) ? activities.Owner : null,
            _options.ActivityLeaseGrace,
            messages,
            children);
    }

    private async Task SleepUntilDueAsync(CancellationToken ct)
    {
        var wait = _options.PollInterval;
        var due = await store.NextDueAsync(ct);
        if (due is { } at)
        {
            var untilDue = at - clock.GetUtcNow();
            if (untilDue < wait) wait = untilDue < TimeSpan.Zero ? TimeSpan.Zero : untilDue + TimeSpan.FromMilliseconds(5);
        }
        if (wait > TimeSpan.Zero) await signals.WaitDispatcherAsync(wait, ct);
    }
}
