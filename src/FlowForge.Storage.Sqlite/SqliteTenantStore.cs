using Dapper;
using FlowForge.Core.Storage;

namespace FlowForge.Storage.Sqlite;

public sealed class SqliteTenantStore(SqliteDatabase db) : ITenantStore
{
    public async Task EnsureOrganizationAsync(string orgId, string name, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        await c.ExecuteAsync(new CommandDefinition(
            "INSERT INTO organizations (id, name, created_at) VALUES (@orgId, @name, @now) ON CONFLICT (id) DO NOTHING",
            new { orgId, name, now = SqliteValues.Now() }, cancellationToken: ct));
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
            new { id, orgId, keyHash, prefix, name, now = SqliteValues.Now() }, cancellationToken: ct));
        var row = await c.QuerySingleAsync<KeyRow>(new CommandDefinition(
            "SELECT id, org_id AS OrgId, prefix, name, created_at AS CreatedAt, revoked_at AS RevokedAt FROM api_keys WHERE key_hash = @keyHash",
            new { keyHash }, cancellationToken: ct));
        return row.ToRecord();
    }

    public async Task<ApiKeyRecord?> FindKeyByHashAsync(string keyHash, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        var row = await c.QuerySingleOrDefaultAsync<KeyRow>(new CommandDefinition(
            "SELECT id, org_id AS OrgId, prefix, name, created_at AS CreatedAt, revoked_at AS RevokedAt FROM api_keys WHERE key_hash = @keyHash AND revoked_at IS NULL",
            new { keyHash }, cancellationToken: ct));
        return row?.ToRecord();
    }

    public async Task<IReadOnlySet<string>> FindActiveKeyIdsAsync(IReadOnlyCollection<string> keyIds, CancellationToken ct = default)
    {
        if (keyIds.Count == 0) return new HashSet<string>();
        await using var c = await db.OpenAsync(ct);
        var found = new HashSet<string>(StringComparer.Ordinal);
        // Chunks stay under SQLite's bound-parameter limit.
        foreach (var chunk in keyIds.Distinct().Chunk(500))
        {
            found.UnionWith(await c.QueryAsync<string>(new CommandDefinition(
                "SELECT id FROM api_keys WHERE id IN @chunk AND revoked_at IS NULL", new { chunk }, cancellationToken: ct)));
        }
        return found;
    }

    public async Task<bool> AnyApiKeyAsync(CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.ExecuteScalarAsync<long>(new CommandDefinition("SELECT EXISTS (SELECT 1 FROM api_keys)", cancellationToken: ct)) != 0;
    }

    public async Task<IReadOnlyList<ApiKeyRecord>> ListApiKeysAsync(string orgId, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        var rows = await c.QueryAsync<KeyRow>(new CommandDefinition(
            "SELECT id, org_id AS OrgId, prefix, name, created_at AS CreatedAt, revoked_at AS RevokedAt FROM api_keys WHERE org_id = @orgId ORDER BY created_at",
            new { orgId }, cancellationToken: ct));
        return [.. rows.Select(r => r.ToRecord())];
    }

    public async Task<bool> RevokeApiKeyAsync(string orgId, string keyId, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.ExecuteAsync(new CommandDefinition(
            "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, @now) WHERE id = @keyId AND org_id = @orgId",
            new { keyId, orgId, now = SqliteValues.Now() }, cancellationToken: ct)) > 0;
    }

    private sealed class KeyRow
    {
        public string Id { get; set; } = "";
        public string OrgId { get; set; } = "";
        public string Prefix { get; set; } = "";
        public string? Name { get; set; }
        public string CreatedAt { get; set; } = "";
        public string? RevokedAt { get; set; }

        public ApiKeyRecord ToRecord() => new(Id, OrgId, Prefix, Name, SqliteValues.ParseTimestamp(CreatedAt), SqliteValues.ParseTimestampOrNull(RevokedAt));
    }
}
