using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using FlowForge.Core.Storage;

namespace FlowForge.Storage.Sqlite;

public sealed class SqliteSendLedger(SqliteDatabase db) : ISendLedger
{
    private const string Columns = """
        execution_id AS ExecutionId, step_key AS StepKey, org_id AS OrgId, channel, status, idempotency_key AS IdempotencyKey,
        provider_id AS ProviderId, output, error, attempts, created_at AS CreatedAt, updated_at AS UpdatedAt
        """;

    public async Task<SendLedgerEntry> BeginAsync(string orgId, string executionId, string stepKey, string channel, string idempotencyKey, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        await using var tx = c.BeginTransaction();
        var now = SqliteValues.Now();
        // New or previously refused: a fresh claim with this attempt's key. Still 'sending': keep the first key, count the attempt.
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
        return row.ToEntry();
    }

    public async Task<SendLedgerEntry?> GetAsync(string executionId, string stepKey, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        var row = await c.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM send_ledger WHERE execution_id = @executionId AND step_key = @stepKey",
            new { executionId, stepKey }, cancellationToken: ct));
        return row?.ToEntry();
    }

    public async Task MarkSentAsync(string executionId, string stepKey, string? providerId, JsonNode? output, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        await c.ExecuteAsync(new CommandDefinition(
            """
            UPDATE send_ledger SET status = 'sent', provider_id = @providerId, output = @output, error = NULL, updated_at = @now
            WHERE execution_id = @executionId AND step_key = @stepKey
            """,
            new { executionId, stepKey, providerId, output = output?.ToJsonString(), now = SqliteValues.Now() }, cancellationToken: ct));
    }

    public async Task MarkFailedAsync(string executionId, string stepKey, string error, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        await c.ExecuteAsync(new CommandDefinition(
            """
            UPDATE send_ledger SET status = 'failed', error = @error, updated_at = @now
            WHERE execution_id = @executionId AND step_key = @stepKey AND status <> 'sent'
            """,
            new { executionId, stepKey, error, now = SqliteValues.Now() }, cancellationToken: ct));
    }

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
        public string CreatedAt { get; set; } = "";
        public string UpdatedAt { get; set; } = "";

        public SendLedgerEntry ToEntry() => new(ExecutionId, StepKey, OrgId, Channel, Status, IdempotencyKey, ProviderId,
            Output is null ? null : JsonNode.Parse(Output), Error, (int)Attempts,
            SqliteValues.ParseTimestamp(CreatedAt), SqliteValues.ParseTimestamp(UpdatedAt));
    }
}

public sealed class SqliteOutboxStore(SqliteDatabase db) : IOutboxStore
{
    private const string Columns = """
        id, org_id AS OrgId, execution_id AS ExecutionId, step_key AS StepKey, channel, recipient, subject, body, payload, created_at AS CreatedAt
        """;

    public async Task<OutboxMessage> AddAsync(OutboxMessage message, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        await using var tx = c.BeginTransaction();
        await c.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO outbox (id, org_id, execution_id, step_key, channel, recipient, subject, body, payload, created_at)
            VALUES (@Id, @OrgId, @ExecutionId, @StepKey, @Channel, @Recipient, @Subject, @Body, @payload, @createdAt)
            ON CONFLICT (execution_id, step_key) DO NOTHING
            """,
            new
            {
                message.Id, message.OrgId, message.ExecutionId, message.StepKey, message.Channel, message.Recipient, message.Subject, message.Body,
                payload = message.Payload?.ToJsonString() ?? "null",
                createdAt = SqliteValues.Timestamp(message.CreatedAt),
            }, tx, cancellationToken: ct));
        var row = await c.QuerySingleAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM outbox WHERE execution_id = @ExecutionId AND step_key = @StepKey",
            new { message.ExecutionId, message.StepKey }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return row.ToMessage();
    }

    public async Task<Page<OutboxMessage>> ListAsync(string orgId, OutboxQuery query, CancellationToken ct = default)
    {
        var where = "org_id = @orgId"
            + (query.ExecutionId is null ? "" : " AND execution_id = @executionId")
            + (query.Channel is null ? "" : " AND channel = @channel");
        var args = new { orgId, executionId = query.ExecutionId, channel = query.Channel, limit = query.Limit, offset = (Math.Max(query.Page, 1) - 1L) * query.Limit };
        await using var c = await db.OpenAsync(ct);
        var total = await c.ExecuteScalarAsync<long>(new CommandDefinition($"SELECT COUNT(*) FROM outbox WHERE {where}", args, cancellationToken: ct));
        var rows = await c.QueryAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM outbox WHERE {where} ORDER BY created_at DESC, id DESC LIMIT @limit OFFSET @offset", args, cancellationToken: ct));
        return new Page<OutboxMessage>([.. rows.Select(r => r.ToMessage())], (int)total);
    }

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
        public string CreatedAt { get; set; } = "";

        public OutboxMessage ToMessage() => new(Id, OrgId, ExecutionId, StepKey, Channel, Recipient, Subject, Body,
            JsonNode.Parse(Payload), SqliteValues.ParseTimestamp(CreatedAt));
    }
}

public sealed class SqliteCredentialStore(SqliteDatabase db) : ICredentialStore
{
    private const string Columns = """
        org_id AS OrgId, name, kind, field_names AS FieldNames, secret, created_at AS CreatedAt, updated_at AS UpdatedAt
        """;

    public async Task<bool> AddAsync(CredentialRecord credential, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        var now = SqliteValues.Timestamp(credential.CreatedAt);
        return await c.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO credentials (org_id, name, kind, field_names, secret, created_at, updated_at)
            VALUES (@OrgId, @Name, @Kind, @fieldNames, @ProtectedValues, @now, @now)
            ON CONFLICT (org_id, name) DO NOTHING
            """,
            new { credential.OrgId, credential.Name, credential.Kind, fieldNames = JsonSerializer.Serialize(credential.FieldNames), credential.ProtectedValues, now },
            cancellationToken: ct)) > 0;
    }

    public async Task<CredentialRecord?> GetAsync(string orgId, string name, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        var row = await c.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM credentials WHERE org_id = @orgId AND name = @name", new { orgId, name }, cancellationToken: ct));
        return row?.ToRecord();
    }

    public async Task<IReadOnlyList<CredentialRecord>> ListAsync(string orgId, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        var rows = await c.QueryAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM credentials WHERE org_id = @orgId ORDER BY name", new { orgId }, cancellationToken: ct));
        return [.. rows.Select(r => r.ToRecord())];
    }

    public async Task<bool> DeleteAsync(string orgId, string name, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.ExecuteAsync(new CommandDefinition(
            "DELETE FROM credentials WHERE org_id = @orgId AND name = @name", new { orgId, name }, cancellationToken: ct)) > 0;
    }

    private sealed class Row
    {
        public string OrgId { get; set; } = "";
        public string Name { get; set; } = "";
        public string Kind { get; set; } = "";
        public string FieldNames { get; set; } = "[]";
        public string Secret { get; set; } = "";
        public string CreatedAt { get; set; } = "";
        public string UpdatedAt { get; set; } = "";

        public CredentialRecord ToRecord() => new(OrgId, Name, Kind, JsonSerializer.Deserialize<List<string>>(FieldNames) ?? [], Secret,
            SqliteValues.ParseTimestamp(CreatedAt), SqliteValues.ParseTimestamp(UpdatedAt));
    }
}
