using Dapper;
using FlowForge.Core.Engine.History;
using FlowForge.Core.Storage;
using Npgsql;

namespace FlowForge.Storage.Postgres;

// The dispatcher's side: orchestration claims and group commits, and the activity queue.
public sealed partial class PostgresExecutionStore
{
    /// <inheritdoc />
    /// <remarks>
    /// Terminal executions are claimed too: a failed execution's <see cref="ExecutionResumed"/> message
    /// must reach the dispatcher. Executions are taken in the order of their oldest due message, so a
    /// busy execution cannot starve the others. A lease counts as expired at its expiry instant.
    /// The candidate rows are locked with FOR UPDATE SKIP LOCKED: a row another process is claiming or
    /// committing right now is skipped rather than waited for, and a row whose lease another process
    /// took since this statement's snapshot is re-checked against the lease condition when locked.
    /// </remarks>
    public async Task<IReadOnlyList<OrchestrationWorkItem>> ClaimOrchestrationsAsync(string owner, int max, TimeSpan lease, DateTimeOffset now, CancellationToken ct = default)
    {
        if (max <= 0) return [];
        await using var c = await db.OpenEngineAsync(ct);
        var at = PostgresValues.Timestamp(now);
        // One statement (its own transaction): lock the candidates and lease them. Table order: inbox/executions (read)
        // -> executions (lock, update). It used to be a transaction of four round trips.
        var executions = (await c.QueryAsync<ExecutionRow>(new CommandDefinition(
            $"""
            WITH candidates AS (
                SELECT e.id
                FROM (SELECT execution_id, MIN(id) AS first_id FROM inbox WHERE visible_at <= @at GROUP BY execution_id) due
                JOIN executions e ON e.id = due.execution_id
                WHERE e.lock_owner IS NULL OR e.lock_owner = @owner OR e.lock_expires <= @at
                ORDER BY due.first_id
                LIMIT @max
                FOR UPDATE OF e SKIP LOCKED)
            UPDATE executions SET lock_owner = @owner, lock_expires = @expires
            FROM candidates WHERE executions.id = candidates.id
            RETURNING {SelectColumns.Replace("id, org_id", "executions.id, org_id")}
            """,
            new { at, owner, max, expires = PostgresValues.Timestamp(now + lease) }, cancellationToken: ct))).ToDictionary(r => r.Id);
        if (executions.Count == 0) return [];

        // Read after the lease, in a new snapshot: a commit that finished in between may have consumed the messages the
        // claim's snapshot saw. An execution left without due messages is not claimed: its lease is given back at once.
        var ids = executions.Keys.ToArray();
        var messages = (await c.QueryAsync<InboxRow>(new CommandDefinition(
            "SELECT id, execution_id AS ExecutionId, visible_at AS VisibleAt, data FROM inbox WHERE execution_id = ANY(@ids) AND visible_at <= @at ORDER BY id",
            new { ids, at }, cancellationToken: ct))).ToLookup(m => m.ExecutionId);
        var empty = ids.Where(id => !messages.Contains(id)).ToArray();
        if (empty.Length > 0)
        {
            await c.ExecuteAsync(new CommandDefinition(
                """
                UPDATE executions SET lock_owner = NULL, lock_expires = NULL
                WHERE id IN (SELECT id FROM executions WHERE id = ANY(@empty) AND lock_owner = @owner ORDER BY id COLLATE "C" FOR UPDATE)
                """,
                new { empty, owner }, cancellationToken: ct));
        }
        // Oldest first, as claimed (by each execution's first due message).
        return [.. ids.Where(messages.Contains).OrderBy(id => messages[id].First().Id)
            .Select(id => new OrchestrationWorkItem(executions[id].ToRecord(), [.. messages[id].Select(m => m.ToMessage())]))];
    }

    /// <inheritdoc />
    /// <remarks>
    /// First all turns in one round trip (<see cref="TryCommitInOneRoundTripAsync"/>): the usual case, where no turn
    /// conflicts. If one does, nothing of that attempt was written, and the batch is committed one by one:
    /// one transaction (one WAL flush) for the batch; each commit runs inside its own SAVEPOINT so a
    /// conflicting one is rolled back alone and writes nothing, while the others still apply. In
    /// PostgreSQL an error aborts the transaction, so the history primary-key violation is caught and
    /// rolled back to the savepoint too. The turns are applied in execution-id order (results keep the
    /// caller's order): two overlapping batches lock their execution rows in the same order.
    /// </remarks>
    public async Task<IReadOnlyList<CommitResult>> CommitOrchestrationsAsync(string owner, IReadOnlyList<OrchestrationCommit> commits, CancellationToken ct = default)
    {
        if (commits.Count == 0) return [];
        var now = PostgresValues.Now(_time);
        // Ordinal order, the same as ORDER BY id COLLATE "C" in the statements that lock several executions.
        var order = Enumerable.Range(0, commits.Count).OrderBy(i => commits[i].ExecutionId, StringComparer.Ordinal).ThenBy(i => i).ToList();
        var results = commits.Any(x => x.Children is { Count: > 0 }) ? null : await TryCommitInOneRoundTripAsync(owner, commits, order, now, ct);
        if (results is not null) Interlocked.Increment(ref _batchesInOneStatement);
        else
        {
            results = await CommitOneByOneAsync(owner, commits, order, now, ct);
            Interlocked.Increment(ref _batchesOneByOne);
        }
        for (var i = 0; _feed is not null && i < commits.Count; i++)
        {
            if (results[i].Outcome == CommitOutcome.Committed && commits[i].NewEvents.Count > 0)
                _feed.Committed(commits[i].ExecutionId, commits[i].ExpectedLastSequence + 1, commits[i].ExpectedLastSequence + commits[i].NewEvents.Count, _time.GetUtcNow());
        }
        return results;
    }

    private async Task<CommitResult[]> CommitOneByOneAsync(string owner, IReadOnlyList<OrchestrationCommit> commits, List<int> order, DateTimeOffset now, CancellationToken ct)
    {
        await using var c = await db.OpenEngineAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        var results = new CommitResult[commits.Count];
        foreach (var i in order)
        {
            var savepoint = $"commit_{i}";
            await tx.SaveAsync(savepoint, ct);
            List<ActivityWorkItem>? leased;
            try
            {
                leased = await TryApplyAsync(c, tx, owner, commits[i], now, ct);
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation && ex.ConstraintName == "history_pkey")
            {
                leased = null; // another turn already appended at this sequence
            }
            if (leased is null)
            {
                await tx.RollbackAsync(savepoint, ct);
                await tx.ReleaseAsync(savepoint, ct);
                results[i] = new CommitResult(CommitOutcome.Conflict, []);
            }
            else
            {
                await tx.ReleaseAsync(savepoint, ct);
                results[i] = new CommitResult(CommitOutcome.Committed, leased);
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
    private static async Task<List<ActivityWorkItem>?> TryApplyAsync(
        NpgsqlConnection c, NpgsqlTransaction tx, string owner, OrchestrationCommit commit, DateTimeOffset now, CancellationToken ct)
    {
        var at = PostgresValues.Timestamp(now);
        var terminal = ExecutionStatus.IsTerminal(commit.Status);

        // Compare-and-set on last_sequence: the turn was decided from exactly this history. The UPDATE
        // locks the row; a concurrent committer waits, then re-checks last_sequence and finds it moved.
        // The lock is released only if this owner holds it (or nobody does): a dispatcher whose lease
        // expired may still commit first, but must not free the lease of the dispatcher now working on
        // it. completed_at keeps the first completion time while the status stays terminal and is
        // cleared when a resumed execution runs again.
        var updated = await c.ExecuteAsync(new CommandDefinition(
            """
            UPDATE executions SET
                status = @Status, output = CAST(@output AS json), error = @Error, updated_at = @at,
                last_sequence = @newSequence,
                completed_at = CASE WHEN @terminal THEN COALESCE(completed_at, @at) ELSE NULL END,
                lock_owner = CASE WHEN lock_owner IS NULL OR lock_owner = @owner THEN NULL ELSE lock_owner END,
                lock_expires = CASE WHEN lock_owner IS NULL OR lock_owner = @owner THEN NULL ELSE lock_expires END
            WHERE id = @ExecutionId AND last_sequence = @ExpectedLastSequence
            """,
            new
            {
                commit.ExecutionId, commit.ExpectedLastSequence, commit.Status, commit.Error,
                output = StoredEvent.Json(commit.Output), newSequence = commit.ExpectedLastSequence + commit.NewEvents.Count,
                terminal, owner, at,
            }, tx, cancellationToken: ct));
        if (updated == 0) return null;

        // Results handed over in memory: their activities must still be leased by the worker that ran them.
        foreach (var done in commit.CompletedActivities ?? [])
        {
            var removed = await c.ExecuteAsync(new CommandDefinition(
                "DELETE FROM activities WHERE id = @ActivityId AND lease_owner = @LeaseOwner AND execution_id = @ExecutionId",
                new { done.ActivityId, done.LeaseOwner, done.ExecutionId }, tx, cancellationToken: ct));
            if (removed == 0) return null;
        }

        // Every consumed message must still be there: if one is gone, another turn consumed it.
        var consumed = commit.ConsumedMessageIds.Distinct().ToArray();
        if (consumed.Length > 0)
        {
            var deleted = await c.ExecuteAsync(new CommandDefinition(
                "DELETE FROM inbox WHERE execution_id = @ExecutionId AND id = ANY(@consumed)",
                new { commit.ExecutionId, consumed }, tx, cancellationToken: ct));
            if (deleted != consumed.Length) return null;
        }

        // The primary key (execution_id, sequence) is the last fence; never check-then-insert. A
        // violation surfaces as a PostgresException the caller turns into a conflict.
        if (commit.NewEvents.Count > 0)
        {
            var sequence = commit.ExpectedLastSequence;
            var rows = commit.NewEvents.Select(e => StoredEvent.Stamp(e, now)).Select(e => new
            {
                sequence = ++sequence, type = StoredEvent.TypeName(e), timestamp = PostgresValues.Timestamp(e.Timestamp), data = StoredEvent.Serialize(e),
            }).ToArray();
            await c.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO history (execution_id, sequence, type, timestamp, data)
                SELECT @ExecutionId, s, t, ts, CAST(d AS json) FROM unnest(@sequences, @types, @timestamps, @datas) AS x(s, t, ts, d)
                """,
                new
                {
                    commit.ExecutionId,
                    sequences = rows.Select(r => r.sequence).ToArray(),
                    types = rows.Select(r => r.type).ToArray(),
                    timestamps = rows.Select(r => r.timestamp.UtcDateTime).ToArray(),
                    datas = rows.Select(r => r.data).ToArray(),
                }, tx, cancellationToken: ct));
        }

        // Children before messages, so a message addressed to a child created in this turn finds it.
        foreach (var child in commit.Children ?? [])
            await InsertExecutionAsync(c, tx, child, now, ct);

        // A message to an execution that does not exist (a purged parent) is dropped rather than left
        // as an orphan that is due forever and never claimable.
        foreach (var m in commit.Messages ?? [])
        {
            await c.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO inbox (execution_id, visible_at, data)
                SELECT @ExecutionId, @visibleAt, CAST(@data AS json) WHERE EXISTS (SELECT 1 FROM executions WHERE id = @ExecutionId)
                """,
                new { m.ExecutionId, visibleAt = PostgresValues.Timestamp(m.FireAt), data = StoredEvent.Serialize(StoredEvent.Stamp(m.Event, now)) },
                tx, cancellationToken: ct));
        }

        var leased = new List<ActivityWorkItem>();
        if (terminal)
        {
            // A finished execution has nothing left to run or to receive; its own new messages and
            // activities go too. Messages this turn sent to other executions (a parent) stay. The
            // activity rows are locked in id order, the order workers complete them in, so a worker
            // completing two of them meanwhile cannot deadlock with this.
            await c.ExecuteAsync(new CommandDefinition(
                """
                DELETE FROM activities WHERE id IN (SELECT id FROM activities WHERE execution_id = @ExecutionId ORDER BY id FOR UPDATE);
                DELETE FROM inbox WHERE execution_id = @ExecutionId;
                """,
                new { commit.ExecutionId }, tx, cancellationToken: ct));
            return leased;
        }

        foreach (var a in commit.Activities ?? [])
        {
            var leaseExpires = commit.ActivityLeaseOwner is null ? (DateTimeOffset?)null : now + a.Timeout + commit.ActivityLeaseGrace;
            // The unique (execution_id, step_key, attempt) makes a re-enqueued attempt a no-op: no id comes back.
            var id = await c.QuerySingleOrDefaultAsync<long?>(new CommandDefinition(
                """
                INSERT INTO activities (execution_id, org_id, step_key, node_id, node_type, attempt, input, timeout_ms,
                                        lease_owner, lease_expires, claim_count, created_at)
                VALUES (@ExecutionId, @OrgId, @StepKey, @NodeId, @NodeType, @Attempt, CAST(@input AS json), @timeoutMs,
                        @leaseOwner, @leaseExpires, @claimCount, @at)
                ON CONFLICT (execution_id, step_key, attempt) DO NOTHING
                RETURNING id
                """,
                new
                {
                    a.ExecutionId, a.OrgId, a.StepKey, a.NodeId, a.NodeType, a.Attempt,
                    input = StoredEvent.Json(a.Input), timeoutMs = (long)a.Timeout.TotalMilliseconds,
                    leaseOwner = commit.ActivityLeaseOwner,
                    leaseExpires = PostgresValues.Timestamp(leaseExpires),
                    claimCount = commit.ActivityLeaseOwner is null ? 0 : 1, at,
                }, tx, cancellationToken: ct));
            if (id is { } activityId && leaseExpires is { } expires)
                leased.Add(new ActivityWorkItem(activityId, a, 1, expires));
        }
        return leased;
    }

    /// <inheritdoc />
    /// <remarks>The rows are locked in the order group commits lock them (execution id, ordinal).</remarks>
    public async Task ReleaseOrchestrationsAsync(string owner, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        await c.ExecuteAsync(new CommandDefinition(
            """
            UPDATE executions SET lock_owner = NULL, lock_expires = NULL
            WHERE id IN (SELECT id FROM executions WHERE lock_owner = @owner ORDER BY id COLLATE "C" FOR UPDATE)
            """,
            new { owner }, cancellationToken: ct));
    }

    /// <inheritdoc />
    /// <remarks>
    /// One statement: the subquery locks up to <paramref name="max"/> claimable rows, skipping those
    /// another process is claiming or completing, and the update leases them. The lease returned is
    /// computed here from <paramref name="now"/> (to the tick); the stored one is the same instant to
    /// the microsecond.
    /// </remarks>
    public async Task<IReadOnlyList<ActivityWorkItem>> ClaimActivitiesAsync(string owner, int max, TimeSpan leaseGrace, DateTimeOffset now, CancellationToken ct = default)
    {
        if (max <= 0) return [];
        await using var c = await db.OpenAsync(ct);
        var rows = await c.QueryAsync<ActivityRow>(new CommandDefinition(
            $"""
            UPDATE activities SET
                lease_owner = @owner,
                lease_expires = @at + (timeout_ms * 1000 + @graceMicroseconds) * interval '1 microsecond',
                claim_count = claim_count + 1
            WHERE id IN (
                SELECT id FROM activities
                WHERE lease_owner IS NULL OR lease_expires <= @at
                ORDER BY id LIMIT @max
                FOR UPDATE SKIP LOCKED)
            RETURNING {ActivityColumns}
            """,
            new { owner, at = PostgresValues.Timestamp(now), graceMicroseconds = leaseGrace.Ticks / 10, max }, cancellationToken: ct));
        // Each activity has its own timeout, so each its own lease.
        return [.. rows.OrderBy(r => r.Id).Select(r => new ActivityWorkItem(r.Id, r.ToRequest(), r.ClaimCount, now + TimeSpan.FromMilliseconds(r.TimeoutMs) + leaseGrace))];
    }

    /// <inheritdoc />
    /// <remarks>
    /// The delete is conditional on the lease owner: a worker whose lease expired and was re-claimed
    /// elsewhere must not deliver a second result, so its completion is skipped. Table order:
    /// activities (in id order) -> inbox.
    /// </remarks>
    public async Task<int> CompleteActivitiesAsync(IReadOnlyList<ActivityCompletion> completions, DateTimeOffset now, CancellationToken ct = default)
    {
        if (completions.Count == 0) return 0;
        await using var c = await db.OpenAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        var applied = 0;
        foreach (var completion in completions.OrderBy(x => x.ActivityId))
        {
            var deleted = await c.ExecuteAsync(new CommandDefinition(
                "DELETE FROM activities WHERE id = @ActivityId AND lease_owner = @LeaseOwner AND execution_id = @ExecutionId",
                new { completion.ActivityId, completion.LeaseOwner, completion.ExecutionId }, tx, cancellationToken: ct));
            if (deleted == 0) continue;
            await InsertInboxAsync(c, tx, completion.ExecutionId, completion.Result, now, now, ct);
            applied++;
        }
        await tx.CommitAsync(ct);
        return applied;
    }

    /// <inheritdoc />
    /// <remarks>
    /// A graceful release is not a failed attempt, so it takes back the claim it counted: otherwise
    /// every rolling restart would push running activities towards the poison threshold.
    /// </remarks>
    public async Task ReleaseActivitiesAsync(string owner, IReadOnlyCollection<long>? ids = null, CancellationToken ct = default)
    {
        if (ids is { Count: 0 }) return;
        await using var c = await db.OpenAsync(ct);
        // Rows locked in id order, like completions and terminal cleanups.
        await c.ExecuteAsync(new CommandDefinition(
            $"""
            UPDATE activities SET lease_owner = NULL, lease_expires = NULL, claim_count = GREATEST(claim_count - 1, 0)
            WHERE id IN (SELECT id FROM activities WHERE lease_owner = @owner{(ids is null ? "" : " AND id = ANY(@ids)")} ORDER BY id FOR UPDATE)
            """,
            new { owner, ids = ids?.ToArray() }, cancellationToken: ct));
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
        public int Attempt { get; set; }
        public string? Input { get; set; }
        public long TimeoutMs { get; set; }
        public int ClaimCount { get; set; }

        public ActivityRequest ToRequest() =>
            new(ExecutionId, OrgId, StepKey, NodeId, NodeType, Attempt, StoredEvent.ParseJson(Input), TimeSpan.FromMilliseconds(TimeoutMs));
    }

    private sealed class InboxRow
    {
        public long Id { get; set; }
        public string ExecutionId { get; set; } = "";
        public DateTime VisibleAt { get; set; }
        public string Data { get; set; } = "";

        public InboxMessage ToMessage() => new(Id, ExecutionId, StoredEvent.Deserialize(Data), PostgresValues.FromDb(VisibleAt));
    }
}
