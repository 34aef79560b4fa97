using Dapper;
using FlowForge.Core.Storage;

namespace FlowForge.Storage.Postgres;

/// <summary>
/// Trigger endpoints, schedule state and the trigger event log (migration 0003). A publish replaces a
/// workflow's endpoints under a transaction-scoped advisory lock on the workflow; schedule ticks move by
/// compare-and-set on <c>next_fire_at</c>; dedup keys are a partial unique index.
/// </summary>
public sealed class PostgresTriggerStore(PostgresDatabase db, TimeProvider? timeProvider = null) : ITriggerStore
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

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
        await using var c = await db.OpenAsync(ct);
        var rows = await c.QueryAsync<EndpointRow>(new CommandDefinition(
            $"SELECT {Columns} FROM trigger_endpoints WHERE org_id = @orgId AND workflow_id = @workflowId ORDER BY step_id COLLATE \"C\"",
            new { orgId, workflowId }, cancellationToken: ct));
        return [.. rows.Select(r => r.ToRecord())];
    }

    public async Task ReplaceActiveAsync(string orgId, string workflowId, IReadOnlyList<TriggerEndpoint> endpoints, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        var now = PostgresValues.Now(_time);
        // Two publishes of one workflow would otherwise lock its endpoint rows in different orders (deactivate, then
        // upsert step by step): serialize them on the workflow instead. Released at commit or rollback.
        await c.ExecuteAsync(new CommandDefinition(
            "SELECT pg_advisory_xact_lock(hashtext('flowforge.triggers:' || @workflowId))", new { workflowId }, tx, cancellationToken: ct));
        await c.ExecuteAsync(new CommandDefinition(
            "UPDATE trigger_endpoints SET active = false, updated_at = @now WHERE org_id = @orgId AND workflow_id = @workflowId AND active",
            new { orgId, workflowId, now }, tx, cancellationToken: ct));
        foreach (var e in endpoints)
        {
            await c.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO trigger_endpoints (id, org_id, workflow_id, step_id, type, endpoint_key, auth, config, secret, previous_secret,
                    previous_expires_at, active, schedule_key, next_fire_at, last_fire_at, created_at, updated_at)
                VALUES (@Id, @OrgId, @WorkflowId, @StepId, @Type, @EndpointKey, @Auth, CAST(@Config AS json), @Secret, @PreviousSecret,
                    @PreviousExpiresAt, true, @ScheduleKey, @NextFireAt, @LastFireAt, @CreatedAt, @now)
                ON CONFLICT (workflow_id, step_id) DO UPDATE SET
                    type = excluded.type, endpoint_key = excluded.endpoint_key, auth = excluded.auth, config = excluded.config,
                    secret = excluded.secret, previous_secret = excluded.previous_secret, previous_expires_at = excluded.previous_expires_at,
                    active = true, schedule_key = excluded.schedule_key, next_fire_at = excluded.next_fire_at, updated_at = excluded.updated_at
                """,
                new
                {
                    e.Id, OrgId = orgId, WorkflowId = workflowId, e.StepId, e.Type, e.EndpointKey, e.Auth,
                    Config = e.Config?.ToJsonString(), e.Secret, e.PreviousSecret,
                    PreviousExpiresAt = PostgresValues.Timestamp(e.PreviousExpiresAt), e.ScheduleKey,
                    NextFireAt = PostgresValues.Timestamp(e.NextFireAt), LastFireAt = PostgresValues.Timestamp(e.LastFireAt),
                    CreatedAt = PostgresValues.Timestamp(e.CreatedAt), now,
                }, tx, cancellationToken: ct));
        }
        await tx.CommitAsync(ct);
    }

    public async Task<TriggerEndpoint?> FindByKeyAsync(string endpointKey, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        var row = await c.QuerySingleOrDefaultAsync<EndpointRow>(new CommandDefinition(
            $"SELECT {Columns} FROM trigger_endpoints WHERE endpoint_key = @endpointKey AND active",
            new { endpointKey }, cancellationToken: ct));
        return row?.ToRecord();
    }

    public async Task<IReadOnlyList<TriggerEndpoint>> ListActiveByTypeAsync(string type, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        var rows = await c.QueryAsync<EndpointRow>(new CommandDefinition(
            $"SELECT {Columns} FROM trigger_endpoints WHERE type = @type AND active ORDER BY org_id COLLATE \"C\", workflow_id COLLATE \"C\", step_id COLLATE \"C\"",
            new { type }, cancellationToken: ct));
        return [.. rows.Select(r => r.ToRecord())];
    }

    public async Task<bool> RotateSecretAsync(string orgId, string workflowId, string stepId, string secret, string? previousSecret,
        DateTimeOffset? previousExpiresAt, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.ExecuteAsync(new CommandDefinition(
            """
            UPDATE trigger_endpoints SET secret = @secret, previous_secret = @previousSecret, previous_expires_at = @expires, updated_at = @now
            WHERE org_id = @orgId AND workflow_id = @workflowId AND step_id = @stepId AND active
            """,
            new { orgId, workflowId, stepId, secret, previousSecret, expires = PostgresValues.Timestamp(previousExpiresAt), now = PostgresValues.Now(_time) },
            cancellationToken: ct)) > 0;
    }

    public async Task<IReadOnlyList<TriggerEndpoint>> ListDueSchedulesAsync(DateTimeOffset now, int max, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        var rows = await c.QueryAsync<EndpointRow>(new CommandDefinition(
            $"SELECT {Columns} FROM trigger_endpoints WHERE active AND next_fire_at IS NOT NULL AND next_fire_at <= @now ORDER BY next_fire_at LIMIT @max",
            new { now = PostgresValues.Timestamp(now), max }, cancellationToken: ct));
        return [.. rows.Select(r => r.ToRecord())];
    }

    public async Task<bool> AdvanceScheduleAsync(string id, DateTimeOffset expectedNext, DateTimeOffset? next, DateTimeOffset? fired, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        // Compare-and-set: a concurrent advance of the same tick waits for the row lock, re-checks next_fire_at
        // against the committed value (READ COMMITTED re-evaluates the WHERE) and updates nothing.
        return await c.ExecuteAsync(new CommandDefinition(
            """
            UPDATE trigger_endpoints SET next_fire_at = @next, last_fire_at = COALESCE(@fired, last_fire_at), updated_at = @now
            WHERE id = @id AND next_fire_at = @expected
            """,
            new
            {
                id, expected = PostgresValues.Timestamp(expectedNext), next = PostgresValues.Timestamp(next), fired = PostgresValues.Timestamp(fired),
                now = PostgresValues.Now(_time),
            },
            cancellationToken: ct)) > 0;
    }

    public async Task<TriggerEventRecord?> FindEventAsync(string orgId, string workflowId, string stepId, string dedupKey, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        var row = await c.QuerySingleOrDefaultAsync<EventRow>(new CommandDefinition(
            $"SELECT {EventColumns} FROM trigger_events WHERE org_id = @orgId AND workflow_id = @workflowId AND step_id = @stepId AND dedup_key = @dedupKey",
            new { orgId, workflowId, stepId, dedupKey }, cancellationToken: ct));
        return row?.ToRecord();
    }

    public async Task<bool> RecordEventAsync(TriggerEventRecord e, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        // No conflict target: the only unique index besides the identity is the partial dedup index.
        return await c.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO trigger_events (org_id, workflow_id, step_id, type, outcome, dedup_key, execution_id, detail, created_at)
            VALUES (@OrgId, @WorkflowId, @StepId, @Type, @Outcome, @DedupKey, @ExecutionId, @Detail, @CreatedAt)
            ON CONFLICT DO NOTHING
            """,
            new { e.OrgId, e.WorkflowId, e.StepId, e.Type, e.Outcome, e.DedupKey, e.ExecutionId, e.Detail, CreatedAt = PostgresValues.Timestamp(e.CreatedAt) },
            cancellationToken: ct)) > 0;
    }

    public async Task<int> PurgeEventsBeforeAsync(DateTimeOffset cutoff, int max, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.ExecuteAsync(new CommandDefinition(
            "DELETE FROM trigger_events WHERE id IN (SELECT id FROM trigger_events WHERE created_at < @cutoff ORDER BY created_at LIMIT @max)",
            new { cutoff = PostgresValues.Timestamp(cutoff), max }, cancellationToken: ct));
    }

    public async Task<IReadOnlyList<TriggerCounts>> CountEventsAsync(string orgId, string workflowId, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        var rows = await c.QueryAsync<(string StepId, long Accepted, long Filtered, long Duplicates, long Skipped)>(new CommandDefinition(
            """
            SELECT step_id,
                   COUNT(*) FILTER (WHERE outcome = 'accepted'), COUNT(*) FILTER (WHERE outcome = 'filtered'),
                   COUNT(*) FILTER (WHERE outcome = 'duplicate'), COUNT(*) FILTER (WHERE outcome = 'skipped')
            FROM trigger_events WHERE org_id = @orgId AND workflow_id = @workflowId GROUP BY step_id ORDER BY step_id COLLATE "C"
            """,
            new { orgId, workflowId }, cancellationToken: ct));
        return [.. rows.Select(r => new TriggerCounts(r.StepId, (int)r.Accepted, (int)r.Filtered, (int)r.Duplicates, (int)r.Skipped))];
    }

    public async Task<IReadOnlyList<TriggerEventRecord>> ListEventsAsync(string orgId, string workflowId, int limit, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        var rows = await c.QueryAsync<EventRow>(new CommandDefinition(
            $"SELECT {EventColumns} FROM trigger_events WHERE org_id = @orgId AND workflow_id = @workflowId ORDER BY id DESC LIMIT @limit",
            new { orgId, workflowId, limit }, cancellationToken: ct));
        return [.. rows.Select(r => r.ToRecord())];
    }

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
        public DateTime? PreviousExpiresAt { get; set; }
        public bool Active { get; set; }
        public string? ScheduleKey { get; set; }
        public DateTime? NextFireAt { get; set; }
        public DateTime? LastFireAt { get; set; }
        public DateTime CreatedAt { get; set; }

        public TriggerEndpoint ToRecord() => new(
            Id, OrgId, WorkflowId, StepId, Type, EndpointKey, Auth, StoredEvent.ParseJson(Config), Secret, PreviousSecret,
            PostgresValues.FromDb(PreviousExpiresAt), Active, ScheduleKey, PostgresValues.FromDb(NextFireAt),
            PostgresValues.FromDb(LastFireAt), PostgresValues.FromDb(CreatedAt));
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
        public DateTime CreatedAt { get; set; }

        public TriggerEventRecord ToRecord() => new(
            Id, OrgId, WorkflowId, StepId, Type, Outcome, DedupKey, ExecutionId, Detail, PostgresValues.FromDb(CreatedAt));
    }
}
