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

    /// <summary>While set, claims find nothing: executions started meanwhile are then claimed together, in one batch.</summary>
    public volatile bool HoldClaims;

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

    public Task<StartResult> StartAsync(NewExecution execution, CancellationToken ct = default) { CheckUp(); return inner.StartAsync(execution, ct); }

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
        return inner.ClaimOrchestrationsAsync(owner, max, lease, now, ct);
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
        return inner.CommitOrchestrationsAsync(owner, commits, ct);
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
