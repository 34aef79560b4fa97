using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using FlowForge.Core.Engine;
using FlowForge.Core.Engine.History;
using FlowForge.Core.Storage;
using FlowForge.Server.Api;
using FlowForge.Server.Health;
using FlowForge.Server.Telemetry;
using Microsoft.Extensions.Options;

namespace FlowForge.Server.Engine;

/// <summary>
/// The decider loop: claims executions with due inbox messages, runs the decider, and commits each
/// turn (history, status, activities, timers, children, the parent's wake-up) in one transaction,
/// batching many executions per transaction. Activities it creates are leased to this process and
/// handed straight to the local workers; their results, and starts this process accepts (inserted already
/// leased to it, see <see cref="LocalStarts"/>), come back in memory without a claim.
/// </summary>
internal sealed class Dispatcher(
    IExecutionWorkerStore store,
    IWorkflowStore workflows,
    GraphCache graphs,
    EngineSignals signals,
    ActivityQueue activities,
    LocalResults results,
    LocalStarts starts,
    StartQuota quota,
    ExecutionEvents feed,
    IOptions<EngineOptions> options,
    IOptions<RequestLimits> limits,
    ILogger<Dispatcher> logger,
    TimeProvider clock,
    LoopHeartbeats heartbeats) : BackgroundService
{
    private readonly EngineOptions _options = options.Value;
    private readonly EngineLimits _limits = new(limits.Value.MaxStepOutputBytes, options.Value.MaxSubworkflowDepth,
        MaxStepsPerExecution: limits.Value.MaxStepsPerExecution);

    /// <summary>
    /// Folded states of executions this process dispatched, with their status row as of the last commit;
    /// valid while the row's last sequence matches the database's.
    /// </summary>
    private readonly ConcurrentDictionary<string, (ExecutionState State, ExecutionRecord Record)> _states = new();

    private const int MaxCachedStates = 20_000;

    private DateTimeOffset _nextInboxCheck = DateTimeOffset.MinValue;

    private List<ActivityCompletion> _uncommittedResults = [];

    private long _poisonTurns;
    private readonly OutageBackoff _backoff = new("dispatcher", logger, clock);

    /// <summary>How many turns could not be stored and had their execution failed instead (see <see cref="PoisonIsolation"/>).</summary>
    public long PoisonTurns => Interlocked.Read(ref _poisonTurns);

    /// <summary>This process's name on the leases it takes.</summary>
    public string Owner => activities.Owner;

    /// <summary>Whether the folded state of <paramref name="executionId"/> is held in memory (tests: waiting executions must not be).</summary>
    internal bool HoldsState(string executionId) => _states.ContainsKey(executionId);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        results.Start();
        starts.Start(this);
        while (!stoppingToken.IsCancellationRequested)
        {
            // Once per iteration: an idle loop still iterates every poll interval, so only a hung one stops beating.
            heartbeats.Beat(LoopHeartbeats.Dispatcher);
            var worked = false;
            try
            {
                worked = await RunLocalWorkAsync(stoppingToken);
                // A pass that read nothing proves nothing about the database: only one that called the store ends an outage.
                var storeCalled = worked;
                // The store is read only when there may be inbox work: signalled, due by the clock, or the poll interval passed.
                // Steps handed over in memory never touch it, which keeps a query off every step's path.
                if (signals.TakeInboxWork() || clock.GetUtcNow() >= _nextInboxCheck)
                {
                    storeCalled = true;
                    var claimed = await RunOnceAsync(stoppingToken);
                    if (claimed >= _options.DispatcherBatchSize)
                    {
                        // A full batch: more may be due at once.
                        worked = true;
                        _nextInboxCheck = DateTimeOffset.MinValue;
                    }
                    else if (claimed > 0)
                    {
                        // A partial batch took everything due: claiming again at once would find nothing, and planning the next
                        // due moment now would sit in front of the first step's result (both used to cost a query per start on
                        // the latency path). New work in this process signals; the next claim, within 100 ms, also re-plans
                        // timers (when it finds nothing), so a timer is at most that late; other processes' work within a poll.
                        worked = true;
                        _nextInboxCheck = clock.GetUtcNow() + TimeSpan.FromTicks(Math.Min(_options.PollInterval.Ticks, TimeSpan.TicksPerMillisecond * 100));
                    }
                    else
                    {
                        _nextInboxCheck = await NextInboxCheckAsync(stoppingToken);
                    }
                }
                if (storeCalled) _backoff.Succeeded();
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                _states.Clear();
                await Task.Delay(_backoff.Failed(e), stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            if (!worked)
            {
                var wait = _nextInboxCheck - clock.GetUtcNow();
                if (wait > TimeSpan.Zero) await signals.WaitDispatcherAsync(wait, stoppingToken);
            }
        }
        heartbeats.Stopped(LoopHeartbeats.Dispatcher);
        results.Stop();
        // Starts still handed over are durable and leased to this process: the release below makes them claimable at once.
        starts.Stop();
        // Results handed over but not committed go the durable way, so nothing a worker finished is lost on shutdown.
        var leftovers = _uncommittedResults;
        while (results.TryRead(out var completion)) leftovers.Add(completion);
        if (leftovers.Count > 0) await PoisonIsolation.CompleteActivitiesAsync(store, leftovers, clock.GetUtcNow(), logger, CancellationToken.None);
        await store.ReleaseOrchestrationsAsync(Owner, CancellationToken.None);
    }

    /// <summary>
    /// The fast path, for work handed over in memory, decided and committed in one group commit (one transaction per pass):
    /// activity results this process's workers finished, committed with the deletion of their activity rows (no inbox
    /// write, no claim), and starts this process accepted, inserted already leased to this dispatcher (no claim). A result
    /// needs the execution's state cached from this dispatcher's last commit; the compare-and-set on the last sequence
    /// keeps both safe against other dispatchers. A result that does not fit (no cached state, a conflict) takes the
    /// durable inbox path instead; a start whose lease was lost (it expired and another dispatcher took the execution)
    /// conflicts and writes nothing, and its inbox is looked at the durable way. Starts are durable already: if the pass
    /// fails they are still leased to this process, whose next claim takes them back from their inbox messages.
    /// </summary>
    public async Task<bool> RunLocalWorkAsync(CancellationToken ct)
    {
        // Results a failed pass could not commit come first: an outage must not lose them (their leases would have to expire).
        var batch = _uncommittedResults;
        _uncommittedResults = [];
        while (batch.Count < _options.DispatcherBatchSize * 4 && results.TryRead(out var completion)) batch.Add(completion);
        var started = new List<OrchestrationWorkItem>();
        while (started.Count < _options.DispatcherBatchSize && starts.TryRead(out var item)) started.Add(item);
        if (batch.Count == 0 && started.Count == 0) return false;
        try
        {
            await DecideAndCommitLocalAsync(batch, started, ct);
        }
        catch
        {
            // Kept for the next pass. Any of them already committed is refused there as a stale result, so nothing is recorded twice.
            _uncommittedResults = batch;
            if (started.Count > 0) signals.WakeDispatcher();
            throw;
        }
        return true;
    }

    private async Task DecideAndCommitLocalAsync(List<ActivityCompletion> batch, List<OrchestrationWorkItem> started, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var viaInbox = new List<ActivityCompletion>();
        var commits = new List<OrchestrationCommit>();
        var turns = new List<(ExecutionRecord Record, ExecutionState State, DeciderResult Result)>();
        var completionsOf = new List<List<ActivityCompletion>>();
        foreach (var group in batch.GroupBy(c => c.ExecutionId))
        {
            var completions = group.ToList();
            if (!_states.TryRemove(group.Key, out var cached))
            {
                viaInbox.AddRange(completions);
                continue;
            }
            try
            {
                var (commit, state, result) = await DecideAsync(cached.Record, [.. completions.Select(c => c.Result)], [], cached.State, now, ct);
                commits.Add(commit with { CompletedActivities = completions });
                turns.Add((cached.Record, state, result));
                completionsOf.Add(completions);
            }
            catch (Exception e) when (e is not OperationCanceledException && !PoisonIsolation.IsDatabaseFailure(e))
            {
                Logs.DecideFailed(logger, e, group.Key);
                viaInbox.AddRange(completions);
            }
        }
        var firstStart = commits.Count;
        await DecideItemsAsync(started, commits, turns, now, ct);

        if (commits.Count > 0)
        {
            var outcomes = await CommitAndApplyAsync(commits, turns, async (i, error) =>
            {
                if (i >= firstStart) return await FailedAsync(started[i - firstStart].Execution, started[i - firstStart].Messages, null, error, now, ct);
                var failed = await FailedAsync(turns[i].Record, [], turns[i].State.Started, error, now, ct);
                return failed with { Commit = failed.Commit with { CompletedActivities = completionsOf[i] } };
            }, ct);
            for (var i = 0; i < outcomes.Count; i++)
            {
                if (outcomes[i].Outcome != CommitOutcome.Conflict) continue;
                if (i < firstStart) viaInbox.AddRange(completionsOf[i]);
                else signals.WakeDispatcher();
            }
        }
        if (viaInbox.Count > 0)
        {
            await PoisonIsolation.CompleteActivitiesAsync(store, viaInbox, now, logger, ct);
            signals.WakeDispatcher();
        }
    }

    /// <summary>A first turn decided before its start is written: the commit, and the state and events it leaves.</summary>
    internal sealed record FirstTurn(OrchestrationCommit Commit, ExecutionState State, DeciderResult Result);

    /// <summary>
    /// The first turn of a start this process accepts, decided before the start is written, so that the start's own transaction
    /// writes it (<see cref="NewExecution.FirstTurn"/>): one commit where the start and this dispatcher's first turn took two.
    /// Null leaves the turn to this dispatcher, as before: the graph starts sub-workflows (a turn's share of the start quota is
    /// settled around its decision here), the turn sends messages, or deciding threw (the dispatcher fails it as any turn).
    /// </summary>
    /// <param name="execution">The execution as it will be inserted (no history).</param>
    /// <param name="started">Its first event; the turn folds it, so it must not share a JSON node with anything else.</param>
    internal async Task<FirstTurn?> DecideFirstTurnAsync(ExecutionRecord execution, ExecutionStarted started, CancellationToken ct)
    {
        try
        {
            var graph = await graphs.GetAsync(execution.OrgId, execution.WorkflowId, execution.Version, ct);
            if (graph is null || graph.HasSubworkflows) return null;
            var (commit, state, result) = await DecideAsync(execution, [started], [], null, clock.GetUtcNow(), ct);
            return commit.Messages is { Count: > 0 } || commit.Children is { Count: > 0 } ? null : new FirstTurn(commit, state, result);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>
    /// After a start wrote its first turn (<paramref name="written"/> is the row it left): as after this dispatcher's own commit
    /// of it, the state is cached before its activities are handed to the workers, so their results come back in memory.
    /// </summary>
    internal void FirstTurnWritten(ExecutionRecord written, FirstTurn turn, CommitResult outcome) =>
        Applied([(written, turn.State, turn.Result)], [turn.Commit], [outcome]);

    /// <summary>
    /// One batch: claim, decide, commit. Returns how many claimed executions were run (0: nothing to do). Executions whose
    /// start is waiting in <see cref="LocalStarts"/> (leased to this process, so claimable by it) are left to that hand-off:
    /// running them here too would decide their first turn twice, and the loser's conflict would drop the winner's cached state.
    /// Any other message of theirs (a cancel sent meanwhile) is claimed by a later pass, once that turn released the lease.
    /// </summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var claimed = await store.ClaimOrchestrationsAsync(Owner, _options.DispatcherBatchSize, _options.OrchestrationLease, now, ct);
        var items = claimed.Where(i => !starts.IsWaiting(i.Execution.Id)).ToList();
        if (items.Count == 0) return 0;

        var commits = new List<OrchestrationCommit>(items.Count);
        var turns = new List<(ExecutionRecord Record, ExecutionState State, DeciderResult Result)>(items.Count);
        await DecideItemsAsync(items, commits, turns, now, ct);
        await CommitAndApplyAsync(commits, turns, (i, error) => FailedAsync(items[i].Execution, items[i].Messages, null, error, now, ct), ct);
        return items.Count;
    }

    /// <summary>
    /// Decides a turn for each leased execution from its inbox messages (claimed, or started by this process), appending
    /// them to <paramref name="commits"/> and <paramref name="turns"/>.
    /// </summary>
    private async Task DecideItemsAsync(
        IReadOnlyList<OrchestrationWorkItem> items,
        List<OrchestrationCommit> commits,
        List<(ExecutionRecord Record, ExecutionState State, DeciderResult Result)> turns,
        DateTimeOffset now,
        CancellationToken ct)
    {
        foreach (var item in items)
        {
            var record = item.Execution;
            (OrchestrationCommit Commit, ExecutionState State, DeciderResult Result) turn;
            try
            {
                var cached = _states.TryRemove(record.Id, out var entry) && entry.Record.LastSequence == record.LastSequence ? entry.State : null;
                turn = await DecideAsync(record, [.. item.Messages.Select(m => m.Event)], [.. item.Messages.Select(m => m.Id)], cached, now, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException && !PoisonIsolation.IsDatabaseFailure(e))
            {
                // A turn that throws (a bug, a damaged history) must not block the batch for ever: that execution fails, the others go on.
                // A database error while reading for it is not the turn's fault: it goes to the loop, which backs off and retries.
                Logs.DecideFailed(logger, e, record.Id);
                turn = await FailedAsync(item.Execution, item.Messages, null, $"Internal error while deciding the next step ({e.GetType().Name}: {e.Message}). The execution was stopped; resume it once the cause is fixed.", now, ct);
            }
            commits.Add(turn.Commit);
            turns.Add((record, turn.State, turn.Result));
        }
    }

    /// <summary>The group commit (<see cref="CommitIsolatingAsync"/>), then <see cref="Applied"/>.</summary>
    private async Task<IReadOnlyList<CommitResult>> CommitAndApplyAsync(
        List<OrchestrationCommit> commits,
        List<(ExecutionRecord Record, ExecutionState State, DeciderResult Result)> turns,
        Func<int, string, Task<(OrchestrationCommit Commit, ExecutionState State, DeciderResult Result)>> fail,
        CancellationToken ct)
    {
        var outcomes = await CommitIsolatingAsync(commits, turns, fail, ct);
        Applied(turns, commits, outcomes);
        return outcomes;
    }

    /// <summary>
    /// The group commit, isolating poison: when the batch throws for a reason other than an outage, each turn is
    /// committed alone, and a turn that still cannot be stored is replaced (in <paramref name="commits"/> and
    /// <paramref name="turns"/>) by its execution's failure, built by <paramref name="fail"/>. Outages propagate.
    /// </summary>
    private async Task<IReadOnlyList<CommitResult>> CommitIsolatingAsync(
        List<OrchestrationCommit> commits,
        List<(ExecutionRecord Record, ExecutionState State, DeciderResult Result)> turns,
        Func<int, string, Task<(OrchestrationCommit Commit, ExecutionState State, DeciderResult Result)>> fail,
        CancellationToken ct)
    {
        Exception batchError;
        try
        {
            using var span = CommitTelemetry.Start(commits);
            var started = CommitTelemetry.Begin();
            var committed = await store.CommitOrchestrationsAsync(Owner, commits, ct);
            CommitTelemetry.End(started);
            return committed;
        }
        catch (Exception e) when (PoisonIsolation.MaySplit(e))
        {
            // Find the turn(s) that cannot be stored by committing each alone; if none can, it is an outage after all (rethrown).
            batchError = e;
        }
        var outcomes = new CommitResult[commits.Count];
        var errors = await PoisonIsolation.WriteEachAloneAsync(commits.Count,
            async i => outcomes[i] = (await store.CommitOrchestrationsAsync(Owner, [commits[i]], ct))[0], batchError);
        for (var i = 0; i < commits.Count; i++)
        {
            if (errors[i] is not { } error) continue;
            Interlocked.Increment(ref _poisonTurns);
            Logs.PoisonTurn(logger, error, commits[i].ExecutionId);
            var failed = await fail(i, PoisonIsolation.Describe(error, "The execution's next step"));
            commits[i] = failed.Commit;
            turns[i] = (turns[i].Record, failed.State, failed.Result);
            try
            {
                outcomes[i] = (await store.CommitOrchestrationsAsync(Owner, [failed.Commit], ct))[0];
            }
            catch (Exception e) when (!PoisonIsolation.IsOutage(e))
            {
                // Reported as a conflict: nothing was written, and the execution's work stays where it was for a later attempt.
                Logs.PoisonFailureNotStored(logger, e, commits[i].ExecutionId);
                outcomes[i] = new CommitResult(CommitOutcome.Conflict, []);
            }
        }
        return outcomes;
    }

    /// <summary>After a group commit: cache the states that moved on, publish progress, hand leased activities to the workers.</summary>
    private void Applied(
        IReadOnlyList<(ExecutionRecord Record, ExecutionState State, DeciderResult Result)> turns,
        IReadOnlyList<OrchestrationCommit> commits,
        IReadOnlyList<CommitResult> outcomes)
    {
        var unleased = 0;
        var inboxWork = false;
        for (var i = 0; i < outcomes.Count; i++)
        {
            var (record, state, result) = turns[i];
            if (outcomes[i].Outcome == CommitOutcome.Conflict) continue;
            // New timers, children and messages to parents are inbox work: look again (and re-plan the next timer).
            inboxWork |= commits[i].Messages is { Count: > 0 } || commits[i].Children is { Count: > 0 };
            var committed = record with { LastSequence = commits[i].ExpectedLastSequence + commits[i].NewEvents.Count, Status = commits[i].Status };
            // Kept only while a result is on its way back in memory (an activity leased to this process's workers): that is the
            // path that needs it. An execution that waits (a timer, an approval, a child, an unleased activity) may wait for days;
            // its state is replayed from the history when it wakes, rather than pinning memory meanwhile.
            // A failure built outside the decider (poison, a broken turn) carries no folded state: never cache it.
            if (state.TerminalStatus is null && !ExecutionStatus.IsTerminal(commits[i].Status) && outcomes[i].LeasedActivities.Count > 0
                && _states.Count < MaxCachedStates)
            {
                _states[record.Id] = (state, committed);
            }
            feed.Publish(record, commits[i].ExpectedLastSequence, result);
            foreach (var activity in outcomes[i].LeasedActivities) activities.Enqueue(activity);
            if (commits[i].ActivityLeaseOwner is null) unleased += commits[i].Activities?.Count ?? 0;
        }
        // Leased activities wake the runners through the queue itself; only activities committed unleased (the local queue
        // was full) need a claim from the store. Waking the claim loop for every step cost one empty claim per step.
        if (unleased > 0) signals.WakeWorkers();
        if (inboxWork) signals.WakeDispatcher();
    }

    /// <summary>One turn for one execution; <paramref name="cached"/> is its state as of its last sequence, or null to replay the history.</summary>
    private async Task<(OrchestrationCommit Commit, ExecutionState State, DeciderResult Result)> DecideAsync(
        ExecutionRecord execution, List<HistoryEvent> inbox, List<long> consumed, ExecutionState? cached, DateTimeOffset now, CancellationToken ct)
    {
        // last_sequence counts the history (the compare-and-set keeps it so): a new execution's first turn has none to read.
        var state = cached ?? ExecutionState.Replay(execution.Id, execution.LastSequence == 0 ? [] : await store.GetHistoryAsync(execution.Id, 0, ct));

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
            if (graph.HasSubworkflows)
            {
                // The turn's share of the start quota is reserved up front (cached values, no query), so the decider itself
                // fails the steps past it: a refusal is always in the history, even for a step that does not wait for its child.
                var allowance = quota.ReserveChildStarts(execution.OrgId);
                var used = 0;
                try
                {
                    result = Decider.Decide(graph, state, inbox, _limits with { ChildStarts = allowance });
                    used = result.Decisions.Count(d => d is ChildRequested);
                }
                finally
                {
                    quota.SettleChildStarts(execution.OrgId, allowance.Allowed, used);
                }
            }
            else
            {
                result = Decider.Decide(graph, state, inbox, _limits);
            }
        }

        var commit = await BuildCommitAsync(execution, state, result, consumed, now, ct);
        return (commit, state, result);
    }

    /// <summary>
    /// A turn that fails the execution outright: consumes <paramref name="inbox"/> and tells a parent. <paramref name="started"/>
    /// is the execution's first event when already known (else it is looked for in the inbox, then the history).
    /// </summary>
    private async Task<(OrchestrationCommit Commit, ExecutionState State, DeciderResult Result)> FailedAsync(
        ExecutionRecord execution, IReadOnlyList<InboxMessage> inbox, ExecutionStarted? started, string error, DateTimeOffset now, CancellationToken ct)
    {
        var failed = new ExecutionFailed(error) { Timestamp = now };
        var state = new ExecutionState(execution.Id);
        var result = new DeciderResult([], [failed], ExecutionStatus.Failed);
        var messages = new List<ScheduledMessage>();
        // A child tells its parent, which would otherwise wait for it for ever. The parent's step is in the
        // child's first event (the inbox's, when the child never ran a turn); if even that cannot be read, it cannot be told.
        try
        {
            started ??= inbox.Select(m => m.Event).OfType<ExecutionStarted>().FirstOrDefault()
                ?? (await store.GetHistoryAsync(execution.Id, 0, ct)).OfType<ExecutionStarted>().FirstOrDefault();
            if (started is { ParentExecutionId: { } parentId, ParentStepKey: { } parentStep })
            {
                messages.Add(new ScheduledMessage(parentId, new ChildFailed(parentStep, execution.Id, $"Sub-workflow execution {execution.Id} failed: {error}") { Timestamp = now }, now));
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Logs.DecideFailed(logger, e, execution.Id);
        }
        var commit = new OrchestrationCommit(execution.Id, execution.LastSequence, [.. inbox.Select(m => m.Id)], [failed], ExecutionStatus.Failed,
            Error: error, Messages: messages);
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
                    // The start quota was spent in the decider (EngineLimits.ChildStarts): every child requested here may start.
                    var child = await workflows.GetAsync(execution.OrgId, c.WorkflowId, ct);
                    if (child?.PublishedVersion is { } version)
                    {
                        children.Add(new NewExecution(c.ChildExecutionId, execution.OrgId, c.WorkflowId, version, c.Input,
                            ParentExecutionId: execution.Id, ParentStepKey: c.StepKey, Depth: (state.Started?.Depth ?? 0) + 1));
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

    /// <summary>When to look at the inbox again: the next due message, at the latest one poll interval from now.</summary>
    private async Task<DateTimeOffset> NextInboxCheckAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var next = now + _options.PollInterval;
        if (await store.NextMessageDueAsync(ct) is { } due && due < next)
        {
            // A message due now that could not be claimed (a race) is retried shortly, not in a spin.
            next = due > now ? due + TimeSpan.FromMilliseconds(2) : now + TimeSpan.FromMilliseconds(20);
        }
        return next;
    }
}
