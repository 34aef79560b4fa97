using Dapper;
using FlowForge.Core.Storage;

namespace FlowForge.Storage;

/// <summary>
/// Trigger endpoints, schedule state and the trigger event log, for every relational backend. A publish
/// replaces a workflow's endpoints in one transaction serialized on the workflow; schedule ticks move by
/// compare-and-set on <c>next_fire_at</c>; dedup keys are a partial unique index.
/// </summary>
/// <param name="db">The migrated database.</param>
/// <param name="timeProvider">The clock for update times. Defaults to the system clock.</param>
public abstract class TriggerStore(IRelationalDatabase db, TimeProvider? timeProvider) : ITriggerStore
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;
    private readonly ISqlDialect _sql = db.Dialect;

    private const string Columns =
        """
        id, org_id AS OrgId, workflow_id AS WorkflowId, step_id AS StepId, type, endpoint_key AS EndpointKey, auth, config,
        secret, previous_secret AS PreviousSecret, previous_expires_at AS PreviousExpiresAt, active, schedule_key AS ScheduleKey,
        next_fire_at AS NextFireAt, last_fire_at AS LastFireAt, created_at AS CreatedAt
        """;

    private const string EventColumns =
        "id, org_id AS OrgId, workflow_id AS WorkflowId, step_id AS StepId, type, outcome, dedup_key AS DedupKey, execution_id AS ExecutionId, detail, created_at AS CreatedAt";

    public async Task<IReadOnlyList<TriggerEndpoint>> ListForWorkflowAsync(string orgId, string workflowId, CancellationToken ct = default)
    {
        await using var c = await db.OpenConnectionAsync(ct);
        var rows = await c.QueryAsync<EndpointRow>(new CommandDefinition(
            $"SELECT {Columns} FROM trigger_endpoints WHERE org_id = @orgId AND workflow_id = @workflowId ORDER BY {_sql.ByteOrder("step_id")}",
            new { orgId, workflowId }, cancellationToken: ct));
        return [.. rows.Select(ToRecord)];
    }

    public async Task ReplaceActiveAsync(string orgId, string workflowId, IReadOnlyList<TriggerEndpoint> endpoints, CancellationToken ct = default)
    {
        await using var c = await db.OpenConnectionAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        var now = _sql.Now(_time);
        // Two publishes of one workflow would otherwise lock its endpoint rows in different orders (deactivate, then
        // upsert step by step): serialize them on the workflow instead. Released at commit or rollback.
        if (_sql.TransactionLock("@lockKey") is { } lockSql)
        {
            await c.ExecuteAsync(new CommandDefinition(lockSql, new { lockKey = "flowforge.triggers:" + workflowId }, tx, cancellationToken: ct));
        }
        await c.ExecuteAsync(new CommandDefinition(
            $"UPDATE trigger_endpoints SET active = {_sql.False}, updated_at = @now WHERE org_id = @orgId AND workflow_id = @workflowId AND active = {_sql.True}",
            new { orgId, workflowId, now }, tx, cancellationToken: ct));
        foreach (var e in endpoints)
        {
            await c.ExecuteAsync(new CommandDefinition(
                $"""
                INSERT INTO trigger_endpoints (id, org_id, workflow_id, step_id, type, endpoint_key, auth, config, secret, previous_secret,
                    previous_expires_at, active, schedule_key, next_fire_at, last_fire_at, created_at, updated_at)
                VALUES (@Id, @OrgId, @WorkflowId, @StepId, @Type, @EndpointKey, @Auth, {_sql.Json("@Config")}, @Secret, @PreviousSecret,
                    @PreviousExpiresAt, {_sql.True}, @ScheduleKey, @NextFireAt, @LastFireAt, @CreatedAt, @now)
                ON CONFLICT (workflow_id, step_id) DO UPDATE SET
                    type = excluded.type, endpoint_key = excluded.endpoint_key, auth = excluded.auth, config = excluded.config,
                    secret = excluded.secret, previous_secret = excluded.previous_secret, previous_expires_at = excluded.previous_expires_at,
                    active = {_sql.True}, schedule_key = excluded.schedule_key, next_fire_at = excluded.next_fire_at, updated_at = excluded.updated_at
                """,
                new
                {
                    e.Id, OrgId = orgId, WorkflowId = workflowId, e.StepId, e.Type, e.EndpointKey, e.Auth,
                    Config = e.Config?.ToJsonString(), e.Secret, e.PreviousSecret,
                    PreviousExpiresAt = _sql.Timestamp(e.PreviousExpiresAt), e.ScheduleKey,
                    NextFireAt = _sql.Timestamp(e.NextFireAt), LastFireAt = _sql.Timestamp(e.LastFireAt),
                    CreatedAt = _sql.Timestamp(e.CreatedAt), now,
                }, tx, cancellationToken: ct));
        }
        await tx.CommitAsync(ct);
    }

    public async Task<TriggerEndpoint?> FindByKeyAsync(string endpointKey, CancellationToken ct = default)
    {
        await using var c = await db.OpenConnectionAsync(ct);
        var row = await c.QuerySingleOrDefaultAsync<EndpointRow>(new CommandDefinition(
            $"SELECT {Columns} FROM trigger_endpoints WHERE endpoint_key = @endpointKey AND active = {_sql.True}",
            new { endpointKey }, cancellationToken: ct));
        return row is null ? null : ToRecord(row);
    }

    public async Task<IReadOnlyList<TriggerEndpoint>> ListActiveByTypeAsync(string type, CancellationToken ct = default)
    {
        await using var c = await db.OpenConnectionAsync(ct);
        var rows = await c.QueryAsync<EndpointRow>(new CommandDefinition(
            $"""
            SELECT {Columns} FROM trigger_endpoints WHERE type = @type AND active = {_sql.True}
            ORDER BY {_sql.ByteOrder("org_id")}, {_sql.ByteOrder("workflow_id")}, {_sql.ByteOrder("step_id")}
            """,
            new { type }, cancellationToken: ct));
        return [.. rows.Select(ToRecord)];
    }

    public async Task<bool> RotateSecretAsync(string orgId, string workflowId, string stepId, string secret, string? previousSecret,
        DateTimeOffset? previousExpiresAt, CancellationToken ct = default)
    {
        await using var c = await db.OpenConnectionAsync(ct);
        return await c.ExecuteAsync(new CommandDefinition(
            $"""
            UPDATE trigger_endpoints SET secret = @secret, previous_secret = @previousSecret, previous_expires_at = @expires, updated_at = @now
            WHERE org_id = @orgId AND workflow_id = @workflowId AND step_id = @stepId AND active = {_sql.True}
            """,
            new { orgId, workflowId, stepId, secret, previousSecret, expires = _sql.Timestamp(previousExpiresAt), now = _sql.Now(_time) },
            cancellationToken: ct)) > 0;
    }

    public async Task<IReadOnlyList<TriggerEndpoint>> ListDueSchedulesAsync(DateTimeOffset now, int max, CancellationToken ct = default)
    {
        await using var c = await db.OpenConnectionAsync(ct);
        // The WHERE repeats the due index's predicate (ix_trigger_endpoints_due) so the planner can use it.
        var rows = await c.QueryAsync<EndpointRow>(new CommandDefinition(
            $"SELECT {Columns} FROM trigger_endpoints WHERE active = {_sql.True} AND next_fire_at IS NOT NULL AND next_fire_at <= @now ORDER BY next_fire_at LIMIT @max",
            new { now = _sql.Timestamp(now), max }, cancellationToken: ct));
        return [.. rows.Select(ToRecord)];
    }

    public async Task<bool> AdvanceScheduleAsync(string id, DateTimeOffset expectedNext, DateTimeOffset? next, DateTimeOffset? fired, CancellationToken ct = default)
    {
        await using var c = await db.OpenConnectionAsync(ct);
        // Compare-and-set: a concurrent advance of the same tick waits for the row lock (PostgreSQL; SQLite's single
        // writer for the database), re-checks next_fire_at against the committed value and updates nothing.
        return await c.ExecuteAsync(new CommandDefinition(
            """
            UPDATE trigger_endpoints SET next_fire_at = @next, last_fire_at = COALESCE(@fired, last_fire_at), updated_at = @now
            WHERE id = @id AND next_fire_at = @expected
            """,
            new { id, expected = _sql.Timestamp(expectedNext), next = _sql.Timestamp(next), fired = _sql.Timestamp(fired), now = _sql.Now(_time) },
            cancellationToken: ct)) > 0;
    }

    public async Task<TriggerEventRecord?> FindEventAsync(string orgId, string workflowId, string stepId, string dedupKey, CancellationToken ct = default)
    {
        await using var c = await db.OpenConnectionAsync(ct);
        var row = await c.QuerySingleOrDefaultAsync<EventRow>(new CommandDefinition(
            $"SELECT {EventColumns} FROM trigger_events WHERE org_id = @orgId AND workflow_id = @workflowId AND step_id = @stepId AND dedup_key = @dedupKey",
            new { orgId, workflowId, stepId, dedupKey }, cancellationToken: ct));
        return row is null ? null : ToRecord(row);
    }

    public async Task<bool> RecordEventAsync(TriggerEventRecord record, CancellationToken ct = default)
    {
        await using var c = await db.OpenConnectionAsync(ct);
        // No conflict target: the only unique index besides the id is the partial dedup index.
        return await c.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO trigger_events (org_id, workflow_id, step_id, type, outcome, dedup_key, execution_id, detail, created_at)
            VALUES (@OrgId, @WorkflowId, @StepId, @Type, @Outcome, @DedupKey, @ExecutionId, @Detail, @CreatedAt)
            ON CONFLICT DO NOTHING
            """,
            new { record.OrgId, record.WorkflowId, record.StepId, record.Type, record.Outcome, record.DedupKey, record.ExecutionId, record.Detail, CreatedAt = _sql.Timestamp(record.CreatedAt) },
            cancellationToken: ct)) > 0;
    }

    public async Task<int> PurgeEventsBeforeAsync(DateTimeOffset cutoff, int max, CancellationToken ct = default)
    {
        await using var c = await db.OpenConnectionAsync(ct);
        return await c.ExecuteAsync(new CommandDefinition(
            "DELETE FROM trigger_events WHERE id IN (SELECT id FROM trigger_events WHERE created_at < @cutoff ORDER BY created_at LIMIT @max)",
            new { cutoff = _sql.Timestamp(cutoff), max }, cancellationToken: ct));
    }

    public async Task<IReadOnlyList<TriggerCounts>> CountEventsAsync(string orgId, string workflowId, CancellationToken ct = default)
    {
        await using var c = await db.OpenConnectionAsync(ct);
        var rows = await c.QueryAsync<(string StepId, long Accepted, long Filtered, long Duplicates, long Skipped, long Refused)>(new CommandDefinition(
            $"""
            SELECT step_id,
                   COUNT(*) FILTER (WHERE outcome = 'accepted'), COUNT(*) FILTER (WHERE outcome = 'filtered'),
                   COUNT(*) FILTER (WHERE outcome = 'duplicate'), COUNT(*) FILTER (WHERE outcome = 'skipped'),
                   COUNT(*) FILTER (WHERE outcome = 'refused')
            FROM trigger_events WHERE org_id = @orgId AND workflow_id = @workflowId GROUP BY step_id ORDER BY {_sql.ByteOrder("step_id")}
            """,
            new { orgId, workflowId }, cancellationToken: ct));
        return [.. rows.Select(r => new TriggerCounts(r.StepId, (int)r.Accepted, (int)r.Filtered, (int)r.Duplicates, (int)r.Skipped, (int)r.Refused))];
    }

    public async Task<IReadOnlyList<TriggerEventRecord>> ListEventsAsync(string orgId, string workflowId, int limit, CancellationToken ct = default)
    {
        await using var c = await db.OpenConnectionAsync(ct);
        var rows = await c.QueryAsync<EventRow>(new CommandDefinition(
            $"SELECT {EventColumns} FROM trigger_events WHERE org_id = @orgId AND workflow_id = @workflowId ORDER BY id DESC LIMIT @limit",
            new { orgId, workflowId, limit }, cancellationToken: ct));
        return [.. rows.Select(ToRecord)];
    }

    private TriggerEndpoint ToRecord(EndpointRow r) => new(
        r.Id, r.OrgId, r.WorkflowId, r.StepId, r.Type, r.EndpointKey, r.Auth, StoredEvent.ParseJson(r.Config), r.Secret, r.PreviousSecret,
        _sql.ReadTimestampOrNull(r.PreviousExpiresAt), r.Active, r.ScheduleKey, _sql.ReadTimestampOrNull(r.NextFireAt),
        _sql.ReadTimestampOrNull(r.LastFireAt), _sql.ReadTimestamp(r.CreatedAt));

    private TriggerEventRecord ToRecord(EventRow r) => new(
        r.Id, r.OrgId, r.WorkflowId, r.StepId, r.Type, r.Outcome, r.DedupKey, r.ExecutionId, r.Detail, _sql.ReadTimestamp(r.CreatedAt));

    private sealed class EndpointRow
    {
        public string Id { get; set; } = "";
        public string OrgId { get; set; } = "";
        public string WorkflowId { get; set; } = "";
        public string StepId { get; set; } = "";
        public string Type { get; set; } = "";
        public string? EndpointKey { get; set; }
        public string Auth { get; set; } = "";
        public string? Config { get; set; }
        public string? Secret { get; set; }
        public string? PreviousSecret { get; set; }
        public object? PreviousExpiresAt { get; set; }

        /// <summary>A boolean column in PostgreSQL, 0 or 1 in SQLite: Dapper converts either.</summary>
        public bool Active { get; set; }

        public string? ScheduleKey { get; set; }
        public object? NextFireAt { get; set; }
        public object? LastFireAt { get; set; }
        public object CreatedAt { get; set; } = null!;
    }

    private sealed class EventRow
    {
        public long Id { get; set; }
        public string OrgId { get; set; } = "";
        public string WorkflowId { get; set; } = "";
        public string StepId { get; set; } = "";
        public string Type { get; set; } = "";
        public string Outcome { get; set; } = "";
        public string? DedupKey { get; set; }
        public string? ExecutionId { get; set; }
        public string? Detail { get; set; }
        public object CreatedAt { get; set; } = null!;
    }
}
