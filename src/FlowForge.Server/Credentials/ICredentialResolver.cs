using System.Text.Json.Nodes;

namespace FlowForge.Server.Credentials;

/// <summary>
/// Reads an organisation's stored credential (decrypted) for a node that names one instead of the
/// deployment's provider settings. Values never leave the server: not in outputs, logs or API responses.
/// </summary>
internal interface ICredentialResolver
{
    /// <summary>The credential's fields (e.g. <c>{kind, baseUrl, apiKey, model}</c>, <c>kind</c> always set), or null when the organisation has none by that name.</summary>
    Task<JsonObject?> ResolveAsync(string orgId, string name, CancellationToken ct);
}
