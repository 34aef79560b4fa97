using Dapper;
using FlowForge.Core.Storage;

namespace FlowForge.Storage.Sqlite;

/// <summary>The executions list by keyset: <see cref="IExecutionClientStore.SearchAsync"/>.</summary>
public sealed partial class SqliteExecutionStore
{
    /// <inheritdoc />
    /// <remarks>
    /// The range (organisation, workflow, dates, cursor) is a range of <c>ix_executions_org_created</c> or
    /// <c>ix_executions_org_workflow</c> (both end in <c>created_at, id</c>, migration 0008) read backwards, so a
    /// slice reads its rows and stops. The cursor is written <c>created_at &lt;= @at AND (created_at &lt; @at OR id &lt; @id)</c>
    /// rather than as an OR of two ranges, which SQLite would answer with two index scans and a sort.
    /// </remarks>
    public async Task<ExecutionSlice> SearchAsync(string orgId, ExecutionSearch search, CancellationToken ct = default)
    {
        var range = "org_id = @orgId";
        if (search.WorkflowId is not null) range += " AND workflow_id = @WorkflowId";
        if (search.From is not null) range += " AND created_at >= @from";
        if (search.To is not null) range += " AND created_at < @to";
        if (search.After is not null) range += " AND created_at <= @afterAt AND (created_at < @afterAt OR id < @afterId)";
        var filters = new List<string>();
        if (search.Statuses is { Count: > 0 }) filters.Add("status IN @statuses");
        if (!string.IsNullOrEmpty(search.Text)) filters.Add(@"trigger_data LIKE @text ESCAPE '\'");
        var args = new
        {
            orgId, search.WorkflowId,
            from = search.From is { } f ? SqliteValues.Timestamp(f) : null,
            to = search.To is { } t ? SqliteValues.Timestamp(t) : null,
            afterAt = search.After is { } a ? SqliteValues.Timestamp(a.CreatedAt) : null,
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
               SELECT id FROM (SELECT id, created_at, status, trigger_data FROM executions WHERE {range} ORDER BY created_at DESC, id DESC LIMIT @scan)
               WHERE {string.Join(" AND ", filters)} ORDER BY created_at DESC, id DESC LIMIT @limit
               """;
        await using var c = await db.OpenAsync(ct);
        var items = (await c.QueryAsync<ListRow>(new CommandDefinition(
            $"""
             SELECT e.id, e.workflow_id AS WorkflowId, w.name AS WorkflowName, e.version, e.status,
                    (SELECT t.type FROM trigger_events t WHERE t.execution_id = e.id AND t.outcome = 'accepted' LIMIT 1) AS TriggerType,
                    e.error, e.parent_execution_id AS ParentExecutionId, e.retry_of AS RetryOf,
                    e.created_at AS CreatedAt, e.completed_at AS CompletedAt, e.updated_at AS UpdatedAt
             FROM ({rows}) s JOIN executions e ON e.id = s.id
             LEFT JOIN workflows w ON w.id = e.workflow_id AND w.org_id = e.org_id
             ORDER BY e.created_at DESC, e.id DESC
             """, args, cancellationToken: ct))).Select(r => r.ToItem()).ToList();

        if (items.Count >= args.limit) return new ExecutionSlice(items, new ExecutionCursor(items[^1].CreatedAt, items[^1].Id));
        if (filters.Count == 0) return new ExecutionSlice(items, null);
        // A short slice of a filtered query: if the scan stopped at its bound (not at the range's end), the
        // next slice goes on after the last row it read.
        var last = (await c.QueryAsync<(string CreatedAt, string Id)>(new CommandDefinition(
            $"SELECT created_at, id FROM executions WHERE {range} ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET @scan - 1", args, cancellationToken: ct))).ToList();
        return new ExecutionSlice(items, last.Count == 0 ? null : new ExecutionCursor(SqliteValues.ParseTimestamp(last[0].CreatedAt), last[0].Id));
    }

    private sealed class ListRow
    {
        public string Id { get; set; } = "";
        public string WorkflowId { get; set; } = "";
        public string? WorkflowName { get; set; }
        public int Version { get; set; }
        public string Status { get; set; } = "";
        public string? TriggerType { get; set; }
        public string? Error { get; set; }
        public string? ParentExecutionId { get; set; }
        public string? RetryOf { get; set; }
        public string CreatedAt { get; set; } = "";
        public string? CompletedAt { get; set; }
        public string UpdatedAt { get; set; } = "";

        public ExecutionListItem ToItem() => new(
            Id, WorkflowId, WorkflowName, Version, Status, TriggerType, Error, ParentExecutionId, RetryOf,
            SqliteValues.ParseTimestamp(CreatedAt), SqliteValues.ParseTimestampOrNull(CompletedAt), SqliteValues.ParseTimestamp(UpdatedAt));
    }
}
