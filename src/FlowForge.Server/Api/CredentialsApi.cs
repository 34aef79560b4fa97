using System.Text.Json;
using System.Text.Json.Nodes;
using FlowForge.Core.Storage;
using FlowForge.Server.Auth;
using FlowForge.Server.Credentials;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace FlowForge.Server.Api;

/// <summary>
/// An organisation's provider credentials, encrypted at rest. Values go in (at creation, or all at once on a replace)
/// and never come out: responses carry the name, the kind and the names of the fields.
/// </summary>
internal static class CredentialsApi
{
    public static RouteGroupBuilder MapCredentialsApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/credentials").WithTags("Credentials");
        group.MapGet("/", List).WithName("ListCredentials").WithSummary("List credentials (names and kinds, never values)");
        group.MapPost("/", Create).WithName("CreateCredential").WithSummary("Store a credential (encrypted at rest)")
            .AcceptsJson<CreateCredentialBody>().Problems(409);
        group.MapGet("/{name}", Get).WithName("GetCredential").WithSummary("Describe one credential").Problems(404);
        group.MapPut("/{name}", Replace).WithName("ReplaceCredential").WithSummary("Replace a credential's kind and values at once (encrypted at rest)")
            .AcceptsJson<ReplaceCredentialBody>().Problems(404);
        group.MapDelete("/{name}", Delete).WithName("DeleteCredential").WithSummary("Delete a credential").Problems(404);
        return api;
    }

    public static async Task<Ok<CredentialList>> List(HttpContext http, ICredentialStore store, CancellationToken ct)
    {
        var all = await store.ListAsync(http.User.OrgId(), ct);
        return TypedResults.Ok(new CredentialList([.. all.Select(Describe)]));
    }

    public static async Task<Results<Ok<CredentialResponse>, ProblemHttpResult>> Get(HttpContext http, ICredentialStore store, string name, CancellationToken ct) =>
        await store.GetAsync(http.User.OrgId(), name, ct) is { } record ? TypedResults.Ok(Describe(record)) : Problems.NotFound("Credential", name);

    public static async Task<Results<NoContent, ProblemHttpResult>> Delete(HttpContext http, ICredentialStore store, string name, CancellationToken ct) =>
        await store.DeleteAsync(http.User.OrgId(), name, ct) ? TypedResults.NoContent() : Problems.NotFound("Credential", name);

    public static async Task<Results<Created<CredentialResponse>, ProblemHttpResult>> Create(
        HttpContext http, CredentialService credentials, IOptions<JsonOptions> json, CancellationToken ct)
    {
        var (body, problem) = await JsonBody.ReadAsync<CreateCredentialBody>(http.Request, json.Value.SerializerOptions, ct);
        if (problem is not null) return problem;

        var errors = new List<FieldError>();
        if (body!.Name is null || !CredentialService.NamePattern().IsMatch(body.Name))
        {
            errors.Add(new("name", "1 to 100 letters, digits, '_', '.' or '-', starting with a letter or digit."));
        }
        CheckKindAndValues(body.Kind, body.Values, errors);
        if (errors.Count > 0) return Problems.InvalidBody("The credential is not valid.", errors);

        var record = await credentials.AddAsync(http.User.OrgId(), body.Name!, body.Kind!, body.Values!, ct);
        if (record is null)
        {
            return Problems.Conflict("credential-exists", $"Credential '{body.Name}' already exists: replace its values with PUT /api/credentials/{body.Name}.");
        }
        return TypedResults.Created($"/api/credentials/{Uri.EscapeDataString(record.Name)}", Describe(record));
    }

    /// <summary>
    /// New values (and kind) for an existing credential, swapped in one statement: a step that reads it meanwhile gets the
    /// old values or the new ones, never none, and a refused body leaves the old ones in place.
    /// </summary>
    public static async Task<Results<Ok<CredentialResponse>, ProblemHttpResult>> Replace(
        HttpContext http, CredentialService credentials, IOptions<JsonOptions> json, string name, CancellationToken ct)
    {
        var (body, problem) = await JsonBody.ReadAsync<ReplaceCredentialBody>(http.Request, json.Value.SerializerOptions, ct);
        if (problem is not null) return problem;

        var errors = new List<FieldError>();
        CheckKindAndValues(body!.Kind, body.Values, errors);
        if (errors.Count > 0) return Problems.InvalidBody("The credential is not valid.", errors);

        return await credentials.ReplaceAsync(http.User.OrgId(), name, body.Kind!, body.Values!, ct) is { } record
            ? TypedResults.Ok(Describe(record))
            : Problems.NotFound("Credential", name);
    }

    /// <summary>What a credential's kind and values must be, on create and on replace.</summary>
    private static void CheckKindAndValues(string? kind, JsonObject? values, List<FieldError> errors)
    {
        if (kind is null || !CredentialKinds.Required.TryGetValue(kind, out var required))
        {
            errors.Add(new("kind", $"One of {string.Join(", ", CredentialKinds.Required.Keys)}."));
            required = [];
        }
        if (values is null || values.Count == 0)
        {
            errors.Add(new("values", "An object of at least one name to value."));
            return;
        }
        if (values.Count > CredentialService.MaxValues) errors.Add(new("values", $"At most {CredentialService.MaxValues} values."));
        foreach (var (key, value) in values)
        {
            if (key.Length is 0 or > 100) errors.Add(new("values", "Value names are 1 to 100 characters."));
            else if (value?.GetValueKind() is not (JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False))
            {
                errors.Add(new($"values.{key}", "A string, number or boolean."));
            }
            else if (value.ToJsonString().Length > CredentialService.MaxValueLength)
            {
                errors.Add(new($"values.{key}", $"At most {CredentialService.MaxValueLength} characters."));
            }
        }
        foreach (var name in required)
        {
            if (CredentialService.Text(values, name) is null) errors.Add(new($"values.{name}", $"Required for a '{kind}' credential."));
        }
    }

    private static CredentialResponse Describe(CredentialRecord r) => new(r.Name, r.Kind, r.FieldNames, r.CreatedAt, r.UpdatedAt);

    [System.Text.Json.Serialization.JsonUnmappedMemberHandling(System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow)]
    [BodyExample("""{"name": "openai-main", "kind": "openai", "values": {"apiKey": "sk-..."}}""")]
    public sealed record CreateCredentialBody(string? Name, string? Kind, JsonObject? Values);

    [System.Text.Json.Serialization.JsonUnmappedMemberHandling(System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow)]
    [BodyExample("""{"kind": "openai", "values": {"apiKey": "sk-..."}}""")]
    public sealed record ReplaceCredentialBody(string? Kind, JsonObject? Values);
}

internal sealed record CredentialList(IReadOnlyList<CredentialResponse> Credentials);

/// <param name="Fields">The names of the credential's values; the values themselves are never returned.</param>
internal sealed record CredentialResponse(string Name, string Kind, IReadOnlyList<string> Fields, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);
