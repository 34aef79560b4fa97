using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FlowForge.Core.Storage;
using Microsoft.AspNetCore.DataProtection;

namespace FlowForge.Server.Credentials;

/// <summary>The kinds of credential and the value names each needs.</summary>
internal static class CredentialKinds
{
    public const string WhatsApp = "whatsapp";
    public const string Smtp = "smtp";
    public const string Voice = "voice";
    public const string Crm = "crm";

    /// <summary>Every kind, with the values a credential of it must have (others are free-form).</summary>
    public static IReadOnlyDictionary<string, string[]> Required { get; } = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        [WhatsApp] = ["accessToken", "phoneNumberId"],
        [Smtp] = ["host", "from"],
        [Voice] = ["baseUrl"],
        [Crm] = ["baseUrl"],
        ["botcore"] = ["baseUrl"],
        ["openai"] = ["baseUrl"],
        ["http"] = [],
    };
}

/// <summary>A credential's decrypted values, for the server's own use only.</summary>
internal sealed record CredentialValues(string Name, string Kind, JsonObject Values);

/// <summary>A credential could not be used (missing, of another kind, unreadable): the message names it, never its values.</summary>
internal sealed class CredentialException(string message) : Exception(message);

/// <summary>
/// Per-organisation credentials, encrypted at rest with ASP.NET Core Data Protection. The protector's
/// purpose includes the organisation, so a secret copied to another organisation's row does not decrypt.
/// Values never leave the server: the API returns names, kinds and field names only.
/// </summary>
internal sealed partial class CredentialService(ICredentialStore store, IDataProtectionProvider protection, TimeProvider clock) : ICredentialResolver
{
    public const int MaxValueLength = 16 * 1024;
    public const int MaxValues = 32;

    private readonly IDataProtector _protector = protection.CreateProtector("FlowForge.Credentials.v1");

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")]
    public static partial Regex NamePattern();

    /// <summary>Stores a new credential; null when the organisation already has one by that name.</summary>
    public async Task<CredentialRecord?> AddAsync(string orgId, string name, string kind, JsonObject values, CancellationToken ct)
    {
        var record = Protect(orgId, name, kind, values);
        return await store.AddAsync(record, ct) ? record : null;
    }

    /// <summary>Swaps an existing credential's kind and values at once; null when the organisation has none by that name.</summary>
    public Task<CredentialRecord?> ReplaceAsync(string orgId, string name, string kind, JsonObject values, CancellationToken ct) =>
        store.ReplaceAsync(Protect(orgId, name, kind, values), ct);

    private CredentialRecord Protect(string orgId, string name, string kind, JsonObject values)
    {
        var now = clock.GetUtcNow();
        var secret = ProtectorFor(orgId).Protect(values.ToJsonString());
        return new CredentialRecord(orgId, name, kind, [.. values.Select(v => v.Key)], secret, now, now);
    }

    /// <summary>The credential's decrypted values, or null when the organisation has none by that name.</summary>
    public async Task<CredentialValues?> GetValuesAsync(string orgId, string name, CancellationToken ct)
    {
        var record = await store.GetAsync(orgId, name, ct);
        if (record is null) return null;
        try
        {
            var json = ProtectorFor(orgId).Unprotect(record.ProtectedValues);
            return new CredentialValues(record.Name, record.Kind, JsonNode.Parse(json) as JsonObject ?? []);
        }
        catch (Exception e) when (e is CryptographicException or JsonException)
        {
            throw new CredentialException(
                $"Credential '{name}' cannot be decrypted: the Data Protection key that encrypted it is missing (DataProtection__KeyPath). Create it again.");
        }
    }

    /// <summary>
    /// The credential a node names, checked to be of <paramref name="kind"/>. Throws <see cref="CredentialException"/>
    /// when it is missing, of another kind or unreadable.
    /// </summary>
    public async Task<JsonObject> RequireAsync(string orgId, string name, string kind, CancellationToken ct)
    {
        var credential = await GetValuesAsync(orgId, name, ct)
            ?? throw new CredentialException($"Credential '{name}' does not exist in this organisation.");
        if (credential.Kind != kind)
        {
            throw new CredentialException($"Credential '{name}' is a '{credential.Kind}' credential; this node needs a '{kind}' one.");
        }
        return credential.Values;
    }

    public async Task<JsonObject?> ResolveAsync(string orgId, string name, CancellationToken ct)
    {
        if (await GetValuesAsync(orgId, name, ct) is not { } credential) return null;
        // The kind is stored beside the values; callers that serve several kinds (AI: botcore or openai) need it too.
        var values = (JsonObject)credential.Values.DeepClone();
        values["kind"] = credential.Kind;
        return values;
    }

    private IDataProtector ProtectorFor(string orgId) => _protector.CreateProtector("org:" + orgId);

    /// <summary>A value as text: strings as they are, numbers and booleans in JSON form; null when absent or empty.</summary>
    public static string? Text(JsonObject values, string name)
    {
        var node = values[name];
        if (node is null) return null;
        var text = node.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : node.ToJsonString();
        return string.IsNullOrWhiteSpace(text) ? null : text;
    }
}
