using System.Text.Json.Nodes;
using Azure;
using Azure.Data.Tables;
using FlowForge.Core.Engine.History;
using FlowForge.Core.Storage;

namespace FlowForge.Functions.ExecutionLog;

/// <summary>
/// The execution log in Azure Table storage. Five tables (names prefixed by <see cref="TableLogOptions.TablePrefix"/>):
/// <list type="bullet">
/// <item><c>executions</c>: PK organisation, RK inverted creation ticks + id (newest first: the list and its keyset search).</item>
/// <item><c>executionids</c>: PK execution id: the organisation and the executions row key, for reads by id alone.</item>
/// <item><c>open</c>: PK organisation, RK creation ticks + id (oldest first), present while the execution is unfinished:
/// the approvals inbox's waiting list and the quota's count read only open runs.</item>
/// <item><c>history</c>: PK execution id, RK zero-padded sequence: the <see cref="StoredEvent"/> JSON the server stores.</item>
/// <item><c>idempotency</c>: PK organisation, RK SHA-256 of the key.</item>
/// </list>
/// Table storage has no transaction across partitions, so writes go in an order that keeps every crash point
/// readable and every retry convergent: a start writes idempotency → executions → open → executionids (the id row
/// makes the execution visible, so a visible execution has all its rows); an append writes history → executions →
/// open; a purge deletes in the reverse order. Every write is an upsert of rows whose keys and contents follow from
/// the arguments, so repeating one (an activity run again after a crash) rewrites the same rows.
/// </summary>
internal sealed partial class TableExecutionLog : IExecutionLog
{
    private readonly TableServiceClient _service;
    private readonly TableClient _executions;
    private readonly TableClient _ids;
    private readonly TableClient _open;
    private readonly TableClient _history;
    private readonly TableClient _idempotency;

    public TableExecutionLog(TableServiceClient service, string tablePrefix)
    {
        if (string.IsNullOrEmpty(tablePrefix) || !char.IsAsciiLetter(tablePrefix[0]) || !tablePrefix.All(char.IsAsciiLetterOrDigit) || tablePrefix.Length > 50)
        {
            throw new ArgumentException("The table prefix must be letters and digits, starting with a letter, at most 50 characters.", nameof(tablePrefix));
        }
        _service = service;
        _executions = service.GetTableClient(tablePrefix + "executions");
        _ids = service.GetTableClient(tablePrefix + "executionids");
        _open = service.GetTableClient(tablePrefix + "open");
        _history = service.GetTableClient(tablePrefix + "history");
        _idempotency = service.GetTableClient(tablePrefix + "idempotency");
    }

    /// <summary>The account this log writes to (for diagnostics and tests).</summary>
    public Uri AccountUri => _service.Uri;

    /// <inheritdoc />
    public async Task EnsureCreatedAsync(CancellationToken ct = default)
    {
        foreach (var table in new[] { _executions, _ids, _open, _history, _idempotency })
            await table.CreateIfNotExistsAsync(ct);
    }

    /// <inheritdoc />
    public async Task<StartResult> CreateAsync(NewExecution execution, DateTimeOffset now, CancellationToken ct = default)
    {
        var record = new ExecutionRecord(
            execution.Id, execution.OrgId, execution.WorkflowId, execution.Version, ExecutionStatus.Pending, execution.TriggerData,
            null, null, execution.ParentExecutionId, execution.RetryOf, now, null, now, 0);
        var row = ToEntity(record, execution.IdempotencyKey);
        EntityText.EnsureFits(row, $"Execution {execution.Id}");

        if (execution.IdempotencyKey is { } key)
        {
            // The key's row decides between racing starts (insert, not upsert: the service refuses the second). It
            // holds the whole pending row, so a start that crashed after it can be finished by the next caller.
            var claim = new TableEntity(TableKeys.Escape(execution.OrgId), TableKeys.Idempotency(key))
            {
                ["ExecutionId"] = execution.Id,
                ["IdempotencyKey"] = key,
            };
            foreach (var (name, value) in row)
            {
                if (name is not ("PartitionKey" or "RowKey" or "odata.etag" or "Timestamp")) claim[PendingPrefix + name] = value;
            }
            try
            {
                await _idempotency.AddEntityAsync(claim, ct);
            }
            catch (RequestFailedException e) when (e.Status == 409)
            {
                return new StartResult(await CompleteStartAsync(execution.OrgId, key, ct), Existing: true);
            }
        }

        await WriteNewAsync(record, row, ct);
        return new StartResult(record, Existing: false);
    }

    /// <summary>Prefix of the pending execution row's properties copied into its idempotency key's row.</summary>
    private const string PendingPrefix = "Pending";

    /// <summary>
    /// The execution an earlier start with this key created; its rows are written from the key's row if that start
    /// stopped before writing them (the rows would be the same: they are rewritten only while nothing shows them).
    /// </summary>
    private async Task<ExecutionRecord> CompleteStartAsync(string orgId, string key, CancellationToken ct)
    {
        var claim = (await _idempotency.GetEntityAsync<TableEntity>(TableKeys.Escape(orgId), TableKeys.Idempotency(key), cancellationToken: ct)).Value;
        var executionId = claim.GetString("ExecutionId");
        if (await GetForHostAsync(executionId, ct) is { } existing) return existing;

        var row = new TableEntity();
        foreach (var (name, value) in claim)
        {
            if (name.StartsWith(PendingPrefix, StringComparison.Ordinal)) row[name[PendingPrefix.Length..]] = value;
        }
        var record = ToRecord(row);
        row = ToEntity(record, key);
        await WriteNewAsync(record, row, ct);
        return record;
    }

    /// <summary>A new execution's rows, the id row last: once it is there, so are the others.</summary>
    private async Task WriteNewAsync(ExecutionRecord record, TableEntity row, CancellationToken ct)
    {
        await _executions.UpsertEntityAsync(row, TableUpdateMode.Replace, ct);
        await _open.UpsertEntityAsync(OpenRow(record), TableUpdateMode.Replace, ct);
        await _ids.UpsertEntityAsync(new TableEntity(TableKeys.Escape(record.Id), "")
        {
            ["OrgId"] = record.OrgId,
            ["IndexRowKey"] = row.RowKey,
        }, TableUpdateMode.Replace, ct);
    }

    /// <inheritdoc />
    public async Task AppendAsync(string executionId, long afterSequence, IReadOnlyList<HistoryEvent> events, string status, DateTimeOffset now, CancellationToken ct = default)
    {
        var pointer = await FindAsync(executionId, ct)
            ?? throw new InvalidOperationException($"Execution {executionId} is not in the log.");

        // History first: a crash before the index row leaves rows past LastSequence, which the retry rewrites.
        var rows = new List<TableEntity>(events.Count);
        for (var i = 0; i < events.Count; i++)
        {
            var stamped = StoredEvent.Stamp(events[i], now);
            var row = new TableEntity(TableKeys.Escape(executionId), TableKeys.Sequence(afterSequence + 1 + i))
            {
                ["Type"] = StoredEvent.TypeName(stamped),
                ["Ticks"] = stamped.Timestamp.UtcTicks,
            };
            EntityText.Write(row, "Data", StoredEvent.Serialize(stamped));
            EntityText.EnsureFits(row, $"History event {afterSequence + 1 + i} ({StoredEvent.TypeName(stamped)}) of execution {executionId}");
            rows.Add(row);
        }
        await UpsertInBatchesAsync(_history, rows, ct);

        var newLast = afterSequence + events.Count;
        while (true)
        {
            var current = (await _executions.GetEntityAsync<TableEntity>(pointer.PartitionKey, pointer.RowKey, cancellationToken: ct)).Value;
            var before = ToRecord(current);
            // A turn recorded again after a later one (a duplicate delivery) must not move the row backwards.
            if (before.LastSequence > newLast) return;

            var (output, error) = Outcome(before, events, status);
            var terminal = ExecutionStatus.IsTerminal(status);
            var after = before with
            {
                Status = status,
                Output = output,
                Error = error,
                UpdatedAt = now,
                LastSequence = newLast,
                // The first completion time stays while the status stays terminal; a resumed execution clears it.
                CompletedAt = terminal ? before.CompletedAt ?? now : null,
            };
            var row = ToEntity(after, current.GetString("IdempotencyKey"));
            EntityText.EnsureFits(row, $"Execution {executionId}");
            try
            {
                await _executions.UpdateEntityAsync(row, current.ETag, TableUpdateMode.Replace, ct);
            }
            catch (RequestFailedException e) when (e.Status == 412)
            {
                continue; // another append got there first: look again
            }

            if (terminal)
            {
                await DeleteIgnoringMissingAsync(_open, OpenRow(after), ct);
            }
            else
            {
                await _open.UpsertEntityAsync(OpenRow(after), TableUpdateMode.Replace, ct);
            }
            return;
        }
    }

    /// <summary>
    /// Output and error as the server's dispatcher records them: the output of a completed execution, the error of a
    /// failed or cancelled one, nothing otherwise. A turn without a terminal event keeps what the row holds.
    /// </summary>
    private static (JsonNode? Output, string? Error) Outcome(ExecutionRecord before, IReadOnlyList<HistoryEvent> events, string status)
    {
        var (output, error) = (before.Output, before.Error);
        foreach (var e in events)
        {
            switch (e)
            {
                case ExecutionCompleted c: (output, error) = (c.Output, null); break;
                case ExecutionFailed f: (output, error) = (null, f.Error); break;
                case ExecutionCancelled x: (output, error) = (null, x.Reason is null ? "Cancelled." : "Cancelled: " + x.Reason); break;
                case ExecutionResumed: (output, error) = (null, null); break;
            }
        }
        return status switch
        {
            ExecutionStatus.Completed => (output, null),
            ExecutionStatus.Failed or ExecutionStatus.Cancelled => (null, error),
            _ => (null, null),
        };
    }

    /// <inheritdoc />
    public async Task<ExecutionRecord?> GetAsync(string orgId, string executionId, CancellationToken ct = default)
    {
        var pointer = await FindAsync(executionId, ct);
        if (pointer is null || pointer.OrgId != orgId) return null;
        return await ReadAsync(pointer, ct);
    }

    /// <inheritdoc />
    public async Task<ExecutionRecord?> GetForHostAsync(string executionId, CancellationToken ct = default)
    {
        var pointer = await FindAsync(executionId, ct);
        return pointer is null ? null : await ReadAsync(pointer, ct);
    }

    /// <inheritdoc />
    public async Task<ExecutionRecord?> FindByIdempotencyKeyAsync(string orgId, string idempotencyKey, CancellationToken ct = default)
    {
        var claim = await _idempotency.GetEntityIfExistsAsync<TableEntity>(TableKeys.Escape(orgId), TableKeys.Idempotency(idempotencyKey), cancellationToken: ct);
        if (!claim.HasValue || claim.Value is null) return null;
        // A start that stopped after its key's row shows nothing yet, as the server's would (its start is one transaction).
        return await GetAsync(orgId, claim.Value.GetString("ExecutionId"), ct);
    }

    /// <inheritdoc />
    public async Task<bool> PurgeAsync(string orgId, string executionId, CancellationToken ct = default)
    {
        var pointer = await FindAsync(executionId, ct);
        if (pointer is null || pointer.OrgId != orgId) return false;
        var row = await _executions.GetEntityIfExistsAsync<TableEntity>(pointer.PartitionKey, pointer.RowKey, cancellationToken: ct);
        if (!row.HasValue || row.Value is null) return false;
        var record = ToRecord(row.Value);
        if (!ExecutionStatus.IsTerminal(record.Status)) return false;

        // The reverse of a start: the id row goes last, so a purge that stopped half-way is found and finished by the next.
        var history = new List<TableEntity>();
        await foreach (var h in _history.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {TableKeys.Escape(executionId)}"), select: ["PartitionKey", "RowKey"], cancellationToken: ct))
            history.Add(h);
        foreach (var chunk in history.Chunk(100))
            await _history.SubmitTransactionAsync(chunk.Select(h => new TableTransactionAction(TableTransactionActionType.Delete, h, ETag.All)), ct);
        if (row.Value.GetString("IdempotencyKey") is { } key)
            await DeleteIgnoringMissingAsync(_idempotency, new TableEntity(TableKeys.Escape(orgId), TableKeys.Idempotency(key)), ct);
        await DeleteIgnoringMissingAsync(_open, OpenRow(record), ct);
        await DeleteIgnoringMissingAsync(_executions, row.Value, ct);
        await DeleteIgnoringMissingAsync(_ids, new TableEntity(TableKeys.Escape(executionId), ""), ct);
        return true;
    }

    /// <summary>Where an execution's row is: its organisation and the executions table's keys.</summary>
    private sealed record Pointer(string OrgId, string PartitionKey, string RowKey);

    private async Task<Pointer?> FindAsync(string executionId, CancellationToken ct)
    {
        var id = await _ids.GetEntityIfExistsAsync<TableEntity>(TableKeys.Escape(executionId), "", cancellationToken: ct);
        if (!id.HasValue || id.Value is null) return null;
        var orgId = id.Value.GetString("OrgId");
        return new Pointer(orgId, TableKeys.Escape(orgId), id.Value.GetString("IndexRowKey"));
    }

    private async Task<ExecutionRecord?> ReadAsync(Pointer pointer, CancellationToken ct)
    {
        var row = await _executions.GetEntityIfExistsAsync<TableEntity>(pointer.PartitionKey, pointer.RowKey, cancellationToken: ct);
        return row.HasValue && row.Value is not null ? ToRecord(row.Value) : null;
    }

    private static TableEntity OpenRow(ExecutionRecord record) =>
        new(TableKeys.Escape(record.OrgId), TableKeys.OldestFirst(record.CreatedAt, record.Id))
        {
            ["ExecutionId"] = record.Id,
            ["Status"] = record.Status,
        };

    private static async Task DeleteIgnoringMissingAsync(TableClient table, ITableEntity entity, CancellationToken ct)
    {
        try
        {
            await table.DeleteEntityAsync(entity.PartitionKey, entity.RowKey, ETag.All, ct);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // Already gone: a repeated purge or a row that was never written.
        }
    }

    /// <summary>
    /// Upserts rows of one partition in entity-group transactions: at most 100 entities and, to stay well under the
    /// 4 MiB request limit, about 1.5 MB of entity each. Each batch is atomic; a crash between batches is repaired
    /// by the retry, which writes the same rows.
    /// </summary>
    private static async Task UpsertInBatchesAsync(TableClient table, IReadOnlyList<TableEntity> rows, CancellationToken ct)
    {
        const int MaxBatchBytes = 1_500_000;
        var batch = new List<TableTransactionAction>();
        var bytes = 0;
        foreach (var row in rows)
        {
            var size = EntityText.Size(row);
            if (batch.Count == 100 || (batch.Count > 0 && bytes + size > MaxBatchBytes))
            {
                await table.SubmitTransactionAsync(batch, ct);
                batch = [];
                bytes = 0;
            }
            batch.Add(new TableTransactionAction(TableTransactionActionType.UpsertReplace, row));
            bytes += size;
        }
        if (batch.Count > 0) await table.SubmitTransactionAsync(batch, ct);
    }

    private static TableEntity ToEntity(ExecutionRecord r, string? idempotencyKey)
    {
        var e = new TableEntity(TableKeys.Escape(r.OrgId), TableKeys.NewestFirst(r.CreatedAt, r.Id))
        {
            ["Id"] = r.Id,
            ["OrgId"] = r.OrgId,
            ["WorkflowId"] = r.WorkflowId,
            ["Version"] = r.Version,
            ["Status"] = r.Status,
            ["ParentExecutionId"] = r.ParentExecutionId,
            ["RetryOf"] = r.RetryOf,
            ["IdempotencyKey"] = idempotencyKey,
            // Ticks, not Edm.DateTime: the record's instants come back to the tick, as the server's stores keep them.
            ["CreatedTicks"] = r.CreatedAt.UtcTicks,
            ["UpdatedTicks"] = r.UpdatedAt.UtcTicks,
            ["CompletedTicks"] = r.CompletedAt?.UtcTicks,
            ["LastSequence"] = r.LastSequence,
        };
        EntityText.Write(e, "TriggerData", StoredEvent.Json(r.TriggerData));
        EntityText.Write(e, "Output", StoredEvent.Json(r.Output));
        EntityText.Write(e, "Error", r.Error);
        return e;
    }

    private static ExecutionRecord ToRecord(TableEntity e) => new(
        e.GetString("Id"),
        e.GetString("OrgId"),
        e.GetString("WorkflowId"),
        e.GetInt32("Version") ?? 0,
        e.GetString("Status"),
        StoredEvent.ParseJson(EntityText.Read(e, "TriggerData")),
        StoredEvent.ParseJson(EntityText.Read(e, "Output")),
        EntityText.Read(e, "Error"),
        e.GetString("ParentExecutionId"),
        e.GetString("RetryOf"),
        Instant(e.GetInt64("CreatedTicks")) ?? default,
        Instant(e.GetInt64("CompletedTicks")),
        Instant(e.GetInt64("UpdatedTicks")) ?? default,
        e.GetInt64("LastSequence") ?? 0);

    private static DateTimeOffset? Instant(long? ticks) => ticks is { } t ? new DateTimeOffset(t, TimeSpan.Zero) : null;
}
