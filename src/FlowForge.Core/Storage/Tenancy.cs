namespace FlowForge.Core.Storage;

/// <summary>An API key as stored: only its SHA-256 hash and a short prefix to recognise it by.</summary>
public sealed record ApiKeyRecord(string Id, string OrgId, string Prefix, string? Name, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);

/// <summary>Organisations and their API keys. Keys are looked up by hash; the secret itself is never stored.</summary>
public interface ITenantStore
{
    Task EnsureOrganizationAsync(string orgId, string name, CancellationToken ct = default);

    /// <summary>Stores a key's hash for an organisation; a hash that is already stored is left as it is.</summary>
    Task<ApiKeyRecord> AddApiKeyAsync(string orgId, string keyHash, string prefix, string? name, CancellationToken ct = default);

    /// <summary>The non-revoked key with this hash (its id and organisation), or null.</summary>
    Task<ApiKeyRecord?> FindKeyByHashAsync(string keyHash, CancellationToken ct = default);

    /// <summary>Those of <paramref name="keyIds"/> that exist and are not revoked: one query, for re-checking the keys of open connections.</summary>
    Task<IReadOnlySet<string>> FindActiveKeyIdsAsync(IReadOnlyCollection<string> keyIds, CancellationToken ct = default);

    Task<bool> AnyApiKeyAsync(CancellationToken ct = default);

    Task<IReadOnlyList<ApiKeyRecord>> ListApiKeysAsync(string orgId, CancellationToken ct = default);

    /// <summary>Revokes a key of the organisation; false when it has no such key.</summary>
    Task<bool> RevokeApiKeyAsync(string orgId, string keyId, CancellationToken ct = default);
}
