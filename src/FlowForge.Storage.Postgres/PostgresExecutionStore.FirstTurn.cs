using Dapper;
using FlowForge.Core.Storage;
using Npgsql;
using NpgsqlTypes;

namespace FlowForge.Storage.Postgres;

// A start written with its first turn: one statement and one commit where a start and the dispatcher's first turn took two.
public sealed partial class PostgresExecutionStore
{
    /// <summary>The most history events and activities a first turn written with its start may have; a bigger one is left to the dispatcher.</summary>
    private const int FirstTurnMaxRows = 8;

    private long _startsWithFirstTurn;

    /// <summary>Starts that wrote their first turn in their own statement (tests read it).</summary>
    internal long StartsWithFirstTurn => Interlocked.Read(ref _startsWithFirstTurn);

    /// <inheritdoc />
    /// <remarks>When no batch of starts is being written: a start made now is likely alone in the next one.</remarks>
    public bool LikelyWritesFirstTurn => Volatile.Read(ref _draining) == 0;

    /// <summary>Whether a start alone in its batch is written with its first turn: the turn fits and is small (the statement is per shape).</summary>
    private static bool TakesFirstTurn(NewExecution e) =>
        e.HasFirstTurnToTake && e.FirstTurn!.NewEvents.Count <= FirstTurnMaxRows
        && (ExecutionStatus.IsTerminal(e.FirstTurn.Status) || (e.FirstTurn.Activities?.Count ?? 0) <= FirstTurnMaxRows);

    private static readonly string?[] FirstTurnStatements = new string?[2 * 16 * 16];

    /// <summary>
    /// The statement for a first turn of <paramref name="events"/> history events and <paramref name="activities"/> new activities:
    /// the execution row as the turn leaves it, its history and its activities, all from the one row the insert returns, so an
    /// idempotency key already used, or a version no longer published, writes nothing at all (and returns no row).
    /// </summary>
    private static string FirstTurnSql(int events, int activities, bool terminal) =>
        FirstTurnStatements[(terminal ? 256 : 0) | events << 4 | activities] ??= BuildFirstTurnSql(events, activities, terminal);

    private static string BuildFirstTurnSql(int events, int activities, bool terminal)
    {
        var ctes = new List<string>
        {
            $"""
            ins AS (
                INSERT INTO executions (id, org_id, workflow_id, version, status, trigger_data, output, error, parent_execution_id, parent_step_key,
                                        retry_of, idempotency_key, created_at, updated_at, completed_at, last_sequence)
                SELECT @id, @org, @workflow, @version, @status, CAST(@triggerData AS json), CAST(@output AS json), @error, @parentId, @parentStepKey,
                       @retryOf, @key, @at, @at, {(terminal ? "@at" : "NULL")}, {events}
                WHERE NOT @requirePublished OR {PublishedCheck("@org", "@workflow", "@version")}
                ON CONFLICT (org_id, idempotency_key) DO NOTHING
                RETURNING {SelectColumns})
            """,
            $"""
            h AS (
                INSERT INTO history (execution_id, sequence, type, timestamp, data)
                SELECT ins.id, v.sequence, v.type, v.timestamp, CAST(v.data AS json)
                FROM ins, (VALUES {string.Join(", ", Enumerable.Range(0, events).Select(i => $"({i + 1}, @type{i}, @timestamp{i}, @data{i})"))})
                    AS v(sequence, type, timestamp, data))
            """,
        };
        if (activities > 0)
        {
            var values = Enumerable.Range(0, activities).Select(i =>
                $"(@stepKey{i}, @nodeId{i}, @nodeType{i}, @attempt{i}, @input{i}, @timeout{i}, @leaseExpires{i})");
            ctes.Add(
                $"""
                a AS (
                    INSERT INTO activities (execution_id, org_id, step_key, node_id, node_type, attempt, input, timeout_ms,
                                            lease_owner, lease_expires, claim_count, created_at)
                    SELECT ins.id, ins.OrgId, v.step_key, v.node_id, v.node_type, v.attempt, CAST(v.input AS json), v.timeout_ms,
                           @leaseOwner, v.lease_expires, @claims, @at
                    FROM ins, (VALUES {string.Join(", ", values)}) AS v(step_key, node_id, node_type, attempt, input, timeout_ms, lease_expires)
                    RETURNING id, step_key, attempt)
                """);
        }
        var select = activities > 0
            ? "SELECT ins.*, a.id AS ActivityId, a.step_key AS ActivityStepKey, a.attempt AS ActivityAttempt FROM ins LEFT JOIN a ON true"
            : "SELECT ins.* FROM ins";
        return "WITH " + string.Join(",\n", ctes) + "\n" + select;
    }

    /// <summary>
    /// Writes a start with its first turn (<see cref="TakesFirstTurn"/>) in one statement; null when nothing was written: the
    /// organisation already used its idempotency key, or its version is not the published one (<see cref="NewExecution.RequirePublishedVersion"/>).
    /// The caller then starts it as any start, which tells the two apart.
    /// </summary>
    private async Task<StartResult?> StartWithFirstTurnAsync(NewExecution e)
    {
        var turn = e.FirstTurn!;
        var terminal = ExecutionStatus.IsTerminal(turn.Status);
        var activities = terminal ? [] : turn.Activities ?? [];
        var leased = turn.ActivityLeaseOwner is not null;
        var now = PostgresValues.Now(_time);

        await using var c = await db.OpenEngineAsync();
        await using var command = new NpgsqlCommand(FirstTurnSql(turn.NewEvents.Count, activities.Count, terminal), c);
        var p = command.Parameters;
        void Add(string name, NpgsqlDbType type, object? value) => AddValue(p, name, type, value);

        Add("id", NpgsqlDbType.Text, e.Id);
        Add("org", NpgsqlDbType.Text, e.OrgId);
        Add("workflow", NpgsqlDbType.Text, e.WorkflowId);
        Add("version", NpgsqlDbType.Integer, e.Version);
        Add("status", NpgsqlDbType.Text, turn.Status);
        Add("triggerData", NpgsqlDbType.Text, StoredEvent.Json(e.TriggerData));
        Add("output", NpgsqlDbType.Text, StoredEvent.Json(turn.Output));
        Add("error", NpgsqlDbType.Text, turn.Error);
        Add("parentId", NpgsqlDbType.Text, e.ParentExecutionId);
        Add("parentStepKey", NpgsqlDbType.Text, e.ParentStepKey);
        Add("retryOf", NpgsqlDbType.Text, e.RetryOf);
        Add("key", NpgsqlDbType.Text, e.IdempotencyKey);
        Add("at", NpgsqlDbType.TimestampTz, now);
        Add("requirePublished", NpgsqlDbType.Boolean, e.RequirePublishedVersion);
        AddEvents(p, turn.NewEvents, now);
        if (activities.Count > 0)
        {
            Add("leaseOwner", NpgsqlDbType.Text, turn.ActivityLeaseOwner);
            Add("claims", NpgsqlDbType.Integer, leased ? 1 : 0);
        }
        for (var i = 0; i < activities.Count; i++)
        {
            var a = activities[i];
            Add($"stepKey{i}", NpgsqlDbType.Text, a.StepKey);
            Add($"nodeId{i}", NpgsqlDbType.Text, a.NodeId);
            Add($"nodeType{i}", NpgsqlDbType.Text, a.NodeType);
            Add($"attempt{i}", NpgsqlDbType.Integer, a.Attempt);
            Add($"input{i}", NpgsqlDbType.Text, StoredEvent.Json(a.Input));
            Add($"timeout{i}", NpgsqlDbType.Bigint, (long)a.Timeout.TotalMilliseconds);
            Add($"leaseExpires{i}", NpgsqlDbType.TimestampTz, leased ? now + a.Timeout + turn.ActivityLeaseGrace : null);
        }

        ExecutionRow? row = null;
        var ids = new Dictionary<(string StepKey, int Attempt), long>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            var parse = reader.GetRowParser<FirstTurnRow>();
            while (await reader.ReadAsync())
            {
                var read = parse(reader);
                row ??= read;
                if (read.ActivityId is { } id) ids[(read.ActivityStepKey!, read.ActivityAttempt!.Value)] = id;
            }
        }
        if (row is null) return null;
        Interlocked.Increment(ref _startsWithFirstTurn);
        _feed?.Committed(e.Id, 1, turn.NewEvents.Count, _time.GetUtcNow());

        var work = leased
            ? activities.Select(a => new ActivityWorkItem(ids[(a.StepKey, a.Attempt)], a, 1, now + a.Timeout + turn.ActivityLeaseGrace)).ToList()
            : [];
        return new StartResult(row.ToRecord(), false, FirstTurn: new CommitResult(CommitOutcome.Committed, work));
    }

    /// <summary>The new execution's row, with one of its new activities per row (none when the turn has none).</summary>
    private sealed class FirstTurnRow : ExecutionRow
    {
        public long? ActivityId { get; set; }
        public string? ActivityStepKey { get; set; }
        public int? ActivityAttempt { get; set; }
    }
}
