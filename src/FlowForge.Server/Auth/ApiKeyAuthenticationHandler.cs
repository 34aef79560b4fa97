using System.Security.Claims;
using System.Text.Encodings.Web;
using FlowForge.Core.Storage;
using FlowForge.Server.Api;
using FlowForge.Server.Live;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace FlowForge.Server.Auth;

/// <summary>
/// Authenticates a request by its API key: <c>X-Api-Key</c>, <c>Authorization: Bearer</c>, or, on the hub path
/// only, the <c>access_token</c> query parameter (browsers cannot set headers on WebSocket requests; anywhere else a
/// key in a URL would only end up in logs and browser history). The key's organisation becomes the
/// <see cref="OrgClaim"/> every handler scopes its queries by.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ITenantStore tenants)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string OrgClaim = "org";
    private const string AccessTokenParameter = "access_token";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var key = FindKey(Request);
        if (key is null) return AuthenticateResult.NoResult();
        var record = await tenants.FindKeyByHashAsync(ApiKeys.Hash(key), Context.RequestAborted);
        if (record is null) return AuthenticateResult.Fail("Invalid API key.");
        // NameIdentifier is the key's id: stable for the key's life, it binds a hub connection to the key that opened it
        // (SignalR compares it across requests), partitions rate limits, and lets a revocation find the key's connections.
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, record.Id), new Claim(OrgClaim, record.OrgId)], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var hasKey = FindKey(Request) is not null;
        var detail = hasKey ? "The API key is not valid or has been revoked."
            : Request.Query.ContainsKey(AccessTokenParameter) ? $"The '{AccessTokenParameter}' query parameter is accepted only on {ExecutionsHub.Path}: send the key as 'X-Api-Key: <key>' or 'Authorization: Bearer <key>'."
            : "An API key is required: send it as 'X-Api-Key: <key>' or 'Authorization: Bearer <key>'.";
        var problem = Problems.Create(StatusCodes.Status401Unauthorized, "unauthorized", "Unauthorized", detail);
        Response.Headers.WWWAuthenticate = "Bearer";
        await problem.ExecuteAsync(Context);
    }

    private static string? FindKey(HttpRequest request)
    {
        if (request.Headers.TryGetValue("X-Api-Key", out var header) && !string.IsNullOrWhiteSpace(header)) return header.ToString().Trim();
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return authorization["Bearer ".Length..].Trim();
        if (request.Path.StartsWithSegments(ExecutionsHub.Path) && request.Query.TryGetValue(AccessTokenParameter, out var token) && !string.IsNullOrWhiteSpace(token)) return token.ToString();
        return null;
    }
}

internal static class OrgPrincipal
{
    /// <summary>The organisation of an authenticated request.</summary>
    public static string OrgId(this ClaimsPrincipal user) =>
        user.FindFirstValue(ApiKeyAuthenticationHandler.OrgClaim) ?? throw new InvalidOperationException("The request is not authenticated.");

    /// <summary>The id of the API key a request or connection authenticated with, or null when it did not.</summary>
    public static string? KeyId(this ClaimsPrincipal user) => user.FindFirstValue(ClaimTypes.NameIdentifier);
}
