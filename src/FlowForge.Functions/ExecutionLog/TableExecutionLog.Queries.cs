using Azure.Data.Tables;
using FlowForge.Core.Engine.History;
using FlowForge.Core.Storage;

namespace FlowForge.Functions.ExecutionLog;

/// <summary>
/// The log's reads beyond one row: histories, the paged list, the keyset search, the waiting list and the count of
/// unfinished executions. Table storage indexes only (PartitionKey, RowKey), so what the server's stores answer from
/// secondary indexes is answered here from the row-key order (creation time) or a narrower table (<c>open</c>), and
/// other conditions are filters the service applies while scanning the range (limits in the remarks of each).
/// </summary>
internal sealed partial class TableExecutionLog
{
    /// <inheritdoc />
    public async Task<IReadOnlyList<HistoryEvent>> GetHistoryAsync(string executionId, long afterSequence = 0, CancellationToken ct = default)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {TableKeys.Escape(executionId)} and RowKey gt {TableKeys.Sequence(afterSequence)}");
        return await ReadHistoryAsync(filter, ct);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<HistoryEvent>> GetHistoryOfTypesAsync(string executionId, IReadOnlyCollection<Type> types, CancellationToken ct = default)
    {
        if (types.Count == 0) return [];
        // The type is a property, not a key: the service filters the partition's rows and returns only these.
        var byType = string.Join(" or ", types.Select(t => TableClient.CreateQueryFilter($"Type eq {StoredEvent.TypeName(t)}")));
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {TableKeys.Escape(executionId)}") + " and (" + byType + ")";
        return await ReadHistoryAsync(filter, ct);
    }

    private async Task<IReadOnlyList<HistoryEvent>> ReadHistoryAsync(string filter, CancellationToken ct)
    {
        var events = new List<HistoryEvent>();
        // Row keys are zero-padded sequences, so the service returns the partition in sequence order.
        await foreach (var row in _history.QueryAsync<TableEntity>(filter, maxPerPage: 1000, cancellationToken: ct))
        {
            var data = EntityText.Read(row, "Data") ?? throw new InvalidDataException($"History row {row.PartitionKey}/{row.RowKey} has no data.");
            // The stored ticks are the authority for when the event was appended, as the server's timestamp column is.
            events.Add(StoredEvent.Deserialize(data) with { Timestamp = new DateTimeOffset(row.GetInt64("Ticks") ?? 0, TimeSpan.Zero) });
        }
        return events;
    }

    /// <inheritdoc />
    /// <remarks>
    /// Offset paging with a total, as the server's ListAsync: the organisation's partition is read from the start of
    /// the range (creation time from <see cref="ExecutionQuery.Since"/>) with the workflow and status as service-side
    /// filters, so its cost grows with the page number and the number of matching rows. The list UI uses
    /// <see cref="SearchAsync"/>, which does not.
    /// </remarks>
    public async Task<Page<ExecutionRecord>> ListAsync(string orgId, ExecutionQuery query, CancellationToken ct = default)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {TableKeys.Escape(orgId)}");
        if (query.Since is { } since) filter += " and " + TableClient.CreateQueryFilter($"RowKey lt {TableKeys.NewestFirstBefore(since)}");
        if (query.WorkflowId is { } workflowId) filter += " and " + TableClient.CreateQueryFilter($"WorkflowId eq {workflowId}");
        if (query.Status is { } status) filter += " and " + TableClient.CreateQueryFilter($"Status eq {status}");
        var limit = Math.Max(query.Limit, 0);
        var skip = (Math.Max(query.Page, 1) - 1L) * limit;
        var items = new List<ExecutionRecord>();
        var total = 0;
        await foreach (var row in _executions.QueryAsync<TableEntity>(filter, maxPerPage: 1000, cancellationToken: ct))
        {
            if (total >= skip && items.Count < limit) items.Add(ToRecord(row));
            total++;
        }
        return new Page<ExecutionRecord>(items, total);
    }

    /// <inheritdoc />
    /// <remarks>
    /// The range is a row-key range of the organisation's partition: creation time (<see cref="ExecutionSearch.From"/>,
    /// <see cref="ExecutionSearch.To"/>) and the cursor bound it, as the server's index does. The workflow is a filter
    /// the service applies while it scans that range (Table storage has no secondary index: a workflow with few runs in
    /// a busy organisation costs a scan of the range, paid in the service's pages, not in rows returned). Statuses and
    /// text are checked here row by row over at most <see cref="ExecutionSearch.ScanLimit"/> rows, with the server's
    /// cursor rule. The text is matched case-insensitively (ordinal, every script) in the trigger data's JSON.
    /// The list rows carry no workflow name nor trigger type: those live in the server's store, not in this log.
    /// </remarks>
    public async Task<ExecutionSlice> SearchAsync(string orgId, ExecutionSearch search, CancellationToken ct = default)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {TableKeys.Escape(orgId)}");
        if (search.To is { } to) filter += " and " + TableClient.CreateQueryFilter($"RowKey ge {TableKeys.NewestFirstBefore(to)}");
        if (search.From is { } from) filter += " and " + TableClient.CreateQueryFilter($"RowKey lt {TableKeys.NewestFirstBefore(from)}");
        if (search.After is { } after) filter += " and " + TableClient.CreateQueryFilter($"RowKey gt {TableKeys.NewestFirst(after.CreatedAt, after.Id)}");
        if (search.WorkflowId is { } workflowId) filter += " and " + TableClient.CreateQueryFilter($"WorkflowId eq {workflowId}");

        var limit = Math.Max(search.Limit, 1);
        var scan = search.FiltersRows ? Math.Max(search.ScanLimit, 1) : int.MaxValue;
        var statuses = search.Statuses is { Count: > 0 } s ? new HashSet<string>(s, StringComparer.Ordinal) : null;
        var text = string.IsNullOrEmpty(search.Text) ? null : search.Text;

        var items = new List<ExecutionListItem>();
        var read = 0;
        ExecutionRecord? lastRead = null;
        var pageSize = (int)Math.Clamp(search.FiltersRows ? Math.Min(scan, 1000L) : limit, 1, 1000);
        await foreach (var row in _executions.QueryAsync<TableEntity>(filter, maxPerPage: pageSize, cancellationToken: ct))
        {
            var record = ToRecord(row);
            read++;
            lastRead = record;
            if ((statuses is null || statuses.Contains(record.Status))
                && (text is null || (EntityText.Read(row, "TriggerData") ?? "").Contains(text, StringComparison.OrdinalIgnoreCase)))
            {
                items.Add(ToItem(record));
                if (items.Count >= limit) return new ExecutionSlice(items, new ExecutionCursor(record.CreatedAt, record.Id));
            }
            if (read >= scan) break;
        }
        // A short slice of a filtered query whose scan stopped at its bound goes on after the last row read; a slice
        // that reached the range's end has no cursor.
        return new ExecutionSlice(items, search.FiltersRows && read >= scan && lastRead is not null
            ? new ExecutionCursor(lastRead.CreatedAt, lastRead.Id)
            : null);
    }

    private static ExecutionListItem ToItem(ExecutionRecord r) => new(
        r.Id, r.WorkflowId, WorkflowName: null, r.Version, r.Status, TriggerType: null, r.Error, r.ParentExecutionId, r.RetryOf,
        r.CreatedAt, r.CompletedAt, r.UpdatedAt);

    /// <inheritdoc />
    /// <remarks>Counts the rows of the <c>open</c> table's partition (keys only): the cost follows the open runs.</remarks>
    public async Task<int> CountUnfinishedAsync(string orgId, CancellationToken ct = default)
    {
        var count = 0;
        await foreach (var _ in _open.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {TableKeys.Escape(orgId)}"), maxPerPage: 1000, select: ["RowKey"], cancellationToken: ct))
            count++;
        return count;
    }

    /// <inheritdoc />
    /// <remarks>
    /// The <c>open</c> table is ordered oldest first; its status column is filtered by the service, so the read
    /// follows how many runs are open, not how many are stored. Each waiting row is then read from the executions table.
    /// </remarks>
    public async Task<IReadOnlyList<ExecutionRecord>> ListWaitingAsync(string orgId, ExecutionCursor? after, int limit, CancellationToken ct = default)
    {
        if (limit <= 0) return [];
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {TableKeys.Escape(orgId)} and Status eq {ExecutionStatus.Waiting}");
        if (after is not null) filter += " and " + TableClient.CreateQueryFilter($"RowKey gt {TableKeys.OldestFirst(after.CreatedAt, after.Id)}");
        var result = new List<ExecutionRecord>();
        await foreach (var row in _open.QueryAsync<TableEntity>(filter, maxPerPage: Math.Min(limit, 1000), cancellationToken: ct))
        {
            // The open row may lag its execution row by one write (a crash between the two): the execution row decides.
            if (await GetAsync(orgId, row.GetString("ExecutionId"), ct) is { Status: ExecutionStatus.Waiting } execution)
                result.Add(execution);
            if (result.Count >= limit) break;
        }
        return result;
    }
}
