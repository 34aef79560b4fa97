using System.Collections.Concurrent;
using System.Text.Json;
using FlowForge.Core.Engine.History;
using FlowForge.Core.Storage;
using FlowForge.Functions.ExecutionLog;

namespace FlowForge.Functions.Tests.Orchestration;

/// <summary>
/// The part of <see cref="IExecutionLog"/> the orchestration writes and reads (create, append, get, history), kept in memory
/// until the Table log's Azurite fixture is merged. Strict where a real log must be: an append must continue the history
/// exactly or rewrite the same events (a repeated RecordTurn), so an orchestration that replays differently fails here.
/// Every turn is kept, for the replay check. Listing and search are the client store's business, not exercised here.
/// </summary>
internal sealed class MemoryExecutionLog : IExecutionLog
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new();

    private sealed class Entry(ExecutionRecord record)
    {
        public ExecutionRecord Record = record;
        public readonly List<HistoryEvent> History = [];
        public readonly List<(long AfterSequence, IReadOnlyList<HistoryEvent> Events)> Turns = [];
    }

    /// <summary>The turns as RecordTurn appended them, in order.</summary>
    public IReadOnlyList<(long AfterSequence, IReadOnlyList<HistoryEvent> Events)> Turns(string executionId)
    {
        var entry = _entries[executionId];
        lock (entry) return [.. entry.Turns];
    }

    public Task EnsureCreatedAsync(CancellationToken ct = default) => Task.CompletedTask;

    public Task<StartResult> CreateAsync(NewExecution execution, DateTimeOffset now, CancellationToken ct = default)
    {
        var record = new ExecutionRecord(execution.Id, execution.OrgId, execution.WorkflowId, execution.Version, ExecutionStatus.Pending,
            execution.TriggerData?.DeepClone(), null, null, execution.ParentExecutionId, execution.RetryOf, now, null, now, 0);
        var entry = _entries.GetOrAdd(execution.Id, _ => new Entry(record));
        return Task.FromResult(new StartResult(entry.Record, Existing: !ReferenceEquals(entry.Record, record)));
    }

    public Task AppendAsync(string executionId, long afterSequence, IReadOnlyList<HistoryEvent> events, string status, DateTimeOffset now, CancellationToken ct = default)
    {
        var entry = _entries.TryGetValue(executionId, out var e) ? e : throw new InvalidOperationException($"No log row for {executionId}.");
        lock (entry)
        {
            if (afterSequence < entry.History.Count)
            {
                // A repeated append must carry the same events at the same numbers.
                for (var i = 0; i < events.Count; i++)
                {
                    var at = (int)afterSequence + i;
                    if (at >= entry.History.Count || Json(entry.History[at]) != Json(events[i]))
                        throw new InvalidOperationException($"Append after {afterSequence} differs from the recorded history at {at + 1}.");
                }
                return Task.CompletedTask;
            }
            if (afterSequence != entry.History.Count) throw new InvalidOperationException($"Append after {afterSequence} leaves a gap (history has {entry.History.Count}).");
            entry.History.AddRange(events);
            entry.Turns.Add((afterSequence, events));
            var terminal = events.LastOrDefault(x => x is ExecutionCompleted or ExecutionFailed or ExecutionCancelled);
            entry.Record = entry.Record with
            {
                Status = status,
                LastSequence = entry.History.Count,
                UpdatedAt = now,
                Output = terminal is ExecutionCompleted c ? c.Output?.DeepClone() : entry.Record.Output,
                Error = terminal switch { ExecutionFailed f => f.Error, ExecutionCancelled x => x.Reason, _ => entry.Record.Error },
                CompletedAt = terminal is not null ? now : entry.Record.CompletedAt,
            };
        }
        return Task.CompletedTask;
    }

    internal static string Json(HistoryEvent e) => JsonSerializer.Serialize(e);

    public Task<ExecutionRecord?> GetAsync(string orgId, string executionId, CancellationToken ct = default) =>
        Task.FromResult(_entries.TryGetValue(executionId, out var e) && e.Record.OrgId == orgId ? e.Record : null);

    public Task<ExecutionRecord?> GetForHostAsync(string executionId, CancellationToken ct = default) =>
        Task.FromResult(_entries.TryGetValue(executionId, out var e) ? e.Record : null);

    public Task<IReadOnlyList<HistoryEvent>> GetHistoryAsync(string executionId, long afterSequence = 0, CancellationToken ct = default)
    {
        if (!_entries.TryGetValue(executionId, out var entry)) return Task.FromResult<IReadOnlyList<HistoryEvent>>([]);
        lock (entry) return Task.FromResult<IReadOnlyList<HistoryEvent>>([.. entry.History.Skip((int)afterSequence)]);
    }

    public Task<IReadOnlyList<HistoryEvent>> GetHistoryOfTypesAsync(string executionId, IReadOnlyCollection<Type> types, CancellationToken ct = default) =>
        throw new NotSupportedException();

    public Task<Page<ExecutionRecord>> ListAsync(string orgId, ExecutionQuery query, CancellationToken ct = default) => throw new NotSupportedException();

    public Task<ExecutionSlice> SearchAsync(string orgId, ExecutionSearch search, CancellationToken ct = default) => throw new NotSupportedException();

    public Task<int> CountUnfinishedAsync(string orgId, CancellationToken ct = default) => throw new NotSupportedException();

    public Task<IReadOnlyList<ExecutionRecord>> ListWaitingAsync(string orgId, ExecutionCursor? after, int limit, CancellationToken ct = default) => throw new NotSupportedException();

    public Task<ExecutionRecord?> FindByIdempotencyKeyAsync(string orgId, string idempotencyKey, CancellationToken ct = default) => throw new NotSupportedException();

    public Task<bool> PurgeAsync(string orgId, string executionId, CancellationToken ct = default) => throw new NotSupportedException();
}
