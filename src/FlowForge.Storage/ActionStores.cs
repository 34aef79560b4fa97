using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using FlowForge.Core.Storage;

namespace FlowForge.Storage;

/// <summary>The send ledger, for every relational backend. <see cref="BeginAsync"/> upserts and reads back in one transaction.</summary>
/// <param name="db">The migrated database.</param>
/// <param name="timeProvider">The clock for claim and outcome times. Defaults to the system clock.</param>
public abstract class SendLedger(IRelationalDatabase db, TimeProvider? timeProvider) : ISendLedger
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;
    private readonly ISqlDialect _sql = db.Dialect;

    private const string Columns = """
        execution_id AS ExecutionId, step_key AS StepKey, org_id AS OrgId, channel, status, idempotency_key AS IdempotencyKey,
        provider_id AS ProviderId, output, error, attempts, created_at AS CreatedAt, updated_at AS UpdatedAt
        """;

    public async Task<SendLedgerEntry> BeginAsync(string orgId, string executionId, string stepKey, string channel, string idempotencyKey, CancellationToken ct = default)
    {
        await using var c = await db.OpenConnectionAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        var now = _sql.Now(_time);
        // New or previously refused: a fresh claim with this attempt's key. Still 'sending': keep the first key, count the attempt.
        // The conflicting row stays locked until commit (even when the WHERE leaves a 'sent' row alone), so the read below sees
        // what this claim decided, not a concurrent claim's half-way state.
        await c.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO send_ledger (execution_id, step_key, org_id, channel, status, idempotency_key, attempts, created_at, updated_at)
            VALUES (@executionId, @stepKey, @orgId, @channel, 'sending', @idempotencyKey, 1, @now, @now)
            ON CONFLICT (execution_id, step_key) DO UPDATE SET
                status = 'sending',
                idempotency_key = CASE WHEN send_ledger.status = 'failed' THEN excluded.idempotency_key ELSE send_ledger.idempotency_key END,
                error = CASE WHEN send_ledger.status = 'failed' THEN NULL ELSE send_ledger.error END,
                attempts = send_ledger.attempts + 1,
                updated_at = excluded.updated_at
            WHERE send_ledger.status <> 'sent'
            """,
            new { executionId, stepKey, orgId, channel, idempotencyKey, now }, tx, cancellationToken: ct));
        var row = await c.QuerySingleAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM send_ledger WHERE execution_id = @executionId AND step_key = @stepKey",
            new { executionId, stepKey }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return ToEntry(row);
    }

    public async Task<SendLedgerEntry?> GetAsync(string executionId, string stepKey, CancellationToken ct = default)
    {
        await using var c = await db.OpenConnectionAsync(ct);
        var row = await c.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM send_ledger WHERE execution_id = @executionId AND step_key = @stepKey",
            new { executionId, stepKey }, cancellationToken: ct));
        return row is null ? null : ToEntry(row);
    }

    public async Task MarkSentAsync(string executionId, string stepKey, string? providerId, JsonNode? output, CancellationToken ct = default)
    {
        await using var c = await db.OpenConnectionAsync(ct);
        await c.ExecuteAsync(new CommandDefinition(
            $"""
            UPDATE send_ledger SET status = 'sent', provider_id = @providerId, output = {_sql.Json("@output")}, error = NULL, updated_at = @now
            WHERE execution_id = @executionId AND step_key = @stepKey
            """,
            new { executionId, stepKey, providerId, output = output?.ToJsonString(), now = _sql.Now(_time) }, cancellationToken: ct));
    }

    public async Task MarkFailedAsync(string executionId, string stepKey, string error, CancellationToken ct = default)
    {
        await using var c = await db.OpenConnectionAsync(ct);
        await c.ExecuteAsync(new CommandDefinition(
            """
            UPDATE send_ledger SET status = 'failed', error = @error, updated_at = @now
            WHERE execution_id = @executionId AND step_key = @stepKey AND status <> 'sent'
            """,
            new { executionId, stepKey, error, now = _sql.Now(_time) }, cancellationToken: ct));
    }

    private SendLedgerEntry ToEntry(Row r) => new(r.ExecutionId, r.StepKey, r.OrgId, r.Channel, r.Status, r.IdempotencyKey, r.ProviderId,
        StoredEvent.ParseJson(r.Output), r.Error, (int)r.Attempts, _sql.ReadTimestamp(r.CreatedAt), _sql.ReadTimestamp(r.UpdatedAt));

    private sealed class Row
    {
        public string ExecutionId { get; set; } = "";
        public string StepKey { get; set; } = "";
        public string OrgId { get; set; } = "";
        public string Channel { get; set; } = "";
        public string Status { get; set; } = "";
        public string IdempotencyKey { get; set; } = "";
        public string? ProviderId { get; set; }
        public string? Output { get; set; }
        public string? Error { get; set; }
        public long Attempts { get; set; }
        public object CreatedAt { get; set; } = null!;
        public object UpdatedAt { get; set; } = null!;
    }
}

/// <summary>The outbox, for every relational backend: one message per (execution, step).</summary>
/// <param name="db">The migrated database.</param>
public abstract class OutboxStore(IRelationalDatabase db) : IOutboxStore
{
    private readonly ISqlDialect _sql = db.Dialect;

    private const string Columns = """
        id, org_id AS OrgId, execution_id AS ExecutionId, step_key AS StepKey, channel, recipient, subject, body, payload, created_at AS CreatedAt
        """;

    public async Task<OutboxMessage> AddAsync(OutboxMessage message, CancellationToken ct = default)
    {
        await using var c = await db.OpenConnectionAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        // DO NOTHING on a concurrent insert of the same step waits for it to commit, then finds the row below.
        await c.ExecuteAsync(new CommandDefinition(
            $"""
            INSERT INTO outbox (id, org_id, execution_id, step_key, channel, recipient, subject, body, payload, created_at)
            VALUES (@Id, @OrgId, @ExecutionId, @StepKey, @Channel, @Recipient, @Subject, @Body, {_sql.Json("@payload")}, @createdAt)
            ON CONFLICT (execution_id, step_key) DO NOTHING
            """,
            new
            {
                message.Id, message.OrgId, message.ExecutionId, message.StepKey, message.Channel, message.Recipient, message.Subject, message.Body,
                payload = message.Payload?.ToJsonString() ?? "null",
                createdAt = _sql.Timestamp(message.CreatedAt),
            }, tx, cancellationToken: ct));
        var row = await c.QuerySingleAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM outbox WHERE execution_id = @ExecutionId AND step_key = @StepKey",
            new { message.ExecutionId, message.StepKey }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return ToMessage(row);
    }

    public async Task<Page<OutboxMessage>> ListAsync(string orgId, OutboxQuery query, CancellationToken ct = default)
    {
        var where = "org_id = @orgId"
            + (query.ExecutionId is null ? "" : " AND execution_id = @executionId")
            + (query.Channel is null ? "" : " AND channel = @channel");
        // A negative limit would mean "no limit" to SQLite and an error to PostgreSQL: it means an empty page.
        var limit = Math.Max(query.Limit, 0);
        var args = new { orgId, executionId = query.ExecutionId, channel = query.Channel, limit, offset = (Math.Max(query.Page, 1) - 1L) * limit };
        await using var c = await db.OpenConnectionAsync(ct);
        var total = await c.ExecuteScalarAsync<long>(new CommandDefinition($"SELECT COUNT(*) FROM outbox WHERE {where}", args, cancellationToken: ct));
        var rows = await c.QueryAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM outbox WHERE {where} ORDER BY created_at DESC, {_sql.ByteOrder("id")} DESC LIMIT @limit OFFSET @offset", args, cancellationToken: ct));
        return new Page<OutboxMessage>([.. rows.Select(ToMessage)], (int)total);
    }

    private OutboxMessage ToMessage(Row r) => new(r.Id, r.OrgId, r.ExecutionId, r.StepKey, r.Channel, r.Recipient, r.Subject, r.Body,
        JsonNode.Parse(r.Payload), _sql.ReadTimestamp(r.CreatedAt));

    private sealed class Row
    {
        public string Id { get; set; } = "";
        public string OrgId { get; set; } = "";
        public string ExecutionId { get; set; } = "";
        public string StepKey { get; set; } = "";
        public string Channel { get; set; } = "";
        public string Recipient { get; set; } = "";
        public string? Subject { get; set; }
        public string Body { get; set; } = "";
        public string Payload { get; set; } = "null";
        public object CreatedAt { get; set; } = null!;
    }
}

/// <summary>Per-organisation credentials, for every relational backend, unique by (organisation, name).</summary>
/// <param name="db">The migrated database.</param>
public abstract class CredentialStore(IRelationalDatabase db) : ICredentialStore
{
    private readonly ISqlDialect _sql = db.Dialect;

    private const string Columns = """
        org_id AS OrgId, name, kind, field_names AS FieldNames, secret, created_at AS CreatedAt, updated_at AS UpdatedAt
        """;

    public async Task<bool> AddAsync(CredentialRecord credential, CancellationToken ct = default)
    {
        await using var c = await db.OpenConnectionAsync(ct);
        var now = _sql.Timestamp(credential.CreatedAt);
        return await c.ExecuteAsync(new CommandDefinition(
            $"""
            INSERT INTO credentials (org_id, name, kind, field_names, secret, created_at, updated_at)
            VALUES (@OrgId, @Name, @Kind, {_sql.Json("@fieldNames")}, @ProtectedValues, @now, @now)
            ON CONFLICT (org_id, name) DO NOTHING
            """,
            new { credential.OrgId, credential.Name, credential.Kind, fieldNames = JsonSerializer.Serialize(credential.FieldNames), credential.ProtectedValues, now },
            cancellationToken: ct)) > 0;
    }

    public async Task<CredentialRecord?> ReplaceAsync(CredentialRecord credential, CancellationToken ct = default)
    {
        await using var c = await db.OpenConnectionAsync(ct);
        var row = await c.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            $"""
            UPDATE credentials SET kind = @Kind, field_names = {_sql.Json("@fieldNames")}, secret = @ProtectedValues, updated_at = @now
            WHERE org_id = @OrgId AND name = @Name
            RETURNING {Columns}
            """,
            new { credential.OrgId, credential.Name, credential.Kind, fieldNames = JsonSerializer.Serialize(credential.FieldNames), credential.ProtectedValues, now = _sql.Timestamp(credential.UpdatedAt) },
            cancellationToken: ct));
        return row is null ? null : ToRecord(row);
    }

    public async Task<CredentialRecord?> GetAsync(string orgId, string name, CancellationToken ct = default)
    {
        await using var c = await db.OpenConnectionAsync(ct);
        var row = await c.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM credentials WHERE org_id = @orgId AND name = @name", new { orgId, name }, cancellationToken: ct));
        return row is null ? null : ToRecord(row);
    }

    public async Task<IReadOnlyList<CredentialRecord>> ListAsync(string orgId, CancellationToken ct = default)
    {
        await using var c = await db.OpenConnectionAsync(ct);
        var rows = await c.QueryAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM credentials WHERE org_id = @orgId ORDER BY {_sql.ByteOrder("name")}", new { orgId }, cancellationToken: ct));
        return [.. rows.Select(ToRecord)];
    }

    public async Task<bool> DeleteAsync(string orgId, string name, CancellationToken ct = default)
    {
        await using var c = await db.OpenConnectionAsync(ct);
        return await c.ExecuteAsync(new CommandDefinition(
            "DELETE FROM credentials WHERE org_id = @orgId AND name = @name", new { orgId, name }, cancellationToken: ct)) > 0;
    }

    private CredentialRecord ToRecord(Row r) => new(r.OrgId, r.Name, r.Kind, JsonSerializer.Deserialize<List<string>>(r.FieldNames) ?? [], r.Secret,
        _sql.ReadTimestamp(r.CreatedAt), _sql.ReadTimestamp(r.UpdatedAt));

    private sealed class Row
    {
        public string OrgId { get; set; } = "";
        public string Name { get; set; } = "";
        public string Kind { get; set; } = "";
        public string FieldNames { get; set; } = "[]";
        public string Secret { get; set; } = "";
        public object CreatedAt { get; set; } = null!;
        public object UpdatedAt { get; set; } = null!;
    }
}
