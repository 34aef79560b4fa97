using FlowForge.Core.Engine.History;
using FlowForge.Core.Storage;
using Npgsql;
using NpgsqlTypes;

namespace FlowForge.Storage.Postgres;

// The group commit's fast path: every turn of the batch in one set-based statement, one round trip, one implicit transaction.
public sealed partial class PostgresExecutionStore
{
    /// <summary>SQLSTATE raised by flowforge_expect (migration 0007) when a guarded statement changed an unexpected number of rows.</summary>
    private const string ConflictState = "FF409";

    private long _batchesInOneStatement, _batchesOneByOne;

    /// <summary>Group commits that went in one statement, and those committed one by one (a conflict, a deadlock, children): tests read them.</summary>
    internal (long InOneStatement, long OneByOne) CommitPaths => (Interlocked.Read(ref _batchesInOneStatement), Interlocked.Read(ref _batchesOneByOne));

    /// <summary>
    /// Commits every turn of <paramref name="commits"/> in one statement (one round trip, one transaction), or none of
    /// them: null when one turn conflicts (the caller then commits them one by one, each in its own savepoint, to find which).
    /// </summary>
    /// <remarks>
    /// Set-based: the whole batch is one statement of data-modifying CTEs, each touching one table for every turn at once
    /// (the compare-and-set of all execution rows, the completed activities, the consumed messages, the history, the
    /// messages, the terminal clean-up, the new activities), so its cost grows with rows, not with statements: a group
    /// commit of a hundred turns used to be four hundred statements. Every count that must be exact (rows the
    /// compare-and-set moved, completed activities and consumed messages deleted) is checked by flowforge_expect, which
    /// raises FF409 otherwise; the history primary key still raises its own violation; either rolls the statement back.
    /// All CTEs see one snapshot, so the terminal clean-up excludes the rows the batch deletes itself (a row must not be
    /// deleted twice by one statement) and cannot see the messages the batch inserts: messages to an execution that
    /// finishes in this batch are not inserted at all. Row locks are not taken in a fixed order here: a deadlock with
    /// another batch rolls this one back like a conflict, and the one-by-one path (which locks in execution-id order)
    /// commits it. Turns that create children take that path too. A batch of one small turn (the steps of a run at low
    /// load) is written as plain values instead (<see cref="OneTurnSql"/>): the same rows and checks, without the arrays.
    /// </remarks>
    private async Task<CommitResult[]?> TryCommitInOneRoundTripAsync(
        string owner, IReadOnlyList<OrchestrationCommit> commits, IEnumerable<int> order, DateTimeOffset now, CancellationToken ct)
    {
        var at = PostgresValues.Timestamp(now);
        await using var c = await db.OpenEngineAsync(ct);
        await using var command = new NpgsqlCommand { Connection = c };
        var oneTurn = commits.Count == 1 && FitsOneTurn(commits[0]);
        if (oneTurn)
        {
            var shape = ShapeOf(commits[0]);
            command.CommandText = OneTurnSql(shape);
            BindOneTurn(command.Parameters, shape, commits[0], owner, at);
        }
        else
        {
            var rows = new BatchRows(commits.Count);
            foreach (var i in order) rows.Add(commits[i], at);
            command.CommandText = CommitSql(rows.Parts);
            rows.Bind(command.Parameters, owner, at);
        }

        // Activity ids come back from the insert's RETURNING (one row per new activity; a row of nulls when there is none).
        var activityIds = new Dictionary<(string ExecutionId, string StepKey, int Attempt), long>();
        try
        {
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                if (!reader.IsDBNull(0))
                    activityIds[(reader.GetString(1), reader.GetString(2), reader.GetInt32(3))] = reader.GetInt64(0);
            }
        }
        catch (PostgresException e) when (e.SqlState is ConflictState or PostgresErrorCodes.DeadlockDetected
            || (e.SqlState == PostgresErrorCodes.UniqueViolation && e.ConstraintName == "history_pkey"))
        {
            return null; // nothing was written
        }
        if (oneTurn) Interlocked.Increment(ref _batchesOfOneTurn);

        var results = new CommitResult[commits.Count];
        for (var i = 0; i < commits.Count; i++)
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

    // Every table is reached through "= ANY(array)" on an indexed column, besides the join to the unnested rows, so an index
    // serves every part. The engine's connections run generic plans with sequential scans ruled out (PostgresDatabase's
    // EngineSessionSql): the plan is made once, often on a young, tiny table, and stays an index scan as the table grows.

    /// <summary>Which parts a batch has: the statement holds only those CTEs (an empty CTE still costs its executor set-up).</summary>
    [Flags]
    private enum Parts { None = 0, Done = 1, Consumed = 2, History = 4, Messages = 8, Terminal = 16, Activities = 32 }

    /// <summary>The statement of each shape, built once; a handful of shapes occur (the prepared-statement cache holds each).</summary>
    private static readonly string?[] CommitStatements = new string?[64];

    /// <summary>The batch statement for <paramref name="parts"/>; the CTE comments say what each guards.</summary>
    private static string CommitSql(Parts parts) => CommitStatements[(int)parts] ??= BuildCommitSql(parts);

    private static string BuildCommitSql(Parts parts)
    {
        var ctes = new List<string>
        {
            """
            t AS (
                SELECT * FROM unnest(@ids, @expected, @newSequences, @statuses, @outputs, @errors, @terminals)
                    AS t(id, expected, new_sequence, status, output, error, terminal))
            """,
            """
            u AS (
                UPDATE executions e SET
                    status = t.status, output = CAST(t.output AS json), error = t.error, updated_at = @at,
                    last_sequence = t.new_sequence,
                    completed_at = CASE WHEN t.terminal THEN COALESCE(e.completed_at, @at) ELSE NULL END,
                    lock_owner = CASE WHEN e.lock_owner IS NULL OR e.lock_owner = @owner THEN NULL ELSE e.lock_owner END,
                    lock_expires = CASE WHEN e.lock_owner IS NULL OR e.lock_owner = @owner THEN NULL ELSE e.lock_expires END
                FROM t WHERE e.id = ANY(@ids) AND e.id = t.id AND e.last_sequence = t.expected
                RETURNING 1)
            """,
        };
        // The counts that must be exact; flowforge_expect (plpgsql) is called only when one is off, to raise FF409.
        var guards = new List<string> { "(SELECT count(*) FROM u) <> cardinality(@ids)" };
        if (parts.HasFlag(Parts.Done))
        {
            ctes.Add(
                """
                done AS (
                    -- Results handed over in memory: their activities must still be leased by the worker that ran them.
                    DELETE FROM activities a USING unnest(@doneIds, @doneOwners, @doneExecutions) AS x(id, owner, execution_id)
                    WHERE a.id = ANY(@doneIds) AND a.id = x.id AND a.lease_owner = x.owner AND a.execution_id = x.execution_id
                    RETURNING 1)
                """);
            guards.Add("(SELECT count(*) FROM done) <> cardinality(@doneIds)");
        }
        if (parts.HasFlag(Parts.Consumed))
        {
            ctes.Add(
                """
                consumed AS (
                    -- Every consumed message must still be there: if one is gone, another turn consumed it.
                    DELETE FROM inbox i USING unnest(@consumedExecutions, @consumedIds) AS x(execution_id, id)
                    WHERE i.id = ANY(@consumedIds) AND i.id = x.id AND i.execution_id = x.execution_id
                    RETURNING 1)
                """);
            guards.Add("(SELECT count(*) FROM consumed) <> cardinality(@consumedIds)");
        }
        if (parts.HasFlag(Parts.History))
        {
            ctes.Add(
                """
                h AS (
                    -- The primary key (execution_id, sequence) is the last fence: a violation rolls the statement back.
                    INSERT INTO history (execution_id, sequence, type, timestamp, data)
                    SELECT e, s, ty, ts, CAST(d AS json) FROM unnest(@historyExecutions, @sequences, @types, @timestamps, @datas) AS x(e, s, ty, ts, d))
                """);
        }
        if (parts.HasFlag(Parts.Messages))
        {
            // A finished execution receives nothing more: its own new messages (and any sent to it in this batch) are not
            // inserted, where the one-by-one path deletes them after inserting them.
            var toTerminal = parts.HasFlag(Parts.Terminal) ? "AND x.e <> ALL(@terminalIds)" : "";
            ctes.Add(
                $"""
                m AS (
                    -- A message to an execution that does not exist (a purged parent) is dropped, as on the one-by-one path.
                    INSERT INTO inbox (execution_id, visible_at, data)
                    SELECT x.e, x.v, CAST(x.d AS json) FROM unnest(@messageExecutions, @visibleAts, @messageDatas) WITH ORDINALITY AS x(e, v, d, n)
                    WHERE x.e IN (SELECT id FROM executions WHERE id = ANY(@messageExecutions)) {toTerminal}
                    ORDER BY x.n)
                """);
        }
        if (parts.HasFlag(Parts.Terminal))
        {
            // One snapshot for all CTEs: rows the batch deletes itself are excluded (one statement must not delete a row twice).
            ctes.Add(
                (parts.HasFlag(Parts.Done)
                    ? "terminal_activities AS (DELETE FROM activities WHERE execution_id = ANY(@terminalIds) AND id <> ALL(@doneIds))"
                    : "terminal_activities AS (DELETE FROM activities WHERE execution_id = ANY(@terminalIds))"));
            ctes.Add(
                (parts.HasFlag(Parts.Consumed)
                    ? "terminal_inbox AS (DELETE FROM inbox WHERE execution_id = ANY(@terminalIds) AND id <> ALL(@consumedIds))"
                    : "terminal_inbox AS (DELETE FROM inbox WHERE execution_id = ANY(@terminalIds))"));
        }
        if (parts.HasFlag(Parts.Activities))
        {
            ctes.Add(
                """
                a AS (
                    -- The unique (execution_id, step_key, attempt) makes a re-enqueued attempt a no-op: no id comes back.
                    INSERT INTO activities (execution_id, org_id, step_key, node_id, node_type, attempt, input, timeout_ms,
                                            lease_owner, lease_expires, claim_count, created_at)
                    SELECT x.e, x.o, x.s, x.nid, x.nt, x.a, CAST(x.i AS json), x.t, x.lo, x.le, CASE WHEN x.lo IS NULL THEN 0 ELSE 1 END, @at
                    FROM unnest(@activityExecutions, @orgIds, @stepKeys, @nodeIds, @nodeTypes, @attempts, @inputs, @timeouts, @leaseOwners, @leaseExpires)
                         WITH ORDINALITY AS x(e, o, s, nid, nt, a, i, t, lo, le, n)
                    ORDER BY x.n
                    ON CONFLICT (execution_id, step_key, attempt) DO NOTHING
                    RETURNING id, execution_id, step_key, attempt)
                """);
        }
        ctes.Add($"guard AS (SELECT CASE WHEN {string.Join(" OR ", guards)} THEN flowforge_expect(-1, 0, 'the batch''s compare-and-set, completed activities or consumed messages') END AS checked)");
        var select = parts.HasFlag(Parts.Activities)
            ? "SELECT a.id, a.execution_id, a.step_key, a.attempt FROM guard LEFT JOIN a ON true"
            : "SELECT NULL::bigint, NULL::text, NULL::text, NULL::integer FROM guard";
        return "WITH " + string.Join(",\n", ctes) + "\n" + select;
    }

    /// <summary>The batch's rows, column by column: one array parameter per column.</summary>
    private sealed class BatchRows(int turns)
    {
        private readonly List<string> _ids = new(turns), _statuses = new(turns);
        private readonly List<long> _expected = new(turns), _newSequences = new(turns);
        private readonly List<string?> _outputs = new(turns), _errors = new(turns);
        private readonly List<bool> _terminals = new(turns);
        private readonly List<string> _terminalIds = [];
        private readonly List<long> _doneIds = [];
        private readonly HashSet<long> _doneSeen = [];
        private readonly List<string> _doneOwners = [], _doneExecutions = [];
        private readonly List<string> _consumedExecutions = [];
        private readonly List<long> _consumedIds = [];
        private readonly List<string> _historyExecutions = [], _types = [], _datas = [];
        private readonly List<long> _sequences = [];
        private readonly List<DateTime> _timestamps = [];
        private readonly List<string> _messageExecutions = [], _messageDatas = [];
        private readonly List<DateTime> _visibleAts = [];
        private readonly List<string> _activityExecutions = [], _orgIds = [], _stepKeys = [], _nodeIds = [], _nodeTypes = [];
        private readonly List<int> _attempts = [];
        private readonly List<string?> _inputs = [], _leaseOwners = [];
        private readonly List<long> _timeouts = [];
        private readonly List<DateTime?> _leaseExpires = [];

        public void Add(OrchestrationCommit commit, DateTimeOffset at)
        {
            var terminal = ExecutionStatus.IsTerminal(commit.Status);
            _ids.Add(commit.ExecutionId);
            _expected.Add(commit.ExpectedLastSequence);
            _newSequences.Add(commit.ExpectedLastSequence + commit.NewEvents.Count);
            _statuses.Add(commit.Status);
            _outputs.Add(StoredEvent.Json(commit.Output));
            _errors.Add(commit.Error);
            _terminals.Add(terminal);
            if (terminal) _terminalIds.Add(commit.ExecutionId);

            foreach (var done in commit.CompletedActivities ?? [])
            {
                if (!_doneSeen.Add(done.ActivityId)) continue; // one result per activity counts once, as DISTINCT did
                _doneIds.Add(done.ActivityId);
                _doneOwners.Add(done.LeaseOwner);
                _doneExecutions.Add(commit.ExecutionId);
            }
            foreach (var id in commit.ConsumedMessageIds.Distinct())
            {
                _consumedExecutions.Add(commit.ExecutionId);
                _consumedIds.Add(id);
            }
            var sequence = commit.ExpectedLastSequence;
            foreach (var e in commit.NewEvents)
            {
                var stamped = StoredEvent.Stamp(e, at);
                _historyExecutions.Add(commit.ExecutionId);
                _sequences.Add(++sequence);
                _types.Add(StoredEvent.TypeName(stamped));
                _timestamps.Add(PostgresValues.Timestamp(stamped.Timestamp).UtcDateTime);
                _datas.Add(StoredEvent.Serialize(stamped));
            }
            foreach (var m in commit.Messages ?? [])
            {
                _messageExecutions.Add(m.ExecutionId);
                _visibleAts.Add(PostgresValues.Timestamp(m.FireAt).UtcDateTime);
                _messageDatas.Add(StoredEvent.Serialize(StoredEvent.Stamp(m.Event, at)));
            }
            if (terminal) return; // a finished execution schedules nothing
            foreach (var a in commit.Activities ?? [])
            {
                _activityExecutions.Add(a.ExecutionId);
                _orgIds.Add(a.OrgId);
                _stepKeys.Add(a.StepKey);
                _nodeIds.Add(a.NodeId);
                _nodeTypes.Add(a.NodeType);
                _attempts.Add(a.Attempt);
                _inputs.Add(StoredEvent.Json(a.Input));
                _timeouts.Add((long)a.Timeout.TotalMilliseconds);
                _leaseOwners.Add(commit.ActivityLeaseOwner);
                _leaseExpires.Add(commit.ActivityLeaseOwner is null ? null : (at + a.Timeout + commit.ActivityLeaseGrace).UtcDateTime);
            }
        }

        /// <summary>The statement's shape: which tables this batch touches besides the execution rows.</summary>
        public Parts Parts =>
            (_doneIds.Count > 0 ? Parts.Done : 0) | (_consumedIds.Count > 0 ? Parts.Consumed : 0) | (_sequences.Count > 0 ? Parts.History : 0)
            | (_messageExecutions.Count > 0 ? Parts.Messages : 0) | (_terminalIds.Count > 0 ? Parts.Terminal : 0)
            | (_activityExecutions.Count > 0 ? Parts.Activities : 0);

        /// <summary>Binds the parameters the statement of <see cref="Parts"/> uses (no others: Npgsql would send them).</summary>
        public void Bind(NpgsqlParameterCollection p, string owner, DateTimeOffset at)
        {
            var parts = Parts;
            p.Add(new NpgsqlParameter("owner", NpgsqlDbType.Text) { Value = owner });
            p.Add(new NpgsqlParameter("at", NpgsqlDbType.TimestampTz) { Value = at });
            Array(p, "ids", _ids, NpgsqlDbType.Text);
            Array(p, "expected", _expected, NpgsqlDbType.Bigint);
            Array(p, "newSequences", _newSequences, NpgsqlDbType.Bigint);
            Array(p, "statuses", _statuses, NpgsqlDbType.Text);
            Array(p, "outputs", _outputs, NpgsqlDbType.Text);
            Array(p, "errors", _errors, NpgsqlDbType.Text);
            Array(p, "terminals", _terminals, NpgsqlDbType.Boolean);
            if (parts.HasFlag(Parts.Terminal)) Array(p, "terminalIds", _terminalIds, NpgsqlDbType.Text);
            if (parts.HasFlag(Parts.Done))
            {
                Array(p, "doneIds", _doneIds, NpgsqlDbType.Bigint);
                Array(p, "doneOwners", _doneOwners, NpgsqlDbType.Text);
                Array(p, "doneExecutions", _doneExecutions, NpgsqlDbType.Text);
            }
            if (parts.HasFlag(Parts.Consumed))
            {
                Array(p, "consumedExecutions", _consumedExecutions, NpgsqlDbType.Text);
                Array(p, "consumedIds", _consumedIds, NpgsqlDbType.Bigint);
            }
            if (parts.HasFlag(Parts.History))
            {
                Array(p, "historyExecutions", _historyExecutions, NpgsqlDbType.Text);
                Array(p, "sequences", _sequences, NpgsqlDbType.Bigint);
                Array(p, "types", _types, NpgsqlDbType.Text);
                Array(p, "timestamps", _timestamps, NpgsqlDbType.TimestampTz);
                Array(p, "datas", _datas, NpgsqlDbType.Text);
            }
            if (parts.HasFlag(Parts.Messages))
            {
                Array(p, "messageExecutions", _messageExecutions, NpgsqlDbType.Text);
                Array(p, "visibleAts", _visibleAts, NpgsqlDbType.TimestampTz);
                Array(p, "messageDatas", _messageDatas, NpgsqlDbType.Text);
            }
            if (parts.HasFlag(Parts.Activities))
            {
                Array(p, "activityExecutions", _activityExecutions, NpgsqlDbType.Text);
                Array(p, "orgIds", _orgIds, NpgsqlDbType.Text);
                Array(p, "stepKeys", _stepKeys, NpgsqlDbType.Text);
                Array(p, "nodeIds", _nodeIds, NpgsqlDbType.Text);
                Array(p, "nodeTypes", _nodeTypes, NpgsqlDbType.Text);
                Array(p, "attempts", _attempts, NpgsqlDbType.Integer);
                Array(p, "inputs", _inputs, NpgsqlDbType.Text);
                Array(p, "timeouts", _timeouts, NpgsqlDbType.Bigint);
                Array(p, "leaseOwners", _leaseOwners, NpgsqlDbType.Text);
                Array(p, "leaseExpires", _leaseExpires, NpgsqlDbType.TimestampTz);
            }
        }

        private static void Array<T>(NpgsqlParameterCollection p, string name, List<T> values, NpgsqlDbType type) =>
            p.Add(new NpgsqlParameter(name, NpgsqlDbType.Array | type) { Value = values });
    }
}
