using Dapper;
using FlowForge.Core.Storage;

namespace FlowForge.Storage;

/// <summary>Organisations and API keys (by hash), for every relational backend.</summary>
/// <param name="db">The migrated database.</param>
/// <param name="timeProvider">The clock for creation and revocation times. Defaults to the system clock.</param>
public abstract class TenantStore(IRelationalDatabase db, TimeProvider? timeProvider) : ITenantStore
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;
    private readonly ISqlDialect _sql = db.Dialect;

    private const string KeyColumns = "id, org_id AS OrgId, prefix, name, created_at AS CreatedAt, revoked_at AS RevokedAt";

    public async Task EnsureOrganizationAsync(string orgId, string name, CancellationToken ct = default)
    {
        await using var c = await db.OpenConnectionAsync(ct);
        await c.ExecuteAsync(new CommandDefinition(
            "INSERT INTO organizations (id, name, created_at) VALUES (@orgId, @name, @now) ON CONFLICT (id) DO NOTHING",
            new { orgId, name, now = _sql.Now(_time) }, cancellationToken: ct));
    }

    public async Task<ApiKeyRecord> AddApiKeyAsync(string orgId, string keyHash, string prefix, string? name, CancellationToken ct = default)
    {
        await using var c = await db.OpenConnectionAsync(ct);
        var id = "key_" + Guid.NewGuid().ToString("N")[..16];
        await c.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO api_keys (id, org_id, key_hash, prefix, name, created_at)
            VALUES (@id, @orgId, @keyHash, @prefix, @name, @now)
            ON CONFLICT (key_hash) DO NOTHING
            """,
            new { id, orgId, keyHash, prefix, name, now = _sql.Now(_time) }, cancellationToken: ct));
        var row = await c.QuerySingleAsync<KeyRow>(new CommandDefinition(
            $"SELECT {KeyColumns} FROM api_keys WHERE key_hash = @keyHash", new { keyHash }, cancellationToken: ct));
        return ToRecord(row);
    }

    public async Task<ApiKeyRecord?> FindKeyByHashAsync(string keyHash, CancellationToken ct = default)
    {
        await using var c = await db.OpenReadConnectionAsync(ct);
        var row = await c.QuerySingleOrDefaultAsync<KeyRow>(new CommandDefinition(
            $"SELECT {KeyColumns} FROM api_keys WHERE key_hash = @keyHash AND revoked_at IS NULL", new { keyHash }, cancellationToken: ct));
        return row is null ? null : ToRecord(row);
    }

    public async Task<IReadOnlySet<string>> FindActiveKeyIdsAsync(IReadOnlyCollection<string> keyIds, CancellationToken ct = default)
    {
        if (keyIds.Count == 0) return new HashSet<string>();
        await using var c = await db.OpenConnectionAsync(ct);
        var found = new HashSet<string>(StringComparer.Ordinal);
        // Chunks keep SQLite's IN list under its bound-parameter limit (PostgreSQL takes each chunk as one array).
        foreach (var chunk in keyIds.Distinct().Chunk(500))
        {
            found.UnionWith(await c.QueryAsync<string>(new CommandDefinition(
                $"SELECT id FROM api_keys WHERE {_sql.AnyOf("id", "@chunk")} AND revoked_at IS NULL", new { chunk }, cancellationToken: ct)));
        }
        return found;
    }

    public async Task<bool> AnyApiKeyAsync(CancellationToken ct = default)
    {
        await using var c = await db.OpenConnectionAsync(ct);
        return await c.ExecuteScalarAsync<bool>(new CommandDefinition("SELECT EXISTS (SELECT 1 FROM api_keys)", cancellationToken: ct));
    }

    public async Task<IReadOnlyList<ApiKeyRecord>> ListApiKeysAsync(string orgId, CancellationToken ct = default)
    {
        await using var c = await db.OpenConnectionAsync(ct);
        var rows = await c.QueryAsync<KeyRow>(new CommandDefinition(
            $"SELECT {KeyColumns} FROM api_keys WHERE org_id = @orgId ORDER BY created_at, id",
            new { orgId }, cancellationToken: ct));
        return [.. rows.Select(ToRecord)];
    }

    public async Task<bool> RevokeApiKeyAsync(string orgId, string keyId, CancellationToken ct = default)
    {
        await using var c = await db.OpenConnectionAsync(ct);
        return await c.ExecuteAsync(new CommandDefinition(
            "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, @now) WHERE id = @keyId AND org_id = @orgId",
            new { keyId, orgId, now = _sql.Now(_time) }, cancellationToken: ct)) > 0;
    }

    private ApiKeyRecord ToRecord(KeyRow r) =>
        new(r.Id, r.OrgId, r.Prefix, r.Name, _sql.ReadTimestamp(r.CreatedAt), _sql.ReadTimestampOrNull(r.RevokedAt));

    private sealed class KeyRow
    {
        public string Id { get; set; } = "";
        public string OrgId { get; set; } = "";
        public string Prefix { get; set; } = "";
        public string? Name { get; set; }
        public object CreatedAt { get; set; } = null!;
        public object? RevokedAt { get; set; }
    }
}
