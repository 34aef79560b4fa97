using FlowForge.Core.Engine.History;
using FlowForge.Core.Storage;
using FlowForge.Functions.ExecutionLog;

namespace FlowForge.Functions.Tests.Contract;

/// <summary>
/// The execution log's contract in memory, for the API and contract tests until Table storage's log
/// (<c>TableExecutionLog</c>, az-store) is merged: rows, histories, the idempotency index unique per organisation, and
/// the list and search orders the server's stores keep (newest first by created-at then id). Not a product store.
/// </summary>
internal sealed class MemoryExecutionLog : IExecutionLog
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ExecutionRecord> _rows = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<HistoryEvent>> _history = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Org, string Key), string> _keys = new();

    public Task EnsureCreatedAsync(CancellationToken ct = default) => Task.CompletedTask;

    public Task<StartResult> CreateAsync(NewExecution execution, DateTimeOffset now, CancellationToken ct = default)
    {
        lock (_gate)
        {
            if (execution.IdempotencyKey is { } key && _keys.TryGetValue((execution.OrgId, key), out var first)) return Task.FromResult(new StartResult(_rows[first], true));
            if (_rows.TryGetValue(execution.Id, out var existing)) return Task.FromResult(new StartResult(existing, true));
            var row = new ExecutionRecord(execution.Id, execution.OrgId, execution.WorkflowId, execution.Version, ExecutionStatus.Pending, execution.TriggerData,
                null, null, execution.ParentExecutionId, execution.RetryOf, now, null, now, 0);
            _rows[execution.Id] = row;
            _history[execution.Id] = [];
            if (execution.IdempotencyKey is { } k) _keys[(execution.OrgId, k)] = execution.Id;
            return Task.FromResult(new StartResult(row, false));
        }
    }

    public Task AppendAsync(string executionId, long afterSequence, IReadOnlyList<HistoryEvent> events, string status, DateTimeOffset now, CancellationToken ct = default)
    {
        lock (_gate)
        {
            var history = _history[executionId];
            for (var i = 0; i < events.Count; i++)
            {
                var index = (int)afterSequence + i;
                if (index < history.Count) history[index] = events[i];
                else history.Add(events[i]);
            }
            var row = _rows[executionId] with { Status = status, UpdatedAt = now, LastSequence = Math.Max(_rows[executionId].LastSequence, afterSequence + events.Count) };
            foreach (var e in events)
            {
                row = e switch
                {
                    ExecutionCompleted c => row with { Output = c.Output, CompletedAt = now },
                    ExecutionFailed f => row with { Error = f.Error, CompletedAt = now },
                    ExecutionCancelled x => row with { Error = x.Reason, CompletedAt = now },
                    _ => row,
                };
            }
            _rows[executionId] = row;
        }
        return Task.CompletedTask;
    }

    public Task<ExecutionRecord?> GetAsync(string orgId, string executionId, CancellationToken ct = default)
    {
        lock (_gate) return Task.FromResult(_rows.TryGetValue(executionId, out var r) && r.OrgId == orgId ? r : null);
    }

    public Task<ExecutionRecord?> GetForHostAsync(string executionId, CancellationToken ct = default)
    {
        lock (_gate) return Task.FromResult(_rows.GetValueOrDefault(executionId));
    }

    public Task<IReadOnlyList<HistoryEvent>> GetHistoryAsync(string executionId, long afterSequence = 0, CancellationToken ct = default)
    {
        lock (_gate) return Task.FromResult<IReadOnlyList<HistoryEvent>>(_history.TryGetValue(executionId, out var h) ? [.. h.Skip((int)afterSequence)] : []);
    }

    public async Task<IReadOnlyList<HistoryEvent>> GetHistoryOfTypesAsync(string executionId, IReadOnlyCollection<Type> types, CancellationToken ct = default) =>
        [.. (await GetHistoryAsync(executionId, 0, ct)).Where(e => types.Contains(e.GetType()))];

    private List<ExecutionRecord> Newest(string orgId)
    {
        lock (_gate) return [.. _rows.Values.Where(r => r.OrgId == orgId).OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id, StringComparer.Ordinal)];
    }

    public Task<Page<ExecutionRecord>> ListAsync(string orgId, ExecutionQuery query, CancellationToken ct = default)
    {
        var rows = Newest(orgId).Where(r => (query.WorkflowId is null || r.WorkflowId == query.WorkflowId) && (query.Status is null || r.Status == query.Status)
            && (query.Since is null || r.CreatedAt >= query.Since)).ToList();
        return Task.FromResult(new Page<ExecutionRecord>([.. rows.Skip((query.Page - 1) * query.Limit).Take(query.Limit)], rows.Count));
    }

    public Task<ExecutionSlice> SearchAsync(string orgId, ExecutionSearch search, CancellationToken ct = default)
    {
        var rows = Newest(orgId).Where(r => (search.WorkflowId is null || r.WorkflowId == search.WorkflowId)
            && (search.Statuses is not { Count: > 0 } || search.Statuses.Contains(r.Status))
            && (search.From is null || r.CreatedAt >= search.From) && (search.To is null || r.CreatedAt < search.To)
            && (search.After is not { } a || r.CreatedAt < a.CreatedAt || (r.CreatedAt == a.CreatedAt && string.CompareOrdinal(r.Id, a.Id) < 0))
            && (search.Text is null || (r.TriggerData?.ToJsonString() ?? "").Contains(search.Text, StringComparison.OrdinalIgnoreCase))).ToList();
        var page = rows.Take(search.Limit).ToList();
        var items = page.Select(r => new ExecutionListItem(r.Id, r.WorkflowId, null, r.Version, r.Status, null, r.Error, r.ParentExecutionId, r.RetryOf,
            r.CreatedAt, r.CompletedAt, r.UpdatedAt)).ToList();
        return Task.FromResult(new ExecutionSlice(items, rows.Count > page.Count ? new ExecutionCursor(page[^1].CreatedAt, page[^1].Id) : null));
    }

    public Task<int> CountUnfinishedAsync(string orgId, CancellationToken ct = default) =>
        Task.FromResult(Newest(orgId).Count(r => !ExecutionStatus.IsTerminal(r.Status)));

    public Task<IReadOnlyList<ExecutionRecord>> ListWaitingAsync(string orgId, ExecutionCursor? after, int limit, CancellationToken ct = default) =>
        Task.FromResult<IReadOnlyList<ExecutionRecord>>([.. Newest(orgId).Where(r => r.Status == ExecutionStatus.Waiting).Reverse()
            .Where(r => after is null || r.CreatedAt > after.CreatedAt || (r.CreatedAt == after.CreatedAt && string.CompareOrdinal(r.Id, after.Id) > 0)).Take(limit)]);

    public Task<ExecutionRecord?> FindByIdempotencyKeyAsync(string orgId, string idempotencyKey, CancellationToken ct = default)
    {
        lock (_gate) return Task.FromResult(_keys.TryGetValue((orgId, idempotencyKey), out var id) ? _rows[id] : null);
    }

    public Task<bool> PurgeAsync(string orgId, string executionId, CancellationToken ct = default)
    {
        lock (_gate)
        {
            if (!_rows.TryGetValue(executionId, out var r) || r.OrgId != orgId || !ExecutionStatus.IsTerminal(r.Status)) return Task.FromResult(false);
            _rows.Remove(executionId);
            _history.Remove(executionId);
            foreach (var k in _keys.Where(k => k.Value == executionId).Select(k => k.Key).ToList()) _keys.Remove(k);
            return Task.FromResult(true);
        }
    }

    /// <summary>How many executions the organisation has (the schedule test counts the runs of one tick).</summary>
    public int Count(string orgId) => Newest(orgId).Count;
}
