using FlowForge.Core.Storage;
using FlowForge.Server.Auth;
using FlowForge.Server.Live;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace FlowForge.Server.Api;

/// <summary>An organisation manages its own API keys; a new key's secret is returned once, at creation.</summary>
internal static class ApiKeysApi
{
    public static RouteGroupBuilder MapApiKeysApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/keys").WithTags("API keys");
        group.MapGet("/", List).WithName("ListApiKeys").WithSummary("List the organisation's API keys (never the secrets)");
        group.MapPost("/", Create).WithName("CreateApiKey").WithSummary("Create an API key (the key is shown once)").AcceptsJson<CreateKeyBody>(optional: true);
        group.MapDelete("/{id}", Revoke).WithName("RevokeApiKey").WithSummary("Revoke an API key").Problems(404);
        return api;
    }

    public static async Task<Ok<ApiKeyList>> List(HttpContext http, ITenantStore tenants, CancellationToken ct)
    {
        var keys = await tenants.ListApiKeysAsync(http.User.OrgId(), ct);
        return TypedResults.Ok(new ApiKeyList([.. keys.Select(k => new ApiKeyResponse(k.Id, k.Prefix, k.Name, k.CreatedAt, k.RevokedAt, null))]));
    }

    public static async Task<Results<Created<ApiKeyResponse>, ProblemHttpResult>> Create(
        HttpContext http, ITenantStore tenants, IOptions<JsonOptions> json, CancellationToken ct)
    {
        string? name = null;
        if (JsonBody.IsPresent(http.Request))
        {
            var (body, problem) = await JsonBody.ReadAsync<CreateKeyBody>(http.Request, json.Value.SerializerOptions, ct);
            if (problem is not null) return problem;
            name = body!.Name;
            if (name is { Length: > 200 }) return Problems.InvalidBody("The key name is longer than 200 characters.", [new("name", "At most 200 characters.")]);
            if (FlowForge.Core.Model.SafeText.Problem(name) is { } bad) return Problems.InvalidBody($"The key name {bad}.", [new("name", $"The name {bad}.")]);
        }
        var key = ApiKeys.Generate();
        var record = await tenants.AddApiKeyAsync(http.User.OrgId(), ApiKeys.Hash(key), ApiKeys.Prefix(key), name, ct);
        return TypedResults.Created($"/api/keys/{record.Id}", new ApiKeyResponse(record.Id, record.Prefix, record.Name, record.CreatedAt, null, key));
    }

    /// <summary>Revokes a key; its open hub connections in this process close at once (other processes: <see cref="HubKeyWatcher"/>).</summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> Revoke(HttpContext http, ITenantStore tenants, LiveBroadcaster live, string id, CancellationToken ct)
    {
        if (!await tenants.RevokeApiKeyAsync(http.User.OrgId(), id, ct)) return Problems.NotFound("API key", id);
        live.CloseKey(id);
        return TypedResults.NoContent();
    }

    [System.Text.Json.Serialization.JsonUnmappedMemberHandling(System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow)]
    [BodyExample("""{"name": "ci"}""")]
    public sealed record CreateKeyBody(string? Name = null);
}

internal sealed record ApiKeyList(IReadOnlyList<ApiKeyResponse> Keys);

/// <param name="Key">The secret, present only in the response that created it.</param>
internal sealed record ApiKeyResponse(string Id, string Prefix, string? Name, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt, string? Key);
