using FlowForge.Server.Triggers;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FlowForge.Server.Api.Hooks;

/// <summary>The credentials hooks accept: a bearer or <c>X-Webhook-Token</c> token, or a Standard Webhooks signature.</summary>
internal static class HookAuth
{
    /// <summary>The token presented as <c>Authorization: Bearer</c>, else as <c>X-Webhook-Token</c>.</summary>
    public static string? PresentedToken(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && authorization.Length > 7) return authorization[7..].Trim();
        var header = request.Headers["X-Webhook-Token"].ToString();
        return header.Length > 0 ? header : null;
    }

    /// <summary>Null when the Standard Webhooks signature headers match <paramref name="body"/> under one of <paramref name="secrets"/>.</summary>
    public static ProblemHttpResult? CheckSignature(HttpRequest request, byte[] body, IEnumerable<string> secrets, DateTimeOffset now, TriggerOptions options)
    {
        var check = WebhookSecrets.Verify(secrets, request.Headers["webhook-id"].ToString(), request.Headers["webhook-timestamp"].ToString(),
            request.Headers["webhook-signature"].ToString(), body, now, options.SignatureTolerance);
        return check.Valid ? null : Unauthorized(check.Error!);
    }

    public static ProblemHttpResult Unauthorized(string detail) =>
        Problems.Create(StatusCodes.Status401Unauthorized, "unauthorized", "Unauthorized", detail);
}
