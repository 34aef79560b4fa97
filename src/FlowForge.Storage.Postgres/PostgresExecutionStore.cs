using Dapper;
using FlowForge.Core.Engine.History;
using FlowForge.Core.Storage;
using Npgsql;

namespace FlowForge.Storage.Postgres;

/// <summary>
/// The <see cref="IExecutionStore"/> for scaling out: several FlowForge processes share one PostgreSQL
/// database. Leases are columns (they survive crashes, like SQLite's); claims take the candidate rows
/// with <c>FOR UPDATE SKIP LOCKED</c>, so competing processes never wait on each other nor get the
/// same work. This file holds starts, reads, sends and purges; <c>PostgresExecutionStore.Queue.cs</c>
/// holds the dispatcher's claims and commits and the activity queue. Table order: see 0002_executions.sql.
/// </summary>
/// <param name="db">The migrated database.</param>
/// <param name="timeProvider">
/// The clock for times the contract does not pass in (creation, commit and completion times, activity
/// leases taken at commit). Defaults to the system clock.
/// </param>
/// <param name="db">The database.</param>
/// <param name="timeProvider">The clock (tests inject one).</param>
/// <param name="announceCommits">
/// Whether committed turns are announced on the live feed's channel (NOTIFY, for other processes' listeners): a transaction
/// per batch of commits, pointless when no other process listens (<c>Live__CrossProcess=false</c>, the default).
/// </param>
public sealed partial class PostgresExecutionStore(PostgresDatabase db, TimeProvider? timeProvider = null, bool announceCommits = true) : IExecutionStore
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    /// <summary>The executions list and the waiting runs: reads written once for every relational backend.</summary>
    private readonly ExecutionReads _reads = new(db);

    /// <inheritdoc />
    public Task<ExecutionSlice> SearchAsync(string orgId, ExecutionSearch search, CancellationToken ct = default) => _reads.SearchAsync(orgId, search, ct);

    /// <inheritdoc />
    public Task<IReadOnlyList<ExecutionRecord>> ListWaitingAsync(string orgId, ExecutionCursor? after, int limit, CancellationToken ct = default) =>
        _reads.ListWaitingAsync(orgId, after, limit, ct);

    /// <summary>The live feed's notices, sent after each commit (migration 0007); null when nobody else listens.</summary>
    private readonly PostgresFeedNotifier? _feed = announceCommits ? new(db) : null;

    private const string SelectColumns = StoredExecutionRow.Columns;

    // SQL text for "status is terminal", kept in step with ExecutionStatus.IsTerminal.
    private static readonly string TerminalStatuses =
        string.Join(", ", ExecutionStatus.All.Where(ExecutionStatus.IsTerminal).Select(s => $"'{s}'"));

    /// <summary>
    /// Inserts an execution (pending, no history) and its <see cref="ExecutionStarted"/> inbox message, visible
    /// at once. Returns false, writing nothing, when the organisation already used the idempotency key.
    /// </summary>
    /// <remarks>
    /// ON CONFLICT on the idempotency key rather than catching the unique violation: an error would
    /// abort the whole transaction, and this runs inside group commits. A duplicate <em>id</em> still
    /// throws: it is a bug.
    /// </remarks>
    private static async Task<bool> InsertExecutionAsync(NpgsqlConnection c, NpgsqlTransaction tx, NewExecution e, DateTimeOffset now, CancellationToken ct)
    {
        var inserted = await c.ExecuteAsync(new CommandDefinition(
            $"""
            INSERT INTO executions (id, org_id, workflow_id, version, status, trigger_data, parent_execution_id, parent_step_key,
                                    retry_of, idempotency_key, created_at, updated_at, last_sequence)
            VALUES (@Id, @OrgId, @WorkflowId, @Version, '{ExecutionStatus.Pending}', CAST(@triggerData AS json), @ParentExecutionId, @ParentStepKey,
                    @RetryOf, @IdempotencyKey, @at, @at, 0)
            ON CONFLICT (org_id, idempotency_key) DO NOTHING
            """,
            new
            {
                e.Id, e.OrgId, e.WorkflowId, e.Version, triggerData = StoredEvent.Json(e.TriggerData),
                e.ParentExecutionId, e.ParentStepKey, e.RetryOf, e.IdempotencyKey, at = PostgresValues.Timestamp(now),
            }, tx, cancellationToken: ct));
        if (inserted == 0) return false;

        var started = new ExecutionStarted(e.WorkflowId, e.Version, e.TriggerData, e.TriggerNodeId, e.ParentExecutionId, e.ParentStepKey, e.Depth)
        {
            Timestamp = now,
        };
        await InsertInboxAsync(c, tx, e.Id, started, now, now, ct);
        return true;
    }

    /// <summary>Appends a message to an inbox; the event keeps its own timestamp, or is stamped with <paramref name="now"/>.</summary>
    private static Task InsertInboxAsync(NpgsqlConnection c, NpgsqlTransaction tx, string executionId, HistoryEvent message, DateTimeOffset visibleAt, DateTimeOffset now, CancellationToken ct) =>
        c.ExecuteAsync(new CommandDefinition(
            "INSERT INTO inbox (execution_id, visible_at, data) VALUES (@executionId, @visibleAt, CAST(@data AS json))",
            new { executionId, visibleAt = PostgresValues.Timestamp(visibleAt), data = StoredEvent.Serialize(StoredEvent.Stamp(message, now)) },
            tx, cancellationToken: ct));

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

    /// <summary>One execution; scoped to <paramref name="orgId"/> unless it is null (the engine's view).</summary>
    private static async Task<ExecutionRecord?> GetAsync(NpgsqlConnection c, NpgsqlTransaction? tx, string? orgId, string executionId, CancellationToken ct)
    {
        var row = await c.QuerySingleOrDefaultAsync<ExecutionRow>(new CommandDefinition(
            orgId is null
                ? $"SELECT {SelectColumns} FROM executions WHERE id = @executionId"
                : $"SELECT {SelectColumns} FROM executions WHERE id = @executionId AND org_id = @orgId",
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
            "SELECT COUNT(*)::int FROM executions WHERE org_id = @orgId AND completed_at IS NULL", new { orgId }, cancellationToken: ct));
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
            since = PostgresValues.Timestamp(query.Since),
            limit, offset = (Math.Max(query.Page, 1) - 1L) * limit,
        };
        var total = await c.ExecuteScalarAsync<long>(new CommandDefinition($"SELECT COUNT(*) FROM executions WHERE {where}", args, cancellationToken: ct));
        // The id breaks ties between executions created in the same microsecond, so pages never overlap.
        var rows = await c.QueryAsync<ExecutionRow>(new CommandDefinition(
            $"SELECT {SelectColumns} FROM executions WHERE {where} ORDER BY created_at DESC, id DESC LIMIT @limit OFFSET @offset",
            args, cancellationToken: ct));
        return new Page<ExecutionRecord>([.. rows.Select(r => r.ToRecord())], (int)total);
    }

    /// <inheritdoc />
    /// <remarks>
    /// The event's timestamp is read from the stored event, which keeps .NET's tick precision; the
    /// timestamp column holds the same instant to the microsecond, for queries.
    /// </remarks>
    public async Task<IReadOnlyList<HistoryEvent>> GetHistoryAsync(string executionId, long afterSequence = 0, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        var rows = await c.QueryAsync<string>(new CommandDefinition(
            "SELECT data FROM history WHERE execution_id = @executionId AND sequence > @afterSequence ORDER BY sequence",
            new { executionId, afterSequence }, cancellationToken: ct));
        return [.. rows.Select(StoredEvent.Deserialize)];
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<HistoryEvent>> GetHistoryOfTypesAsync(string executionId, IReadOnlyCollection<Type> types, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        var rows = await c.QueryAsync<string>(new CommandDefinition(
            "SELECT data FROM history WHERE execution_id = @executionId AND type = ANY(@types) ORDER BY sequence",
            new { executionId, types = types.Select(StoredEvent.TypeName).ToArray() }, cancellationToken: ct));
        return [.. rows.Select(StoredEvent.Deserialize)];
    }

    /// <inheritdoc />
    public async Task<bool> SendAsync(string orgId, string executionId, HistoryEvent message, DateTimeOffset now, bool allowTerminal = false, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        // FOR SHARE: a commit finishing the execution cannot slip in between the check and the insert
        // (it waits for this transaction, and its terminal cleanup then removes the message).
        var status = await c.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            "SELECT status FROM executions WHERE id = @executionId AND org_id = @orgId FOR SHARE",
            new { executionId, orgId }, tx, cancellationToken: ct));
        if (status is null || (ExecutionStatus.IsTerminal(status) && !allowTerminal)) return false;
        await InsertInboxAsync(c, tx, executionId, message, now, now, ct);
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
        var next = await c.ExecuteScalarAsync<DateTime?>(new CommandDefinition(
            """
            SELECT MIN(due) FROM (
                SELECT MIN(CASE WHEN e.lock_owner IS NOT NULL AND e.lock_expires > i.visible_at THEN e.lock_expires ELSE i.visible_at END) AS due
                FROM inbox i JOIN executions e ON e.id = i.execution_id
                UNION ALL
                SELECT MIN(CASE WHEN lease_owner IS NULL THEN created_at ELSE lease_expires END) FROM activities
            ) AS dues
            """, cancellationToken: ct));
        return PostgresValues.FromDb(next);
    }

    /// <inheritdoc />
    public async Task<DateTimeOffset?> NextMessageDueAsync(CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        var next = await c.ExecuteScalarAsync<DateTime?>(new CommandDefinition(
            """
            SELECT MIN(CASE WHEN e.lock_owner IS NOT NULL AND e.lock_expires > i.visible_at THEN e.lock_expires ELSE i.visible_at END)
            FROM inbox i JOIN executions e ON e.id = i.execution_id
            """, cancellationToken: ct));
        return PostgresValues.FromDb(next);
    }

    /// <inheritdoc />
    public async Task<bool> PurgeAsync(string orgId, string executionId, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        // The execution row first, locked: a resume cannot slip in before the delete.
        var status = await c.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            "SELECT status FROM executions WHERE id = @executionId AND org_id = @orgId FOR UPDATE",
            new { executionId, orgId }, tx, cancellationToken: ct));
        if (status is null || !ExecutionStatus.IsTerminal(status)) return false;
        await DeleteExecutionsAsync(c, tx, [executionId], ct);
        await tx.CommitAsync(ct);
        return true;
    }

    /// <inheritdoc />
    /// <remarks>Executions another transaction holds are skipped (SKIP LOCKED): the next run purges them.</remarks>
    public async Task<int> PurgeFinishedBeforeAsync(DateTimeOffset cutoff, int max, CancellationToken ct = default)
    {
        if (max <= 0) return 0;
        await using var c = await db.OpenAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        var ids = (await c.QueryAsync<string>(new CommandDefinition(
            $"""
            SELECT id FROM executions
            WHERE completed_at IS NOT NULL AND completed_at < @cutoff AND status IN ({TerminalStatuses})
            ORDER BY completed_at LIMIT @max
            FOR UPDATE SKIP LOCKED
            """,
            new { cutoff = PostgresValues.Timestamp(cutoff), max }, tx, cancellationToken: ct))).ToArray();
        if (ids.Length > 0) await DeleteExecutionsAsync(c, tx, ids, ct);
        await tx.CommitAsync(ct);
        return ids.Length;
    }

    // Table order: (executions locked by the caller) -> history -> inbox -> activities -> send_ledger -> outbox -> executions.
    // A purged execution takes its sends with it: the ledger and outbox rows only mean something beside its history.
    private static Task DeleteExecutionsAsync(NpgsqlConnection c, NpgsqlTransaction tx, string[] ids, CancellationToken ct) =>
        c.ExecuteAsync(new CommandDefinition(
            """
            DELETE FROM history WHERE execution_id = ANY(@ids);
            DELETE FROM inbox WHERE execution_id = ANY(@ids);
            DELETE FROM activities WHERE execution_id = ANY(@ids);
            DELETE FROM send_ledger WHERE execution_id = ANY(@ids);
            DELETE FROM outbox WHERE execution_id = ANY(@ids);
            DELETE FROM executions WHERE id = ANY(@ids);
            """,
            new { ids }, tx, cancellationToken: ct));

    /// <summary>An executions row (<see cref="StoredExecutionRow"/>) read by this backend's dialect.</summary>
    private class ExecutionRow : StoredExecutionRow
    {
        /// <summary>Read only where a start looks for the holder of its key.</summary>
        public string? IdempotencyKey { get; set; }
        /// <summary>Read only where a start returns the id of the new execution's first inbox message.</summary>
        public long MessageId { get; set; }

        public ExecutionRecord ToRecord() => ToRecord(PostgresDialect.Instance);
    }
}
