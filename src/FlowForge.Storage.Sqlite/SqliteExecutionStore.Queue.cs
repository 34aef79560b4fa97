using Dapper;
using FlowForge.Core.Engine.History;
using FlowForge.Core.Storage;
using Microsoft.Data.Sqlite;

namespace FlowForge.Storage.Sqlite;

// The dispatcher's side: orchestration claims and group commits, and the activity queue.
public sealed partial class SqliteExecutionStore
{
    // SQLITE_CONSTRAINT_PRIMARYKEY: another turn already appended at this sequence.
    private const int PrimaryKeyViolation = 1555;

    /// <inheritdoc />
    /// <remarks>
    /// Terminal executions are claimed too: a failed execution's <see cref="ExecutionResumed"/> message
    /// must reach the dispatcher. Executions are taken in the order of their oldest due message, so a
    /// busy execution cannot starve the others. A lease counts as expired at its expiry instant, so a
    /// loop woken by <see cref="NextDueAsync"/> at exactly that time finds the work claimable.
    /// </remarks>
    public async Task<IReadOnlyList<OrchestrationWorkItem>> ClaimOrchestrationsAsync(string owner, int max, TimeSpan lease, DateTimeOffset now, CancellationToken ct = default)
    {
        if (max <= 0) return [];
        var at = SqliteValues.Timestamp(now);
        // Most polls find nothing: look first without taking the write lock.
        if (!await ExistsAsync("SELECT EXISTS (SELECT 1 FROM inbox WHERE visible_at <= @at)", at, ct)) return [];
        await using var write = await db.BeginWriteAsync(ct);
        // Table order: inbox/executions (read) -> executions (lock).
        var ids = new List<string>();
        await using (var reader = await write.Command(
            """
            SELECT i.execution_id
            FROM inbox i JOIN executions e ON e.id = i.execution_id
            WHERE i.visible_at <= @at AND (e.lock_owner IS NULL OR e.lock_owner = @owner OR e.lock_expires <= @at)
            GROUP BY i.execution_id
            ORDER BY MIN(i.id)
            LIMIT @max
            """,
            ("@at", at), ("@owner", owner), ("@max", max)).ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct)) ids.Add(reader.GetString(0));
        }
        if (ids.Count == 0) return [];

        var expires = SqliteValues.Timestamp(now + lease);
        var items = new List<OrchestrationWorkItem>(ids.Count);
        foreach (var id in ids)
        {
            await write.Command("UPDATE executions SET lock_owner = @owner, lock_expires = @expires WHERE id = @id",
                ("@id", id), ("@owner", owner), ("@expires", expires)).ExecuteNonQueryAsync(ct);
            var execution = (await GetAsync(write, id, ct))!;
            var messages = new List<InboxMessage>();
            await using (var reader = await write.Command(
                "SELECT id, execution_id, visible_at, data FROM inbox WHERE execution_id = @id AND visible_at <= @at ORDER BY id",
                ("@id", id), ("@at", at)).ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct))
                {
                    messages.Add(new InboxMessage(reader.GetInt64(0), reader.GetString(1), StoredEvent.Deserialize(reader.GetString(3)),
                        SqliteValues.ParseTimestamp(reader.GetString(2))));
                }
            }
            items.Add(new OrchestrationWorkItem(execution, messages));
        }
        await write.CommitAsync(ct);
        return items;
    }

    /// <inheritdoc />
    /// <remarks>
    /// One transaction (one fsync) for the batch; each commit runs inside its own SAVEPOINT so a
    /// conflicting one is rolled back alone and writes nothing, while the others still apply.
    /// </remarks>
    public async Task<IReadOnlyList<CommitResult>> CommitOrchestrationsAsync(string owner, IReadOnlyList<OrchestrationCommit> commits, CancellationToken ct = default)
    {
        if (commits.Count == 0) return [];
        await using var write = await db.BeginWriteAsync(ct);
        var tx = write.Transaction;
        var now = _time.GetUtcNow();
        var results = new List<CommitResult>(commits.Count);
        if (commits.Count == 1)
        {
            // One turn needs no savepoint: a conflict rolls back the whole (single-turn) transaction.
            var only = await TryApplyAsync(write, owner, commits[0], now, ct);
            if (only is null) return [new CommitResult(CommitOutcome.Conflict, [])];
            await tx.CommitAsync(ct);
            return [new CommitResult(CommitOutcome.Committed, only)];
        }
        for (var i = 0; i < commits.Count; i++)
        {
            var savepoint = $"commit_{i}";
            await tx.SaveAsync(savepoint, ct);
            var leased = await TryApplyAsync(write, owner, commits[i], now, ct);
            if (leased is null)
            {
                await tx.RollbackAsync(savepoint, ct);
                await tx.ReleaseAsync(savepoint, ct);
                results.Add(new CommitResult(CommitOutcome.Conflict, []));
            }
            else
            {
                await tx.ReleaseAsync(savepoint, ct);
                results.Add(new CommitResult(CommitOutcome.Committed, leased));
            }
        }
        await tx.CommitAsync(ct);
        return results;
    }

    /// <summary>
    /// Applies one turn, or returns null (conflict) leaving the caller to roll back its savepoint.
    /// Table order: executions (own row, compare-and-set) -> inbox (consumed) -> history
    /// -> executions/inbox (children) -> inbox (messages) -> activities -> activities/inbox (terminal cleanup).
    /// </summary>
    /// <remarks>Every statement runs on the writer's reused commands (<see cref="SqliteWrite.Command(string)"/>): prepared once per process, not per turn.</remarks>
    private static async Task<List<ActivityWorkItem>?> TryApplyAsync(
        SqliteWrite write, string owner, OrchestrationCommit commit, DateTimeOffset now, CancellationToken ct)
    {
        var at = SqliteValues.Timestamp(now);
        var terminal = ExecutionStatus.IsTerminal(commit.Status);

        // Compare-and-set on last_sequence: the turn was decided from exactly this history. The lock is
        // released only if this owner holds it (or nobody does): a dispatcher whose lease expired may
        // still commit first, but must not free the lease of the dispatcher now working on it.
        // completed_at keeps the first completion time while the status stays terminal and is cleared
        // when a resumed execution runs again.
        var updated = await write.Command(
            """
            UPDATE executions SET
                status = @Status, output = @output, error = @Error, updated_at = @at,
                last_sequence = @newSequence,
                completed_at = CASE WHEN @terminal THEN COALESCE(completed_at, @at) ELSE NULL END,
                lock_owner = CASE WHEN lock_owner IS NULL OR lock_owner = @owner THEN NULL ELSE lock_owner END,
                lock_expires = CASE WHEN lock_owner IS NULL OR lock_owner = @owner THEN NULL ELSE lock_expires END
            WHERE id = @ExecutionId AND last_sequence = @ExpectedLastSequence
            """,
            ("@ExecutionId", commit.ExecutionId), ("@ExpectedLastSequence", commit.ExpectedLastSequence), ("@Status", commit.Status),
            ("@Error", commit.Error), ("@output", StoredEvent.Json(commit.Output)),
            ("@newSequence", commit.ExpectedLastSequence + commit.NewEvents.Count), ("@terminal", terminal), ("@owner", owner), ("@at", at))
            .ExecuteNonQueryAsync(ct);
        if (updated == 0) return null;

        // Results handed over in memory: their activities must still be leased by the worker that ran them.
        foreach (var done in commit.CompletedActivities ?? [])
        {
            var removed = await write.Command(DeleteLeasedActivitySql,
                ("@ActivityId", done.ActivityId), ("@LeaseOwner", done.LeaseOwner), ("@ExecutionId", done.ExecutionId)).ExecuteNonQueryAsync(ct);
            if (removed == 0) return null;
        }

        // Every consumed message must still be there: if one is gone, another turn consumed it. One reused
        // statement per message: a turn consumes a handful, and an IN list would be new SQL for every count.
        foreach (var consumedId in commit.ConsumedMessageIds.Distinct())
        {
            var deleted = await write.Command("DELETE FROM inbox WHERE execution_id = @ExecutionId AND id = @id",
                ("@ExecutionId", commit.ExecutionId), ("@id", consumedId)).ExecuteNonQueryAsync(ct);
            if (deleted != 1) return null;
        }

        // The primary key (execution_id, sequence) is the last fence; never check-then-insert.
        // One statement for the turn's events (SQLite allows 32,766 parameters: 5 per event, so chunks of 500).
        var sequence = commit.ExpectedLastSequence;
        foreach (var chunk in commit.NewEvents.Chunk(500))
        {
            var insert = write.Command(InsertHistorySql(chunk.Length));
            insert.Parameters.AddWithValue("@x", commit.ExecutionId);
            for (var i = 0; i < chunk.Length; i++)
            {
                var stamped = StoredEvent.Stamp(chunk[i], now);
                insert.Parameters.AddWithValue(HistoryParameterNames[i].Sequence, ++sequence);
                insert.Parameters.AddWithValue(HistoryParameterNames[i].Type, StoredEvent.TypeName(stamped));
                insert.Parameters.AddWithValue(HistoryParameterNames[i].Timestamp, SqliteValues.Timestamp(stamped.Timestamp));
                insert.Parameters.AddWithValue(HistoryParameterNames[i].Data, StoredEvent.Serialize(stamped));
            }
            try
            {
                await insert.ExecuteNonQueryAsync(ct);
            }
            catch (SqliteException ex) when (ex.SqliteExtendedErrorCode == PrimaryKeyViolation)
            {
                return null;
            }
        }

        // Children before messages, so a message addressed to a child created in this turn finds it.
        foreach (var child in commit.Children ?? [])
            await InsertExecutionAsync(write, child, now, ct);

        // A message to an execution that does not exist (a purged parent) is dropped rather than left
        // as an orphan that is due forever and never claimable.
        foreach (var m in commit.Messages ?? [])
        {
            await write.Command(
                """
                INSERT INTO inbox (execution_id, visible_at, data)
                SELECT @ExecutionId, @visibleAt, @data WHERE EXISTS (SELECT 1 FROM executions WHERE id = @ExecutionId)
                """,
                ("@ExecutionId", m.ExecutionId), ("@visibleAt", SqliteValues.Timestamp(m.FireAt)),
                ("@data", StoredEvent.Serialize(StoredEvent.Stamp(m.Event, now)))).ExecuteNonQueryAsync(ct);
        }

        var leased = new List<ActivityWorkItem>();
        if (terminal)
        {
            // A finished execution has nothing left to run or to receive; its own new messages and
            // activities go too. Messages this turn sent to other executions (a parent) stay.
            await write.Command("DELETE FROM activities WHERE execution_id = @ExecutionId", ("@ExecutionId", commit.ExecutionId)).ExecuteNonQueryAsync(ct);
            await write.Command("DELETE FROM inbox WHERE execution_id = @ExecutionId", ("@ExecutionId", commit.ExecutionId)).ExecuteNonQueryAsync(ct);
            return leased;
        }

        foreach (var a in commit.Activities ?? [])
        {
            var leaseExpires = commit.ActivityLeaseOwner is null ? (DateTimeOffset?)null : now + a.Timeout + commit.ActivityLeaseGrace;
            // The unique (execution_id, step_key, attempt) makes a re-enqueued attempt a no-op: no id comes back.
            var id = await write.Command(
                """
                INSERT INTO activities (execution_id, org_id, step_key, node_id, node_type, attempt, input, timeout_ms,
                                        lease_owner, lease_expires, claim_count, created_at)
                VALUES (@ExecutionId, @OrgId, @StepKey, @NodeId, @NodeType, @Attempt, @input, @timeoutMs,
                        @leaseOwner, @leaseExpires, @claimCount, @at)
                ON CONFLICT (execution_id, step_key, attempt) DO NOTHING
                RETURNING id
                """,
                ("@ExecutionId", a.ExecutionId), ("@OrgId", a.OrgId), ("@StepKey", a.StepKey), ("@NodeId", a.NodeId),
                ("@NodeType", a.NodeType), ("@Attempt", a.Attempt), ("@input", StoredEvent.Json(a.Input)),
                ("@timeoutMs", (long)a.Timeout.TotalMilliseconds), ("@leaseOwner", commit.ActivityLeaseOwner),
                ("@leaseExpires", leaseExpires is { } le ? SqliteValues.Timestamp(le) : null),
                ("@claimCount", commit.ActivityLeaseOwner is null ? 0 : 1), ("@at", at)).ExecuteScalarAsync(ct);
            if (id is long activityId && leaseExpires is { } expires)
                leased.Add(new ActivityWorkItem(activityId, a, 1, expires));
        }
        return leased;
    }

    private const string DeleteLeasedActivitySql =
        "DELETE FROM activities WHERE id = @ActivityId AND lease_owner = @LeaseOwner AND execution_id = @ExecutionId";

    // The multi-row history insert for a turn of n events; the SQL text is the cache key of its reused statement,
    // so it is built once per n.
    private static readonly string[] HistorySqlBySize = [.. Enumerable.Range(0, 17).Select(BuildInsertHistorySql)];

    private static readonly (string Sequence, string Type, string Timestamp, string Data)[] HistoryParameterNames =
        [.. Enumerable.Range(0, 500).Select(i => ($"@s{i}", $"@t{i}", $"@ts{i}", $"@d{i}"))];

    private static string InsertHistorySql(int events) => events < HistorySqlBySize.Length ? HistorySqlBySize[events] : BuildInsertHistorySql(events);

    private static string BuildInsertHistorySql(int events) =>
        "INSERT INTO history (execution_id, sequence, type, timestamp, data) VALUES "
        + string.Join(", ", Enumerable.Range(0, events).Select(i => $"(@x, @s{i}, @t{i}, @ts{i}, @d{i})"));

    private async Task<bool> ExistsAsync(string sql, string at, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.ExecuteScalarAsync<long>(new CommandDefinition(sql, new { at }, cancellationToken: ct)) != 0;
    }

    /// <inheritdoc />
    public async Task ReleaseOrchestrationsAsync(string owner, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        await c.ExecuteAsync(new CommandDefinition(
            "UPDATE executions SET lock_owner = NULL, lock_expires = NULL WHERE lock_owner = @owner",
            new { owner }, cancellationToken: ct));
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ActivityWorkItem>> ClaimActivitiesAsync(string owner, int max, TimeSpan leaseGrace, DateTimeOffset now, CancellationToken ct = default)
    {
        if (max <= 0) return [];
        if (!await ExistsAsync("SELECT EXISTS (SELECT 1 FROM activities WHERE lease_owner IS NULL OR lease_expires <= @at)", SqliteValues.Timestamp(now), ct)) return [];
        await using var write = await db.BeginWriteAsync(ct);
        var (c, tx) = (write.Connection, write.Transaction);
        var rows = (await c.QueryAsync<ActivityRow>(new CommandDefinition(
            $"""
            SELECT {ActivityColumns} FROM activities
            WHERE lease_owner IS NULL OR lease_expires <= @at
            ORDER BY id LIMIT @max
            """,
            new { at = SqliteValues.Timestamp(now), max }, tx, cancellationToken: ct))).ToList();
        var items = new List<ActivityWorkItem>(rows.Count);
        foreach (var row in rows)
        {
            // Each activity has its own timeout, so each its own lease.
            var expires = now + TimeSpan.FromMilliseconds(row.TimeoutMs) + leaseGrace;
            await c.ExecuteAsync(new CommandDefinition(
                "UPDATE activities SET lease_owner = @owner, lease_expires = @expires, claim_count = claim_count + 1 WHERE id = @Id",
                new { row.Id, owner, expires = SqliteValues.Timestamp(expires) }, tx, cancellationToken: ct));
            items.Add(new ActivityWorkItem(row.Id, row.ToRequest(), (int)row.ClaimCount + 1, expires));
        }
        await tx.CommitAsync(ct);
        return items;
    }

    /// <inheritdoc />
    /// <remarks>
    /// The delete is conditional on the lease owner: a worker whose lease expired and was re-claimed
    /// elsewhere must not deliver a second result, so its completion is skipped. Table order: activities -> inbox.
    /// </remarks>
    public async Task<int> CompleteActivitiesAsync(IReadOnlyList<ActivityCompletion> completions, DateTimeOffset now, CancellationToken ct = default)
    {
        if (completions.Count == 0) return 0;
        await using var write = await db.BeginWriteAsync(ct);
        var applied = 0;
        foreach (var completion in completions)
        {
            var deleted = await write.Command(DeleteLeasedActivitySql,
                ("@ActivityId", completion.ActivityId), ("@LeaseOwner", completion.LeaseOwner), ("@ExecutionId", completion.ExecutionId))
                .ExecuteNonQueryAsync(ct);
            if (deleted == 0) continue;
            await InsertInboxAsync(write, completion.ExecutionId, completion.Result, now, now, ct);
            applied++;
        }
        await write.CommitAsync(ct);
        return applied;
    }

    /// <inheritdoc />
    /// <remarks>
    /// A graceful release is not a failed attempt, so it takes back the claim it counted: otherwise
    /// every rolling restart would push running activities towards the poison threshold.
    /// </remarks>
    public async Task ReleaseActivitiesAsync(string owner, IReadOnlyCollection<long>? ids = null, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        const string release = "UPDATE activities SET lease_owner = NULL, lease_expires = NULL, claim_count = MAX(claim_count - 1, 0) WHERE lease_owner = @owner";
        if (ids is null)
        {
            await c.ExecuteAsync(new CommandDefinition(release, new { owner }, cancellationToken: ct));
            return;
        }
        if (ids.Count == 0) return;
        await using var tx = c.BeginTransaction();
        foreach (var chunk in ids.Chunk(500))
            await c.ExecuteAsync(new CommandDefinition(release + " AND id IN @chunk", new { owner, chunk }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
    }

    private const string ActivityColumns =
        """
        id, execution_id AS ExecutionId, org_id AS OrgId, step_key AS StepKey, node_id AS NodeId, node_type AS NodeType,
        attempt, input, timeout_ms AS TimeoutMs, claim_count AS ClaimCount
        """;

    private sealed class ActivityRow
    {
        public long Id { get; set; }
        public string ExecutionId { get; set; } = "";
        public string OrgId { get; set; } = "";
        public string StepKey { get; set; } = "";
        public string NodeId { get; set; } = "";
        public string NodeType { get; set; } = "";
        public long Attempt { get; set; }
        public string? Input { get; set; }
        public long TimeoutMs { get; set; }
        public long ClaimCount { get; set; }

        public ActivityRequest ToRequest() =>
            new(ExecutionId, OrgId, StepKey, NodeId, NodeType, (int)Attempt, StoredEvent.ParseJson(Input), TimeSpan.FromMilliseconds(TimeoutMs));
    }
}
