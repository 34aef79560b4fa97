using FlowForge.Core.Engine.History;
using FlowForge.Core.Storage;

namespace FlowForge.Server.Tests.Engine;

/// <summary>
/// The real store with faults injected at the write seam: a turn or result whose serialised events contain
/// <see cref="Marker"/> throws <see cref="Poison"/> (as the store's JSON writer does for data it cannot write),
/// and while <see cref="Down"/> is set every call throws <see cref="Outage"/>.
/// </summary>
public sealed class FaultyExecutionStore(IExecutionStore inner) : IExecutionStore
{
    public const string Marker = "poison-marker";

    public Func<Exception> Poison { get; set; } = () => new OutOfMemoryException("Simulated: out of memory while serialising.");

    public Func<Exception> Outage { get; set; } = () => new TimeoutException("Simulated database outage.");

    public volatile bool Down;

    /// <summary>
    /// While set, claims find nothing: executions started meanwhile are then claimed together, in one batch. Starts are
    /// inserted unleased meanwhile (not handed to the local dispatcher in memory), so they too wait for the claim.
    /// </summary>
    public volatile bool HoldClaims;

    /// <summary>
    /// While set, starts are leased to this owner for this long instead of to the local dispatcher, and nothing is handed
    /// over in memory: as if the process that inserted them died at once. They are claimable when that lease expires.
    /// </summary>
    public (string Owner, TimeSpan Lease)? LeaseStartsTo { get; set; }

    /// <summary>
    /// While set, runs after a start is inserted and before the starter hears of it (another process acting meanwhile). Such a
    /// start is inserted without its first turn, for the dispatcher to take from the hand-off, as a start that cannot carry it is.
    /// </summary>
    public Func<StartResult, Task>? AfterStart { get; set; }

    /// <summary>While set, every commit of a turn waits for it (a start's own first turn is not such a commit).</summary>
    public TaskCompletionSource? CommitGate { get; set; }

    /// <summary>The executions whose start wrote its first turn (<see cref="StartResult.FirstTurn"/>).</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, byte> StartedWithFirstTurn { get; } = new();

    /// <summary>Per execution, the claims that returned it, with the instant each claimed at.</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, System.Collections.Concurrent.ConcurrentQueue<DateTimeOffset>> Claimed { get; } = new();

    /// <summary>Per execution, how many of its turns the store answered with a conflict.</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, int> Conflicts { get; } = new();

    /// <summary>How many claims returned <paramref name="executionId"/>.</summary>
    public int ClaimsOf(string executionId) => Claimed.TryGetValue(executionId, out var at) ? at.Count : 0;

    /// <summary>While set, every orchestration commit throws what it makes (whatever the turn holds).</summary>
    public Func<Exception>? CommitFault { get; set; }

    /// <summary>While set, counting unfinished executions throws what it makes.</summary>
    public Func<Exception>? CountFault { get; set; }

    /// <summary>While set, reading a history throws what it makes.</summary>
    public Func<Exception>? HistoryFault { get; set; }

    /// <summary>While set, counting unfinished executions waits for it to complete first.</summary>
    public TaskCompletionSource? CountGate { get; set; }

    /// <summary>While set, claiming activities waits for it first: a call that hangs (the health tests' stalled loop).</summary>
    public TaskCompletionSource? ClaimActivitiesGate { get; set; }

    private int _outageHits, _countFaultHits, _historyFaultHits;

    /// <summary>Calls refused by <see cref="Down"/>: a test waits for the engine's loops to have met the outage, not for a fixed time.</summary>
    public int OutageHits => Volatile.Read(ref _outageHits);

    /// <summary>Counts refused by <see cref="CountFault"/>.</summary>
    public int CountFaultHits => Volatile.Read(ref _countFaultHits);

    /// <summary>History reads refused by <see cref="HistoryFault"/>.</summary>
    public int HistoryFaultHits => Volatile.Read(ref _historyFaultHits);

    /// <summary>Per execution, how many of its turns <see cref="CommitFault"/> refused.</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, int> CommitFaultHits { get; } = new();

    /// <summary>Per execution, how many of its turns or activity results <see cref="Down"/> refused.</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, int> OutageRefused { get; } = new();

    /// <summary>Every activity result handed on to the real store.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<ActivityCompletion> Recorded { get; } = new();

    private static bool Poisoned(HistoryEvent e) => StoredEvent.Serialize(e).Contains(Marker, StringComparison.Ordinal);

    private void CheckUp()
    {
        if (!Down) return;
        Interlocked.Increment(ref _outageHits);
        throw Outage();
    }

    public bool LikelyWritesFirstTurn => inner.LikelyWritesFirstTurn;

    public async Task<StartResult> StartAsync(NewExecution execution, CancellationToken ct = default)
    {
        CheckUp();
        if (HoldClaims) execution = execution with { Lease = null, FirstTurn = null };
        var dead = LeaseStartsTo is { } to && execution.Lease is not null;
        if (dead) execution = execution with { Lease = new ExecutionLease(LeaseStartsTo!.Value.Owner, DateTimeOffset.UtcNow + LeaseStartsTo.Value.Lease), FirstTurn = null };
        var after = AfterStart;
        if (after is not null) execution = execution with { FirstTurn = null };
        // A first turn that cannot be written (poisoned, or every commit fails) is not written with its start either: the stores
        // then start the execution without it, and the dispatcher meets the failure at its own commit of the turn.
        if (execution.FirstTurn is { } turn && (CommitFault is not null || turn.NewEvents.Any(Poisoned))) execution = execution with { FirstTurn = null };
        var result = await inner.StartAsync(execution, ct);
        if (result.FirstTurn is not null) StartedWithFirstTurn[result.Execution.Id] = 0;
        if (after is not null) await after(result);
        return dead ? result with { FirstMessage = null } : result;
    }

    public Task<ExecutionRecord?> GetAsync(string orgId, string executionId, CancellationToken ct = default) => inner.GetAsync(orgId, executionId, ct);

    public Task<ExecutionRecord?> GetForEngineAsync(string executionId, CancellationToken ct = default) => inner.GetForEngineAsync(executionId, ct);

    public Task<Page<ExecutionRecord>> ListAsync(string orgId, ExecutionQuery query, CancellationToken ct = default) => inner.ListAsync(orgId, query, ct);
    public Task<ExecutionSlice> SearchAsync(string orgId, ExecutionSearch search, CancellationToken ct = default) => inner.SearchAsync(orgId, search, ct);

    public Task<IReadOnlyList<ExecutionRecord>> ListWaitingAsync(string orgId, ExecutionCursor? after, int limit, CancellationToken ct = default) =>
        inner.ListWaitingAsync(orgId, after, limit, ct);

    public async Task<int> CountUnfinishedAsync(string orgId, CancellationToken ct = default)
    {
        CheckUp();
        if (CountGate is { } gate) await gate.Task.WaitAsync(ct);
        if (CountFault is { } fault)
        {
            Interlocked.Increment(ref _countFaultHits);
            throw fault();
        }
        return await inner.CountUnfinishedAsync(orgId, ct);
    }

    public Task<ExecutionRecord?> FindByIdempotencyKeyAsync(string orgId, string idempotencyKey, CancellationToken ct = default) =>
        inner.FindByIdempotencyKeyAsync(orgId, idempotencyKey, ct);

    public Task<IReadOnlyList<HistoryEvent>> GetHistoryAsync(string executionId, long afterSequence = 0, CancellationToken ct = default)
    {
        if (HistoryFault is { } fault)
        {
            Interlocked.Increment(ref _historyFaultHits);
            throw fault();
        }
        return inner.GetHistoryAsync(executionId, afterSequence, ct);
    }

    public Task<IReadOnlyList<HistoryEvent>> GetHistoryOfTypesAsync(string executionId, IReadOnlyCollection<Type> types, CancellationToken ct = default) => inner.GetHistoryOfTypesAsync(executionId, types, ct);

    public Task<IReadOnlyList<OrchestrationWorkItem>> ClaimOrchestrationsAsync(string owner, int max, TimeSpan lease, DateTimeOffset now, CancellationToken ct = default)
    {
        CheckUp();
        if (HoldClaims) return Task.FromResult<IReadOnlyList<OrchestrationWorkItem>>([]);
        return Counted();

        async Task<IReadOnlyList<OrchestrationWorkItem>> Counted()
        {
            var items = await inner.ClaimOrchestrationsAsync(owner, max, lease, now, ct);
            foreach (var item in items) Claimed.GetOrAdd(item.Execution.Id, _ => new()).Enqueue(now);
            return items;
        }
    }

    public Task<IReadOnlyList<CommitResult>> CommitOrchestrationsAsync(string owner, IReadOnlyList<OrchestrationCommit> commits, CancellationToken ct = default)
    {
        if (Down)
        {
            foreach (var c in commits) OutageRefused.AddOrUpdate(c.ExecutionId, 1, (_, n) => n + 1);
        }
        CheckUp();
        if (CommitFault is { } fault)
        {
            foreach (var c in commits) CommitFaultHits.AddOrUpdate(c.ExecutionId, 1, (_, n) => n + 1);
            throw fault();
        }
        if (commits.Any(c => c.NewEvents.Any(Poisoned))) throw Poison();
        return Counted();

        async Task<IReadOnlyList<CommitResult>> Counted()
        {
            if (CommitGate is { } gate) await gate.Task.WaitAsync(ct);
            var results = await inner.CommitOrchestrationsAsync(owner, commits, ct);
            for (var i = 0; i < results.Count; i++)
            {
                if (results[i].Outcome == CommitOutcome.Conflict) Conflicts.AddOrUpdate(commits[i].ExecutionId, 1, (_, n) => n + 1);
            }
            return results;
        }
    }

    public Task ReleaseOrchestrationsAsync(string owner, CancellationToken ct = default) => inner.ReleaseOrchestrationsAsync(owner, ct);

    public async Task<IReadOnlyList<ActivityWorkItem>> ClaimActivitiesAsync(string owner, int max, TimeSpan leaseGrace, DateTimeOffset now, CancellationToken ct = default)
    {
        CheckUp();
        if (ClaimActivitiesGate is { } gate) await gate.Task.WaitAsync(ct);
        return await inner.ClaimActivitiesAsync(owner, max, leaseGrace, now, ct);
    }

    public Task<int> CompleteActivitiesAsync(IReadOnlyList<ActivityCompletion> completions, DateTimeOffset now, CancellationToken ct = default)
    {
        if (Down)
        {
            foreach (var c in completions) OutageRefused.AddOrUpdate(c.ExecutionId, 1, (_, n) => n + 1);
        }
        CheckUp();
        if (completions.Any(c => Poisoned(c.Result))) throw Poison();
        foreach (var c in completions) Recorded.Enqueue(c);
        return inner.CompleteActivitiesAsync(completions, now, ct);
    }

    public Task ReleaseActivitiesAsync(string owner, IReadOnlyCollection<long>? ids = null, CancellationToken ct = default) => inner.ReleaseActivitiesAsync(owner, ids, ct);

    public Task<bool> SendAsync(string orgId, string executionId, HistoryEvent message, DateTimeOffset now, bool allowTerminal = false, CancellationToken ct = default) =>
        inner.SendAsync(orgId, executionId, message, now, allowTerminal, ct);

    public Task<DateTimeOffset?> NextDueAsync(CancellationToken ct = default) { CheckUp(); return inner.NextDueAsync(ct); }

    public Task<DateTimeOffset?> NextMessageDueAsync(CancellationToken ct = default) { CheckUp(); return inner.NextMessageDueAsync(ct); }

    public Task<bool> PurgeAsync(string orgId, string executionId, CancellationToken ct = default) => inner.PurgeAsync(orgId, executionId, ct);

    public Task<int> PurgeFinishedBeforeAsync(DateTimeOffset cutoff, int max, CancellationToken ct = default) => inner.PurgeFinishedBeforeAsync(cutoff, max, ct);
}
