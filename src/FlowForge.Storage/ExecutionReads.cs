using Dapper;
using FlowForge.Core.Storage;

namespace FlowForge.Storage;

/// <summary>
/// The executions list by keyset (<see cref="IExecutionClientStore.SearchAsync"/>) and the waiting runs of the approvals
/// inbox (<see cref="IExecutionClientStore.ListWaitingAsync"/>), for every relational backend: reads apart from the
/// engine's claims and commits, written once with the dialect's differences spliced in. Each execution store holds one.
/// </summary>
/// <param name="db">The migrated database.</param>
public sealed class ExecutionReads(IRelationalDatabase db)
{
    private readonly ISqlDialect _sql = db.Dialect;

    /// <inheritdoc cref="IExecutionClientStore.SearchAsync"/>
    /// <remarks>
    /// The range (organisation, workflow, dates, cursor) is a range of <c>ix_executions_org_created</c> or
    /// <c>ix_executions_org_workflow</c> (both end in <c>created_at, id</c>, migration 0008) read backwards, so a slice
    /// reads its rows and stops. The cursor is the dialect's keyset bound (<see cref="ISqlDialect.KeysetBefore"/>): one
    /// index bound on either backend.
    /// </remarks>
    public async Task<ExecutionSlice> SearchAsync(string orgId, ExecutionSearch search, CancellationToken ct = default)
    {
        var range = "org_id = @orgId";
        if (search.WorkflowId is not null) range += " AND workflow_id = @WorkflowId";
        if (search.From is not null) range += " AND created_at >= @from";
        if (search.To is not null) range += " AND created_at < @to";
        if (search.After is not null) range += " AND " + _sql.KeysetBefore("created_at", "id", "@afterAt", "@afterId");
        var filters = new List<string>();
        if (search.Statuses is { Count: > 0 }) filters.Add(_sql.AnyOf("status", "@statuses"));
        if (!string.IsNullOrEmpty(search.Text)) filters.Add($@"{_sql.JsonAsText("trigger_data")} {_sql.CaseInsensitiveLike} @text ESCAPE '\'");
        var args = new
        {
            orgId, search.WorkflowId,
            from = _sql.Timestamp(search.From),
            to = _sql.Timestamp(search.To),
            afterAt = _sql.Timestamp(search.After?.CreatedAt),
            afterId = search.After?.Id,
            statuses = search.Statuses?.ToArray() ?? [],
            text = search.Text is { Length: > 0 } q ? "%" + ExecutionSearchText.EscapeLike(q) + "%" : null,
            limit = Math.Max(search.Limit, 1),
            scan = Math.Max(search.ScanLimit, 1),
        };
        // Only the rows of the slice: the rows that match are then joined to their workflow's name and trigger.
        var rows = filters.Count == 0
            ? $"SELECT id FROM executions WHERE {range} ORDER BY created_at DESC, id DESC LIMIT @limit"
            : $"""
               SELECT id FROM (SELECT id, created_at, status, trigger_data FROM executions WHERE {range} ORDER BY created_at DESC, id DESC LIMIT @scan) scanned
               WHERE {string.Join(" AND ", filters)} ORDER BY created_at DESC, id DESC LIMIT @limit
               """;
        await using var c = await db.OpenConnectionAsync(ct);
        var items = (await c.QueryAsync<ListRow>(new CommandDefinition(
            $"""
             SELECT e.id, e.workflow_id AS WorkflowId, w.name AS WorkflowName, e.version, e.status,
                    (SELECT t.type FROM trigger_events t WHERE t.execution_id = e.id AND t.outcome = 'accepted' LIMIT 1) AS TriggerType,
                    e.error, e.parent_execution_id AS ParentExecutionId, e.retry_of AS RetryOf,
                    e.created_at AS CreatedAt, e.completed_at AS CompletedAt, e.updated_at AS UpdatedAt
             FROM ({rows}) s JOIN executions e ON e.id = s.id
             LEFT JOIN workflows w ON w.id = e.workflow_id AND w.org_id = e.org_id
             ORDER BY e.created_at DESC, e.id DESC
             """, args, cancellationToken: ct))).Select(r => r.ToItem(_sql)).ToList();

        if (items.Count >= args.limit) return new ExecutionSlice(items, new ExecutionCursor(items[^1].CreatedAt, items[^1].Id));
        if (filters.Count == 0) return new ExecutionSlice(items, null);
        // A short slice of a filtered query: if the scan stopped at its bound (not at the range's end), the
        // next slice goes on after the last row it read.
        var last = (await c.QueryAsync<LastRow>(new CommandDefinition(
            $"SELECT created_at AS CreatedAt, id FROM executions WHERE {range} ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET @scan - 1", args, cancellationToken: ct))).ToList();
        return new ExecutionSlice(items, last.Count == 0 ? null : new ExecutionCursor(_sql.ReadTimestamp(last[0].CreatedAt), last[0].Id));
    }

    /// <inheritdoc cref="IExecutionClientStore.ListWaitingAsync"/>
    public async Task<IReadOnlyList<ExecutionRecord>> ListWaitingAsync(string orgId, ExecutionCursor? after, int limit, CancellationToken ct = default)
    {
        await using var c = await db.OpenConnectionAsync(ct);
        // "completed_at IS NULL" lets the partial index ix_executions_org_unfinished pick the open runs first; the
        // keyset on (created_at, id) keeps pages stable while runs start and finish between two reads.
        var where = "org_id = @orgId AND completed_at IS NULL AND status = @status";
        if (after is not null) where += " AND (created_at > @afterAt OR (created_at = @afterAt AND id > @afterId))";
        var rows = await c.QueryAsync<StoredExecutionRow>(new CommandDefinition(
            $"SELECT {StoredExecutionRow.Columns} FROM executions WHERE {where} ORDER BY created_at, id LIMIT @limit",
            new { orgId, status = ExecutionStatus.Waiting, limit = Math.Max(limit, 0), afterAt = _sql.Timestamp(after?.CreatedAt), afterId = after?.Id },
            cancellationToken: ct));
        return [.. rows.Select(r => r.ToRecord(_sql))];
    }

    private sealed class ListRow
    {
        public string Id { get; set; } = "";
        public string WorkflowId { get; set; } = "";
        public string? WorkflowName { get; set; }
        public long Version { get; set; }
        public string Status { get; set; } = "";
        public string? TriggerType { get; set; }
        public string? Error { get; set; }
        public string? ParentExecutionId { get; set; }
        public string? RetryOf { get; set; }
        public object CreatedAt { get; set; } = null!;
        public object? CompletedAt { get; set; }
        public object UpdatedAt { get; set; } = null!;

        public ExecutionListItem ToItem(ISqlDialect sql) => new(
            Id, WorkflowId, WorkflowName, (int)Version, Status, TriggerType, Error, ParentExecutionId, RetryOf,
            sql.ReadTimestamp(CreatedAt), sql.ReadTimestampOrNull(CompletedAt), sql.ReadTimestamp(UpdatedAt));
    }

    private sealed class LastRow
    {
        public object CreatedAt { get; set; } = null!;
        public string Id { get; set; } = "";
    }
}
