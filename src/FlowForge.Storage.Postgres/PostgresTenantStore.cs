using Dapper;
using FlowForge.Core.Storage;

namespace FlowForge.Storage.Postgres;

public sealed class PostgresTenantStore(PostgresDatabase db, TimeProvider? timeProvider = null) : ITenantStore
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    private const string KeyColumns = "id, org_id AS OrgId, prefix, name, created_at AS CreatedAt, revoked_at AS RevokedAt";

    public async Task EnsureOrganizationAsync(string orgId, string name, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        await c.ExecuteAsync(new CommandDefinition(
            "INSERT INTO organizations (id, name, created_at) VALUES (@orgId, @name, @now) ON CONFLICT (id) DO NOTHING",
            new { orgId, name, now = PostgresValues.Now(_time) }, cancellationToken: ct));
    }

    public async Task<ApiKeyRecord> AddApiKeyAsync(string orgId, string keyHash, string prefix, string? name, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        var id = "key_" + Guid.NewGuid().ToString("N")[..16];
        await c.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO api_keys (id, org_id, key_hash, prefix, name, created_at)
            VALUES (@id, @orgId, @keyHash, @prefix, @name, @now)
            ON CONFLICT (key_hash) DO NOTHING
            """,
            new { id, orgId, keyHash, prefix, name, now = PostgresValues.Now(_time) }, cancellationToken: ct));
        var row = await c.QuerySingleAsync<KeyRow>(new CommandDefinition(
            $"SELECT {KeyColumns} FROM api_keys WHERE key_hash = @keyHash", new { keyHash }, cancellationToken: ct));
        return row.ToRecord();
    }

    public async Task<ApiKeyRecord?> FindKeyByHashAsync(string keyHash, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        var row = await c.QuerySingleOrDefaultAsync<KeyRow>(new CommandDefinition(
            $"SELECT {KeyColumns} FROM api_keys WHERE key_hash = @keyHash AND revoked_at IS NULL", new { keyHash }, cancellationToken: ct));
        return row?.ToRecord();
    }

    public async Task<IReadOnlySet<string>> FindActiveKeyIdsAsync(IReadOnlyCollection<string> keyIds, CancellationToken ct = default)
    {
        if (keyIds.Count == 0) return new HashSet<string>();
        await using var c = await db.OpenAsync(ct);
        var ids = keyIds.Distinct().ToArray();
        var found = await c.QueryAsync<string>(new CommandDefinition(
            "SELECT id FROM api_keys WHERE id = ANY(@ids) AND revoked_at IS NULL", new { ids }, cancellationToken: ct));
        return found.ToHashSet(StringComparer.Ordinal);
    }

    public async Task<bool> AnyApiKeyAsync(CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.ExecuteScalarAsync<bool>(new CommandDefinition("SELECT EXISTS (SELECT 1 FROM api_keys)", cancellationToken: ct));
    }

    public async Task<IReadOnlyList<ApiKeyRecord>> ListApiKeysAsync(string orgId, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        var rows = await c.QueryAsync<KeyRow>(new CommandDefinition(
            $"SELECT {KeyColumns} FROM api_keys WHERE org_id = @orgId ORDER BY created_at, id",
            new { orgId }, cancellationToken: ct));
        return [.. rows.Select(r => r.ToRecord())];
    }

    public async Task<bool> RevokeApiKeyAsync(string orgId, string keyId, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.ExecuteAsync(new CommandDefinition(
            "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, @now) WHERE id = @keyId AND org_id = @orgId",
            new { keyId, orgId, now = PostgresValues.Now(_time) }, cancellationToken: ct)) > 0;
    }

    private sealed class KeyRow
    {
        public string Id { get; set; } = "";
        public string OrgId { get; set; } = "";
        public string Prefix { get; set; } = "";
        public string? Name { get; set; }
        public DateTime CreatedAt { get; set; }
        public DateTime? RevokedAt { get; set; }

        public ApiKeyRecord ToRecord() => new(Id, OrgId, Prefix, Name, PostgresValues.FromDb(CreatedAt), PostgresValues.FromDb(RevokedAt));
    }
}
