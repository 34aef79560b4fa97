using FlowForge.Core.Engine.History;
using FlowForge.Core.Storage;
using Npgsql;
using NpgsqlTypes;

namespace FlowForge.Storage.Postgres;

// The group commit's fast path: every turn of the batch in one NpgsqlBatch, one round trip, one implicit transaction.
public sealed partial class PostgresExecutionStore
{
    /// <summary>SQLSTATE raised by flowforge_expect (migration 0007) when a guarded statement changed an unexpected number of rows.</summary>
    private const string ConflictState = "FF409";

    /// <summary>
    /// Commits every turn of <paramref name="commits"/> in one round trip, or none of them: null when one turn conflicts
    /// (the caller then commits them one by one, each in its own savepoint, to find which).
    /// </summary>
    /// <remarks>
    /// The batch's statements run in one implicit transaction (one Sync): the first error rolls all of them back. Each
    /// statement that must change an exact number of rows (the compare-and-set on last_sequence, the consumed messages,
    /// the completed activities) is wrapped in flowforge_expect, which raises FF409 otherwise; the history primary key
    /// still raises its own violation. So the invariants are checked by the database, in the same transaction, exactly
    /// as on the one-by-one path. Table order per turn is the same as there (see TryApplyAsync), and the turns keep
    /// execution-id order. Turns that create children take the one-by-one path (their inserts depend on each other).
    /// </remarks>
    private async Task<CommitResult[]?> TryCommitInOneRoundTripAsync(
        string owner, IReadOnlyList<OrchestrationCommit> commits, IEnumerable<int> order, DateTimeOffset now, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        await using var batch = new NpgsqlBatch(c);
        var at = PostgresValues.Timestamp(now);
        var order1 = order.ToList();
        foreach (var i in order1) AddTurn(batch, owner, commits[i], at);

        // Activity ids come back from the inserts' RETURNING (four columns); the guards return one column each.
        var activityIds = new Dictionary<(string ExecutionId, string StepKey, int Attempt), long>();
        try
        {
            await using var reader = await batch.ExecuteReaderAsync(ct);
            do
            {
                if (reader.FieldCount != 4) continue;
                while (await reader.ReadAsync(ct))
                    activityIds[(reader.GetString(1), reader.GetString(2), reader.GetInt32(3))] = reader.GetInt64(0);
            }
            while (await reader.NextResultAsync(ct));
        }
        catch (PostgresException e) when (e.SqlState is ConflictState or PostgresErrorCodes.DeadlockDetected
            || (e.SqlState == PostgresErrorCodes.UniqueViolation && e.ConstraintName == "history_pkey"))
        {
            return null; // nothing was written
        }

        var results = new CommitResult[commits.Count];
        foreach (var i in order1)
        {
            var commit = commits[i];
            var leased = new List<ActivityWorkItem>();
            if (!ExecutionStatus.IsTerminal(commit.Status) && commit.ActivityLeaseOwner is not null)
            {
                foreach (var a in commit.Activities ?? [])
                {
                    // An attempt that was already enqueued (ON CONFLICT DO NOTHING) returns no id: not ours to run.
                    if (activityIds.TryGetValue((a.ExecutionId, a.StepKey, a.Attempt), out var id))
                        leased.Add(new ActivityWorkItem(id, a, 1, now + a.Timeout + commit.ActivityLeaseGrace));
                }
            }
            results[i] = new CommitResult(CommitOutcome.Committed, leased);
        }
        return results;
    }

    /// <summary>The statements of one turn, in the table order of TryApplyAsync.</summary>
    private static void AddTurn(NpgsqlBatch batch, string owner, OrchestrationCommit commit, DateTimeOffset at)
    {
        var terminal = ExecutionStatus.IsTerminal(commit.Status);
        Add(batch,
            """
            WITH u AS (
                UPDATE executions SET
                    status = @status, output = CAST(@output AS json), error = @error, updated_at = @at,
                    last_sequence = @newSequence,
                    completed_at = CASE WHEN @terminal THEN COALESCE(completed_at, @at) ELSE NULL END,
                    lock_owner = CASE WHEN lock_owner IS NULL OR lock_owner = @owner THEN NULL ELSE lock_owner END,
                    lock_expires = CASE WHEN lock_owner IS NULL OR lock_owner = @owner THEN NULL ELSE lock_expires END
                WHERE id = @id AND last_sequence = @expected
                RETURNING 1)
            SELECT flowforge_expect((SELECT count(*) FROM u), 1, 'the compare-and-set on last_sequence')
            """,
            P("status", commit.Status, NpgsqlDbType.Text), P("output", StoredEvent.Json(commit.Output), NpgsqlDbType.Text),
            P("error", commit.Error, NpgsqlDbType.Text), P("at", at, NpgsqlDbType.TimestampTz),
            P("newSequence", commit.ExpectedLastSequence + commit.NewEvents.Count, NpgsqlDbType.Bigint),
            P("terminal", terminal, NpgsqlDbType.Boolean), P("owner", owner, NpgsqlDbType.Text),
            P("id", commit.ExecutionId, NpgsqlDbType.Text), P("expected", commit.ExpectedLastSequence, NpgsqlDbType.Bigint));

        if (commit.CompletedActivities is { Count: > 0 } done)
        {
            // Results handed over in memory: their activities must still be leased by the worker that ran them.
            Add(batch,
                """
                WITH d AS (
                    DELETE FROM activities a USING unnest(@ids, @owners) AS x(id, owner)
                    WHERE a.id = x.id AND a.lease_owner = x.owner AND a.execution_id = @executionId
                    RETURNING 1)
                SELECT flowforge_expect((SELECT count(*) FROM d), @n, 'the completed activities')
                """,
                P("ids", done.Select(d => d.ActivityId).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Bigint),
                P("owners", done.Select(d => d.LeaseOwner).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text),
                P("executionId", commit.ExecutionId, NpgsqlDbType.Text),
                P("n", (long)done.Select(d => d.ActivityId).Distinct().Count(), NpgsqlDbType.Bigint));
        }

        var consumed = commit.ConsumedMessageIds.Distinct().ToArray();
        if (consumed.Length > 0)
        {
            // Every consumed message must still be there: if one is gone, another turn consumed it.
            Add(batch,
                """
                WITH d AS (DELETE FROM inbox WHERE execution_id = @executionId AND id = ANY(@consumed) RETURNING 1)
                SELECT flowforge_expect((SELECT count(*) FROM d), @n, 'the consumed messages')
                """,
                P("executionId", commit.ExecutionId, NpgsqlDbType.Text), P("consumed", consumed, NpgsqlDbType.Array | NpgsqlDbType.Bigint),
                P("n", (long)consumed.Length, NpgsqlDbType.Bigint));
        }

        if (commit.NewEvents.Count > 0)
        {
            // The primary key (execution_id, sequence) is the last fence: a violation rolls the batch back.
            var events = commit.NewEvents.Select(e => StoredEvent.Stamp(e, at)).ToArray();
            Add(batch,
                """
                INSERT INTO history (execution_id, sequence, type, timestamp, data)
                SELECT @executionId, s, t, ts, CAST(d AS json) FROM unnest(@sequences, @types, @timestamps, @datas) AS x(s, t, ts, d)
                """,
                P("executionId", commit.ExecutionId, NpgsqlDbType.Text),
                P("sequences", events.Select((_, k) => commit.ExpectedLastSequence + 1 + k).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Bigint),
                P("types", events.Select(StoredEvent.TypeName).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text),
                P("timestamps", events.Select(e => PostgresValues.Timestamp(e.Timestamp).UtcDateTime).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.TimestampTz),
                P("datas", events.Select(StoredEvent.Serialize).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text));
        }

        if (commit.Messages is { Count: > 0 } messages)
        {
            // A message to an execution that does not exist (a purged parent) is dropped, as on the one-by-one path.
            Add(batch,
                """
                INSERT INTO inbox (execution_id, visible_at, data)
                SELECT x.e, x.v, CAST(x.d AS json) FROM unnest(@executionIds, @visibleAts, @datas) WITH ORDINALITY AS x(e, v, d, n)
                WHERE EXISTS (SELECT 1 FROM executions WHERE id = x.e)
                ORDER BY x.n
                """,
                P("executionIds", messages.Select(m => m.ExecutionId).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text),
                P("visibleAts", messages.Select(m => PostgresValues.Timestamp(m.FireAt).UtcDateTime).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.TimestampTz),
                P("datas", messages.Select(m => StoredEvent.Serialize(StoredEvent.Stamp(m.Event, at))).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text));
        }

        if (terminal)
        {
            // As on the one-by-one path: activity rows locked in id order, then the execution's own messages.
            Add(batch, "DELETE FROM activities WHERE id IN (SELECT id FROM activities WHERE execution_id = @executionId ORDER BY id FOR UPDATE)",
                P("executionId", commit.ExecutionId, NpgsqlDbType.Text));
            Add(batch, "DELETE FROM inbox WHERE execution_id = @executionId", P("executionId", commit.ExecutionId, NpgsqlDbType.Text));
            return;
        }

        if (commit.Activities is { Count: > 0 } activities)
        {
            var leased = commit.ActivityLeaseOwner is not null;
            // The unique (execution_id, step_key, attempt) makes a re-enqueued attempt a no-op: no id comes back.
            Add(batch,
                """
                INSERT INTO activities (execution_id, org_id, step_key, node_id, node_type, attempt, input, timeout_ms,
                                        lease_owner, lease_expires, claim_count, created_at)
                SELECT x.e, x.o, x.s, x.nid, x.nt, x.a, CAST(x.i AS json), x.t, @leaseOwner, CASE WHEN @leased THEN x.le END,
                       CASE WHEN @leased THEN 1 ELSE 0 END, @at
                FROM unnest(@executionIds, @orgIds, @stepKeys, @nodeIds, @nodeTypes, @attempts, @inputs, @timeouts, @leaseExpires)
                     WITH ORDINALITY AS x(e, o, s, nid, nt, a, i, t, le, n)
                ORDER BY x.n
                ON CONFLICT (execution_id, step_key, attempt) DO NOTHING
                RETURNING id, execution_id, step_key, attempt
                """,
                P("leaseOwner", commit.ActivityLeaseOwner, NpgsqlDbType.Text), P("leased", leased, NpgsqlDbType.Boolean),
                P("at", at, NpgsqlDbType.TimestampTz),
                P("executionIds", activities.Select(a => a.ExecutionId).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text),
                P("orgIds", activities.Select(a => a.OrgId).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text),
                P("stepKeys", activities.Select(a => a.StepKey).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text),
                P("nodeIds", activities.Select(a => a.NodeId).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text),
                P("nodeTypes", activities.Select(a => a.NodeType).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text),
                P("attempts", activities.Select(a => a.Attempt).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Integer),
                P("inputs", activities.Select(a => StoredEvent.Json(a.Input)).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text),
                P("timeouts", activities.Select(a => (long)a.Timeout.TotalMilliseconds).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Bigint),
                P("leaseExpires", activities.Select(a => (at + a.Timeout + commit.ActivityLeaseGrace).UtcDateTime).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.TimestampTz));
        }
    }

    private static void Add(NpgsqlBatch batch, string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddRange(parameters);
        batch.BatchCommands.Add(command);
    }

    private static NpgsqlParameter P(string name, object? value, NpgsqlDbType type) => new(name, type) { Value = value ?? DBNull.Value };
}
