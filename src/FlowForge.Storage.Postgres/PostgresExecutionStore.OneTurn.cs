using FlowForge.Core.Engine.History;
using FlowForge.Core.Storage;
using Npgsql;
using NpgsqlTypes;

namespace FlowForge.Storage.Postgres;

// A group commit of one turn (every step of a sequential run at low load) in a statement of plain values.
public sealed partial class PostgresExecutionStore
{
    /// <summary>The most history events and new activities a one-turn statement takes; a bigger turn goes set-based.</summary>
    private const int OneTurnMaxRows = 4;

    private long _batchesOfOneTurn;

    /// <summary>Group commits of a single turn written as plain values (tests read it; they also count as in one statement).</summary>
    internal long OneTurnCommits => Interlocked.Read(ref _batchesOfOneTurn);

    /// <summary>
    /// Whether <paramref name="commit"/> alone fits the one-turn statement: no messages, at most one consumed message and
    /// one completed activity, at most <see cref="OneTurnMaxRows"/> history events and new activities. The set-based
    /// statement handles the rest; both write the same rows and check the same counts.
    /// </summary>
    /// <remarks>
    /// Measured on the peer-bench PostgreSQL (bench/README, 2026-11-30): a hello turn 0.36–0.38 ms p50 as plain values
    /// against 0.44–0.47 ms through the arrays, whose function scans and joins PostgreSQL runs even for one row.
    /// </remarks>
    private static bool FitsOneTurn(OrchestrationCommit commit) =>
        commit.Messages is not { Count: > 0 }
        && commit.ConsumedMessageIds.Distinct().Count() <= 1
        && (commit.CompletedActivities?.Select(a => a.ActivityId).Distinct().Count() ?? 0) <= 1
        && commit.NewEvents.Count <= OneTurnMaxRows
        && (ExecutionStatus.IsTerminal(commit.Status) || (commit.Activities?.Count ?? 0) <= OneTurnMaxRows);

    /// <summary>The shape of a one-turn statement: counts of history rows and activities, and which parts it has.</summary>
    private readonly record struct OneTurnShape(int Events, int Activities, bool Done, bool Consumed, bool Terminal)
    {
        public int Key => Events | Activities << 3 | (Done ? 1 << 6 : 0) | (Consumed ? 1 << 7 : 0) | (Terminal ? 1 << 8 : 0);
    }

    private static readonly string?[] OneTurnStatements = new string?[1 << 9];

    private static OneTurnShape ShapeOf(OrchestrationCommit commit)
    {
        var terminal = ExecutionStatus.IsTerminal(commit.Status);
        return new OneTurnShape(commit.NewEvents.Count, terminal ? 0 : commit.Activities?.Count ?? 0,
            commit.CompletedActivities is { Count: > 0 }, commit.ConsumedMessageIds.Count > 0, terminal);
    }

    /// <summary>The one-turn statement: the set-based one's CTEs (see <see cref="BuildCommitSql"/>) for one execution row.</summary>
    private static string OneTurnSql(OneTurnShape shape) => OneTurnStatements[shape.Key] ??= BuildOneTurnSql(shape);

    private static string BuildOneTurnSql(OneTurnShape shape)
    {
        var ctes = new List<string>
        {
            $"""
            u AS (
                UPDATE executions SET
                    status = @status, output = CAST(@output AS json), error = @error, updated_at = @at, last_sequence = @newSequence,
                    completed_at = {(shape.Terminal ? "COALESCE(completed_at, @at)" : "NULL")},
                    lock_owner = CASE WHEN lock_owner IS NULL OR lock_owner = @owner THEN NULL ELSE lock_owner END,
                    lock_expires = CASE WHEN lock_owner IS NULL OR lock_owner = @owner THEN NULL ELSE lock_expires END
                WHERE id = @id AND last_sequence = @expected
                RETURNING 1)
            """,
        };
        var guards = new List<string> { "(SELECT count(*) FROM u) <> 1" };
        if (shape.Done)
        {
            ctes.Add("done AS (DELETE FROM activities WHERE id = @doneId AND lease_owner = @doneOwner AND execution_id = @id RETURNING 1)");
            guards.Add("(SELECT count(*) FROM done) <> 1");
        }
        if (shape.Consumed)
        {
            ctes.Add("consumed AS (DELETE FROM inbox WHERE id = @consumedId AND execution_id = @id RETURNING 1)");
            guards.Add("(SELECT count(*) FROM consumed) <> 1");
        }
        if (shape.Events > 0)
        {
            var values = Enumerable.Range(0, shape.Events).Select(i => $"(@id, @expected + {i + 1}, @type{i}, @timestamp{i}, CAST(@data{i} AS json))");
            ctes.Add($"h AS (INSERT INTO history (execution_id, sequence, type, timestamp, data) VALUES {string.Join(", ", values)})");
        }
        if (shape.Terminal)
        {
            ctes.Add(shape.Done
                ? "terminal_activities AS (DELETE FROM activities WHERE execution_id = @id AND id <> @doneId)"
                : "terminal_activities AS (DELETE FROM activities WHERE execution_id = @id)");
            ctes.Add(shape.Consumed
                ? "terminal_inbox AS (DELETE FROM inbox WHERE execution_id = @id AND id <> @consumedId)"
                : "terminal_inbox AS (DELETE FROM inbox WHERE execution_id = @id)");
        }
        if (shape.Activities > 0)
        {
            var values = Enumerable.Range(0, shape.Activities).Select(i =>
                $"(@activityExecution{i}, @org{i}, @stepKey{i}, @nodeId{i}, @nodeType{i}, @attempt{i}, CAST(@input{i} AS json), @timeout{i}, @leaseOwner{i}, @leaseExpires{i}, @claims{i}, @at)");
            ctes.Add(
                $"""
                a AS (
                    INSERT INTO activities (execution_id, org_id, step_key, node_id, node_type, attempt, input, timeout_ms,
                                            lease_owner, lease_expires, claim_count, created_at)
                    VALUES {string.Join(",\n           ", values)}
                    ON CONFLICT (execution_id, step_key, attempt) DO NOTHING
                    RETURNING id, execution_id, step_key, attempt)
                """);
        }
        ctes.Add($"guard AS (SELECT CASE WHEN {string.Join(" OR ", guards)} THEN flowforge_expect(-1, 0, 'the turn''s compare-and-set, completed activity or consumed message') END AS checked)");
        var select = shape.Activities > 0
            ? "SELECT a.id, a.execution_id, a.step_key, a.attempt FROM guard LEFT JOIN a ON true"
            : "SELECT NULL::bigint, NULL::text, NULL::text, NULL::integer FROM guard";
        return "WITH " + string.Join(",\n", ctes) + "\n" + select;
    }

    /// <summary>A parameter of a plain-values statement, typed (a null value still has its column's type).</summary>
    private static void AddValue(NpgsqlParameterCollection p, string name, NpgsqlDbType type, object? value) =>
        p.Add(new NpgsqlParameter(name, type) { Value = value ?? DBNull.Value });

    /// <summary>A turn's history events as <c>@type{i}</c>, <c>@timestamp{i}</c> and <c>@data{i}</c>, stamped as the set-based commit stamps them.</summary>
    private static void AddEvents(NpgsqlParameterCollection p, IReadOnlyList<HistoryEvent> events, DateTimeOffset at)
    {
        for (var i = 0; i < events.Count; i++)
        {
            var stamped = StoredEvent.Stamp(events[i], at);
            AddValue(p, $"type{i}", NpgsqlDbType.Text, StoredEvent.TypeName(stamped));
            AddValue(p, $"timestamp{i}", NpgsqlDbType.TimestampTz, PostgresValues.Timestamp(stamped.Timestamp));
            AddValue(p, $"data{i}", NpgsqlDbType.Text, StoredEvent.Serialize(stamped));
        }
    }

    /// <summary>Binds a one-turn statement's values, as <see cref="BatchRows.Add"/> computes them for the set-based one.</summary>
    private static void BindOneTurn(NpgsqlParameterCollection p, OneTurnShape shape, OrchestrationCommit commit, string owner, DateTimeOffset at)
    {
        void Add(string name, NpgsqlDbType type, object? value) => AddValue(p, name, type, value);

        Add("owner", NpgsqlDbType.Text, owner);
        Add("at", NpgsqlDbType.TimestampTz, at);
        Add("id", NpgsqlDbType.Text, commit.ExecutionId);
        Add("expected", NpgsqlDbType.Bigint, commit.ExpectedLastSequence);
        Add("newSequence", NpgsqlDbType.Bigint, commit.ExpectedLastSequence + commit.NewEvents.Count);
        Add("status", NpgsqlDbType.Text, commit.Status);
        Add("output", NpgsqlDbType.Text, StoredEvent.Json(commit.Output));
        Add("error", NpgsqlDbType.Text, commit.Error);
        if (shape.Done)
        {
            var done = commit.CompletedActivities![0];
            Add("doneId", NpgsqlDbType.Bigint, done.ActivityId);
            Add("doneOwner", NpgsqlDbType.Text, done.LeaseOwner);
        }
        if (shape.Consumed) Add("consumedId", NpgsqlDbType.Bigint, commit.ConsumedMessageIds[0]);
        AddEvents(p, commit.NewEvents, at);
        for (var i = 0; i < shape.Activities; i++)
        {
            var a = commit.Activities![i];
            var leased = commit.ActivityLeaseOwner is not null;
            Add($"activityExecution{i}", NpgsqlDbType.Text, a.ExecutionId);
            Add($"org{i}", NpgsqlDbType.Text, a.OrgId);
            Add($"stepKey{i}", NpgsqlDbType.Text, a.StepKey);
            Add($"nodeId{i}", NpgsqlDbType.Text, a.NodeId);
            Add($"nodeType{i}", NpgsqlDbType.Text, a.NodeType);
            Add($"attempt{i}", NpgsqlDbType.Integer, a.Attempt);
            Add($"input{i}", NpgsqlDbType.Text, StoredEvent.Json(a.Input));
            Add($"timeout{i}", NpgsqlDbType.Bigint, (long)a.Timeout.TotalMilliseconds);
            Add($"leaseOwner{i}", NpgsqlDbType.Text, commit.ActivityLeaseOwner);
            Add($"leaseExpires{i}", NpgsqlDbType.TimestampTz, leased ? at + a.Timeout + commit.ActivityLeaseGrace : null);
            Add($"claims{i}", NpgsqlDbType.Integer, leased ? 1 : 0);
        }
    }
}
