using Dapper;
using FlowForge.Core.Engine.History;
using FlowForge.Core.Storage;
using Microsoft.Data.Sqlite;

namespace FlowForge.Storage.Sqlite;

/// <summary>
/// The embedded <see cref="IExecutionStore"/>: executions, histories, inboxes and the activity queue in
/// one SQLite file. SQLite has a single writer, so every write is one IMMEDIATE transaction that takes
/// the write lock up front; "leases" are columns, not row locks, and survive process crashes.
/// This file holds starts, reads, sends and purges; <c>SqliteExecutionStore.Queue.cs</c> holds the
/// dispatcher's claims and commits and the activity queue.
/// </summary>
/// <param name="db">The migrated database.</param>
/// <param name="timeProvider">
/// The clock for times the contract does not pass in (creation, commit and completion times, activity
/// leases taken at commit). Defaults to the system clock.
/// </param>
public sealed partial class SqliteExecutionStore(SqliteDatabase db, TimeProvider? timeProvider = null) : IExecutionStore
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    /// <summary>The executions list and the waiting runs: reads written once for every relational backend.</summary>
    private readonly ExecutionReads _reads = new(db);

    /// <inheritdoc />
    public Task<ExecutionSlice> SearchAsync(string orgId, ExecutionSearch search, CancellationToken ct = default) => _reads.SearchAsync(orgId, search, ct);

    /// <inheritdoc />
    public Task<IReadOnlyList<ExecutionRecord>> ListWaitingAsync(string orgId, ExecutionCursor? after, int limit, CancellationToken ct = default) =>
        _reads.ListWaitingAsync(orgId, after, limit, ct);

    private const string SelectColumns = StoredExecutionRow.Columns;

    // SQL text for "status is terminal", kept in step with ExecutionStatus.IsTerminal.
    private static readonly string TerminalStatuses =
        string.Join(", ", ExecutionStatus.All.Where(ExecutionStatus.IsTerminal).Select(s => $"'{s}'"));

    /// <inheritdoc />
    public async Task<StartResult> StartAsync(NewExecution execution, CancellationToken ct = default)
    {
        // Starts arriving together (a burst of webhooks) share one transaction and one fsync: each caller
        // waits for the commit that holds its start, so the answer still follows the durable write.
        var pending = new PendingStart(execution);
        lock (_startQueue) _startQueue.Enqueue(pending);
        _ = DrainStartsAsync();
        return await pending.Result.Task.WaitAsync(ct);
    }

    /// <inheritdoc />
    /// <remarks>Always: every start of a batch writes its first turn in the batch's transaction.</remarks>
    public bool LikelyWritesFirstTurn => true;

    private sealed record PendingStart(NewExecution Execution)
    {
        public TaskCompletionSource<StartResult> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private readonly Queue<PendingStart> _startQueue = new();
    private int _draining;

    /// <summary>One drainer at a time takes every queued start into one write transaction.</summary>
    private async Task DrainStartsAsync()
    {
        if (Interlocked.Exchange(ref _draining, 1) == 1) return;
        try
        {
            while (true)
            {
                List<PendingStart> batch;
                lock (_startQueue)
                {
                    if (_startQueue.Count == 0) return;
                    batch = [.. _startQueue.Take(256)];
                    for (var i = 0; i < batch.Count; i++) _startQueue.Dequeue();
                }
                try
                {
                    var results = await StartBatchAsync(batch);
                    for (var i = 0; i < batch.Count; i++)
                    {
                        var e = batch[i].Execution;
                        if (results[i] is { } result) batch[i].Result.TrySetResult(result);
                        else batch[i].Result.TrySetException(new WorkflowVersionNotPublishedException(e.WorkflowId, e.Version));
                    }
                }
                catch (Exception e)
                {
                    foreach (var p in batch) p.Result.TrySetException(e);
                }
            }
        }
        finally
        {
            Volatile.Write(ref _draining, 0);
            // A start queued between the last look and the release above must not wait for the next caller.
            bool more;
            lock (_startQueue) more = _startQueue.Count > 0;
            if (more) _ = DrainStartsAsync();
        }
    }

    /// <summary>Writes a batch of starts; null for a start whose <see cref="NewExecution.RequirePublishedVersion"/> check failed.</summary>
    private async Task<List<StartResult?>> StartBatchAsync(List<PendingStart> batch)
    {
        await using var write = await db.BeginWriteAsync();
        var (c, tx) = (write.Connection, write.Transaction);
        var now = _time.GetUtcNow();
        var results = new List<StartResult?>(batch.Count);
        foreach (var pending in batch)
        {
            var execution = pending.Execution;
            if (execution.HasFirstTurnToTake && await TryStartWithFirstTurnAsync(write, execution, now) is { } withTurn)
            {
                results.Add(withTurn);
                continue;
            }
            var (created, first) = await InsertExecutionAsync(write, execution, now, CancellationToken.None);
            // Not created means the idempotency key was taken: the database decided, inside this write
            // transaction, so two racing starts with one key cannot both insert.
            var record = created
                ? await GetAsync(write, execution.Id, CancellationToken.None)
                : await c.QuerySingleOrDefaultAsync<ExecutionRow>(new CommandDefinition(
                    $"SELECT {SelectColumns} FROM executions WHERE org_id = @OrgId AND idempotency_key = @IdempotencyKey",
                    new { execution.OrgId, execution.IdempotencyKey }, tx)) is { } row ? row.ToRecord() : null;
            // Not created and no holder of its key: its version was not the published one (when it asked for that check).
            results.Add(record is not null ? new StartResult(record, !created, first)
                : execution.RequirePublishedVersion ? null : throw new InvalidOperationException($"Execution {execution.Id} vanished while starting."));
        }
        await tx.CommitAsync();
        return results;
    }

    /// <summary>
    /// A start with its first turn, in the batch's transaction: the execution row, then the turn applied to it as a commit
    /// would (the same statements, the live feed's trigger included), and no inbox message. Null when the turn is not
    /// taken, having written nothing: the key was taken, or the turn cannot be stored (the dispatcher's to fail, as any turn).
    /// </summary>
    private static async Task<StartResult?> TryStartWithFirstTurnAsync(SqliteWrite write, NewExecution e, DateTimeOffset now)
    {
        var tx = write.Transaction;
        await tx.SaveAsync("first_turn");
        try
        {
            var inserted = await write.Command(InsertExecutionSql, ExecutionParameters(e with { Lease = null }, now)).ExecuteNonQueryAsync();
            var leased = inserted == 0 ? null : await TryApplyAsync(write, e.FirstTurn!.ActivityLeaseOwner ?? "", e.FirstTurn, now, CancellationToken.None);
            if (leased is not null)
            {
                await tx.ReleaseAsync("first_turn");
                return new StartResult(await GetAsync(write, e.Id, CancellationToken.None)
                    ?? throw new InvalidOperationException($"Execution {e.Id} vanished while starting."), false,
                    FirstTurn: new CommitResult(CommitOutcome.Committed, leased));
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Retried as a plain start below: an outage fails that too, and reaches the caller.
        }
        await tx.RollbackAsync("first_turn");
        await tx.ReleaseAsync("first_turn");
        return null;
    }

    /// <summary>
    /// Inserts an execution (pending, no history, leased when <see cref="NewExecution.Lease"/> says so) and its
    /// <see cref="ExecutionStarted"/> inbox message, visible at once. Returns that message as a claim would read it
    /// back when the execution is leased (its owner runs the first turn from it), else null. Not created, writing nothing,
    /// when the organisation already used the idempotency key.
    /// </summary>
    /// <remarks>
    /// ON CONFLICT on the idempotency key rather than catching the unique violation: the statement
    /// simply does nothing, which is also what PostgreSQL needs (an error there aborts the whole
    /// transaction, and this runs inside group commits). A duplicate <em>id</em> still throws: it is a bug.
    /// </remarks>
    private static async Task<(bool Created, InboxMessage? First)> InsertExecutionAsync(SqliteWrite write, NewExecution e, DateTimeOffset now, CancellationToken ct)
    {
        var inserted = await write.Command(InsertExecutionSql, ExecutionParameters(e, now)).ExecuteNonQueryAsync(ct);
        if (inserted == 0) return (false, null);

        var started = new ExecutionStarted(e.WorkflowId, e.Version, e.TriggerData, e.TriggerNodeId, e.ParentExecutionId, e.ParentStepKey, e.Depth)
        {
            Timestamp = now,
        };
        var (id, data) = await InsertInboxAsync(write, e.Id, started, now, now, ct);
        // Read back from what was stored (no JsonNode shared with the caller's trigger data), exactly as a claim returns it.
        return (true, e.Lease is null ? null : new InboxMessage(id, e.Id, StoredEvent.Deserialize(data), SqliteValues.ParseTimestamp(SqliteValues.Timestamp(now))));
    }

    private static (string, object?)[] ExecutionParameters(NewExecution e, DateTimeOffset now) =>
    [
        ("@Id", e.Id), ("@OrgId", e.OrgId), ("@WorkflowId", e.WorkflowId), ("@Version", e.Version),
        ("@triggerData", StoredEvent.Json(e.TriggerData)), ("@ParentExecutionId", e.ParentExecutionId),
        ("@ParentStepKey", e.ParentStepKey), ("@RetryOf", e.RetryOf), ("@IdempotencyKey", e.IdempotencyKey),
        ("@at", SqliteValues.Timestamp(now)), ("@lockOwner", e.Lease?.Owner),
        ("@lockExpires", e.Lease is { } lease ? SqliteValues.Timestamp(lease.Expires) : null), ("@requirePublished", e.RequirePublishedVersion),
    ];

    private static readonly string InsertExecutionSql =
        $"""
        INSERT INTO executions (id, org_id, workflow_id, version, status, trigger_data, parent_execution_id, parent_step_key,
                                retry_of, idempotency_key, created_at, updated_at, last_sequence, lock_owner, lock_expires)
        SELECT @Id, @OrgId, @WorkflowId, @Version, '{ExecutionStatus.Pending}', @triggerData, @ParentExecutionId, @ParentStepKey,
               @RetryOf, @IdempotencyKey, @at, @at, 0, @lockOwner, @lockExpires
        WHERE NOT @requirePublished OR EXISTS (
            SELECT 1 FROM workflows WHERE org_id = @OrgId AND id = @WorkflowId AND published_version = @Version AND deleted_at IS NULL)
        ON CONFLICT (org_id, idempotency_key) DO NOTHING
        """;

    /// <summary>Appends a message to an inbox; the event keeps its own timestamp, or is stamped with <paramref name="now"/>.</summary>
    /// <summary>Inserts one inbox message; returns its id and the stored JSON (a leased start hands both to its dispatcher).</summary>
    private static async Task<(long Id, string Data)> InsertInboxAsync(SqliteWrite write, string executionId, HistoryEvent message, DateTimeOffset visibleAt, DateTimeOffset now, CancellationToken ct)
    {
        var data = StoredEvent.Serialize(StoredEvent.Stamp(message, now));
        var id = (long)(await write.Command("INSERT INTO inbox (execution_id, visible_at, data) VALUES (@executionId, @visibleAt, @data) RETURNING id",
            ("@executionId", executionId), ("@visibleAt", SqliteValues.Timestamp(visibleAt)), ("@data", data)).ExecuteScalarAsync(ct))!;
        return (id, data);
    }

    /// <inheritdoc />
    public async Task<ExecutionRecord?> GetAsync(string orgId, string executionId, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return await GetAsync(c, null, orgId, executionId, ct);
    }

    /// <inheritdoc />
    public async Task<ExecutionRecord?> GetForEngineAsync(string executionId, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return await GetAsync(c, null, null, executionId, ct);
    }

    /// <summary>One execution, read inside a write transaction on its reused statement (the engine's view).</summary>
    private static async Task<ExecutionRecord?> GetAsync(SqliteWrite write, string executionId, CancellationToken ct)
    {
        await using var reader = await write.Command($"SELECT {SelectColumns} FROM executions WHERE id = @executionId", ("@executionId", executionId))
            .ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? reader.GetRowParser<ExecutionRow>()(reader).ToRecord() : null;
    }

    /// <summary>One execution; scoped to <paramref name="orgId"/> unless it is null (the engine's view).</summary>
    private static async Task<ExecutionRecord?> GetAsync(SqliteConnection c, SqliteTransaction? tx, string? orgId, string executionId, CancellationToken ct)
    {
        var row = await c.QuerySingleOrDefaultAsync<ExecutionRow>(new CommandDefinition(
            $"SELECT {SelectColumns} FROM executions WHERE id = @executionId AND (@orgId IS NULL OR org_id = @orgId)",
            new { executionId, orgId }, tx, cancellationToken: ct));
        return row?.ToRecord();
    }

    /// <inheritdoc />
    public async Task<ExecutionRecord?> FindByIdempotencyKeyAsync(string orgId, string idempotencyKey, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.QuerySingleOrDefaultAsync<ExecutionRow>(new CommandDefinition(
            $"SELECT {SelectColumns} FROM executions WHERE org_id = @orgId AND idempotency_key = @idempotencyKey",
            new { orgId, idempotencyKey }, cancellationToken: ct)) is { } row ? row.ToRecord() : null;
    }

    /// <inheritdoc />
    public async Task<int> CountUnfinishedAsync(string orgId, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        // completed_at is set iff the status is terminal: the partial index ix_executions_org_unfinished answers this.
        return await c.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT COUNT(*) FROM executions WHERE org_id = @orgId AND completed_at IS NULL", new { orgId }, cancellationToken: ct));
    }

    /// <inheritdoc />
    public async Task<Page<ExecutionRecord>> ListAsync(string orgId, ExecutionQuery query, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        var where = "org_id = @orgId";
        if (query.WorkflowId is not null) where += " AND workflow_id = @WorkflowId";
        if (query.Status is not null) where += " AND status = @Status";
        if (query.Since is not null) where += " AND created_at >= @since";
        var limit = Math.Max(query.Limit, 0);
        var args = new
        {
            orgId, query.WorkflowId, query.Status,
            since = query.Since is { } s ? SqliteValues.Timestamp(s) : null,
            limit, offset = (Math.Max(query.Page, 1) - 1L) * limit,
        };
        var total = await c.ExecuteScalarAsync<long>(new CommandDefinition($"SELECT COUNT(*) FROM executions WHERE {where}", args, cancellationToken: ct));
        // The id breaks ties between executions created in the same tick, so pages never overlap.
        var rows = await c.QueryAsync<ExecutionRow>(new CommandDefinition(
            $"SELECT {SelectColumns} FROM executions WHERE {where} ORDER BY created_at DESC, id DESC LIMIT @limit OFFSET @offset",
            args, cancellationToken: ct));
        return new Page<ExecutionRecord>([.. rows.Select(r => r.ToRecord())], (int)total);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<HistoryEvent>> GetHistoryAsync(string executionId, long afterSequence = 0, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        var rows = await c.QueryAsync<(string Timestamp, string Data)>(new CommandDefinition(
            "SELECT timestamp, data FROM history WHERE execution_id = @executionId AND sequence > @afterSequence ORDER BY sequence",
            new { executionId, afterSequence }, cancellationToken: ct));
        // The column is the authority for when the event was appended.
        return [.. rows.Select(r => StoredEvent.Deserialize(r.Data) with { Timestamp = SqliteValues.ParseTimestamp(r.Timestamp) })];
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<HistoryEvent>> GetHistoryOfTypesAsync(string executionId, IReadOnlyCollection<Type> types, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        var rows = await c.QueryAsync<(string Timestamp, string Data)>(new CommandDefinition(
            "SELECT timestamp, data FROM history WHERE execution_id = @executionId AND type IN @types ORDER BY sequence",
            new { executionId, types = types.Select(StoredEvent.TypeName).ToArray() }, cancellationToken: ct));
        return [.. rows.Select(r => StoredEvent.Deserialize(r.Data) with { Timestamp = SqliteValues.ParseTimestamp(r.Timestamp) })];
    }

    /// <inheritdoc />
    public async Task<bool> SendAsync(string orgId, string executionId, HistoryEvent message, DateTimeOffset now, bool allowTerminal = false, CancellationToken ct = default)
    {
        await using var write = await db.BeginWriteAsync(ct);
        var (c, tx) = (write.Connection, write.Transaction);
        // Checked inside the write transaction: a commit finishing the execution cannot slip in between.
        var status = await c.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            "SELECT status FROM executions WHERE id = @executionId AND org_id = @orgId",
            new { executionId, orgId }, tx, cancellationToken: ct));
        if (status is null || (ExecutionStatus.IsTerminal(status) && !allowTerminal)) return false;
        await InsertInboxAsync(write, executionId, message, now, now, ct);
        await tx.CommitAsync(ct);
        return true;
    }

    /// <inheritdoc />
    /// <remarks>
    /// An inbox message of an execution leased to a dispatcher is due when the lease expires, not
    /// before: otherwise a crashed dispatcher's lease would make idle loops spin until it expires.
    /// An unleased activity is due since it was created.
    /// </remarks>
    public async Task<DateTimeOffset?> NextDueAsync(CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        var next = await c.ExecuteScalarAsync<string?>(new CommandDefinition(
            """
            SELECT MIN(due) FROM (
                SELECT MIN(CASE WHEN e.lock_owner IS NOT NULL AND e.lock_expires > i.visible_at THEN e.lock_expires ELSE i.visible_at END) AS due
                FROM inbox i JOIN executions e ON e.id = i.execution_id
                UNION ALL
                SELECT MIN(CASE WHEN lease_owner IS NULL THEN created_at ELSE lease_expires END) FROM activities
            )
            """, cancellationToken: ct));
        return SqliteValues.ParseTimestampOrNull(next);
    }

    /// <inheritdoc />
    public async Task<DateTimeOffset?> NextMessageDueAsync(CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        var next = await c.ExecuteScalarAsync<string?>(new CommandDefinition(
            """
            SELECT MIN(CASE WHEN e.lock_owner IS NOT NULL AND e.lock_expires > i.visible_at THEN e.lock_expires ELSE i.visible_at END)
            FROM inbox i JOIN executions e ON e.id = i.execution_id
            """, cancellationToken: ct));
        return SqliteValues.ParseTimestampOrNull(next);
    }

    /// <inheritdoc />
    public async Task<bool> PurgeAsync(string orgId, string executionId, CancellationToken ct = default)
    {
        await using var write = await db.BeginWriteAsync(ct);
        var (c, tx) = (write.Connection, write.Transaction);
        var status = await c.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            "SELECT status FROM executions WHERE id = @executionId AND org_id = @orgId",
            new { executionId, orgId }, tx, cancellationToken: ct));
        if (status is null || !ExecutionStatus.IsTerminal(status)) return false;
        await DeleteExecutionAsync(c, tx, executionId, ct);
        await tx.CommitAsync(ct);
        return true;
    }

    /// <inheritdoc />
    public async Task<int> PurgeFinishedBeforeAsync(DateTimeOffset cutoff, int max, CancellationToken ct = default)
    {
        if (max <= 0) return 0;
        await using var write = await db.BeginWriteAsync(ct);
        var (c, tx) = (write.Connection, write.Transaction);
        var ids = (await c.QueryAsync<string>(new CommandDefinition(
            $"""
            SELECT id FROM executions
            WHERE completed_at IS NOT NULL AND completed_at < @cutoff AND status IN ({TerminalStatuses})
            ORDER BY completed_at LIMIT @max
            """,
            new { cutoff = SqliteValues.Timestamp(cutoff), max }, tx, cancellationToken: ct))).ToList();
        foreach (var id in ids) await DeleteExecutionAsync(c, tx, id, ct);
        await tx.CommitAsync(ct);
        return ids.Count;
    }

    // Table order: history -> inbox -> activities -> executions (see 0002_executions.sql).
    private static Task DeleteExecutionAsync(SqliteConnection c, SqliteTransaction tx, string executionId, CancellationToken ct) =>
        c.ExecuteAsync(new CommandDefinition(
            """
            DELETE FROM history WHERE execution_id = @executionId;
            DELETE FROM inbox WHERE execution_id = @executionId;
            DELETE FROM activities WHERE execution_id = @executionId;
            DELETE FROM send_ledger WHERE execution_id = @executionId;
            DELETE FROM outbox WHERE execution_id = @executionId;
            DELETE FROM executions WHERE id = @executionId;
            """,
            new { executionId }, tx, cancellationToken: ct));

    /// <summary>An executions row (<see cref="StoredExecutionRow"/>) read by this backend's dialect.</summary>
    private sealed class ExecutionRow : StoredExecutionRow
    {
        public ExecutionRecord ToRecord() => ToRecord(SqliteDialect.Instance);
    }
}
