using System.Security.Claims;
using System.Text.Encodings.Web;
using FlowForge.Core.Storage;
using FlowForge.Server.Api;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace FlowForge.Server.Auth;

/// <summary>
/// Authenticates a request by its API key: <c>X-Api-Key</c>, <c>Authorization: Bearer</c>, or the
/// <c>access_token</c> query parameter (browsers cannot set headers on WebSocket requests). The key's
/// organisation becomes the <see cref="OrgClaim"/> every handler scopes its queries by.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ITenantStore tenants)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string OrgClaim = "org";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var key = FindKey(Request);
        if (key is null) return AuthenticateResult.NoResult();
        var orgId = await tenants.FindOrgByKeyHashAsync(ApiKeys.Hash(key), Context.RequestAborted);
        if (orgId is null) return AuthenticateResult.Fail("Invalid API key.");
        var identity = new ClaimsIdentity([new Claim(OrgClaim, orgId)], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var hasKey = FindKey(Request) is not null;
        var problem = Problems.Create(StatusCodes.Status401Unauthorized, "unauthorized", "Unauthorized",
            hasKey ? "The API key is not valid or has been revoked." : "An API key is required: send it as 'X-Api-Key: <key>' or 'Authorization: Bearer <key>'.");
        Response.Headers.WWWAuthenticate = "Bearer";
        await problem.ExecuteAsync(Context);
    }

    private static string? FindKey(HttpRequest request)
    {
        if (request.Headers.TryGetValue("X-Api-Key", out var header) && !string.IsNullOrWhiteSpace(header)) return header.ToString().Trim();
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return authorization["Bearer ".Length..].Trim();
        if (request.Query.TryGetValue("access_token", out var token) && !string.IsNullOrWhiteSpace(token)) return token.ToString();
        return null;
    }
}

public static class OrgPrincipal
{
    /// <summary>The organisation of an authenticated request.</summary>
    public static string OrgId(this ClaimsPrincipal user) =>
        user.FindFirstValue(ApiKeyAuthenticationHandler.OrgClaim) ?? throw new InvalidOperationException("The request is not authenticated.");
}
