using FlowForge.Core.Catalog;
using System.Text.Json.Nodes;
using FlowForge.Core.Model;
using FlowForge.Core.Storage;
using FlowForge.Server.Engine;
using FlowForge.Server.Hosting;
using FlowForge.Server.Nodes.Actions;
using FlowForge.Server.Triggers;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace FlowForge.Server.Api.Hooks;

/// <summary>
/// <c>/hooks/{endpointKey}</c>: a published workflow's webhook trigger. The key in the URL finds the trigger; its own
/// token or signing secret (none, for an open webhook) authenticates the call; the answer is 202 with the execution,
/// or the execution's outcome for a <c>responseMode: sync</c> webhook.
/// </summary>
internal static class WebhookHooksApi
{
    private static readonly string[] WebhookMethods = ["GET", "POST", "PUT", "PATCH", "DELETE"];

    /// <summary>Headers never copied into trigger data: credentials and signatures.</summary>
    private static readonly HashSet<string> SecretHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie", "X-Webhook-Token", "X-Api-Key", "webhook-signature",
        "X-Hub-Signature", "X-Hub-Signature-256", "X-Twilio-Signature",
    };

    public static RouteGroupBuilder MapWebhookHooks(this RouteGroupBuilder hooks)
    {
        // One endpoint, five methods: no WithName (an operation id must be unique per method).
        hooks.MapMethods("/{endpointKey}", WebhookMethods, Webhook).RequireRateLimiting(RateLimitRegistration.PerWebhook)
            .WithSummary("A published workflow's webhook trigger (its token or signing secret, or none)")
            .Body<JsonObject>(optional: true, "application/json", "application/x-www-form-urlencoded", "multipart/form-data", "text/plain")
            .Produces<WebhookAccepted>(StatusCodes.Status202Accepted).Problems(400, 401, 404, 405, 413, 415, 422, 429);
        return hooks;
    }

    public static async Task<Results<JsonHttpResult<WebhookAccepted>, Ok<WebhookCompleted>, Ok<WebhookFiltered>, ProblemHttpResult>> Webhook(
        HttpContext http, string endpointKey, ITriggerStore store, TriggerIntake intake, WebhookSecrets secrets,
        IOptions<TriggerOptions> options, IOptions<RequestLimits> limits, TimeProvider time, ExecutionEvents events, IExecutionClientStore executions, RefusedDeliveries refused,
        CancellationToken ct)
    {
        var endpoint = endpointKey.Length <= 128 ? await store.FindByKeyAsync(endpointKey, ct) : null;
        if (endpoint is null || endpoint.Type != NodeTypeNames.TriggerWebhook)
        {
            return Problems.Create(StatusCodes.Status404NotFound, "not-found", "Not found", "No active webhook has this URL.");
        }
        var methods = endpoint.Config?["methods"] is JsonArray list && list.Count > 0
            ? list.Select(m => m?.ToString().ToUpperInvariant()).ToArray()
            : ["POST"];
        if (!methods.Contains(http.Request.Method))
        {
            http.Response.Headers.Allow = string.Join(", ", methods);
            return Problems.Create(StatusCodes.Status405MethodNotAllowed, "method-not-allowed", "Method not allowed",
                $"This webhook accepts {string.Join(", ", methods)}, not {http.Request.Method}.");
        }

        var (body, tooLarge) = await InboundPayload.ReadAsync(http.Request, options.Value.MaxPayloadBytes, ct);
        if (tooLarge is not null) return tooLarge;

        var denied = endpoint.Auth switch
        {
            TriggerAuth.Token => CheckToken(http.Request, endpoint, time.GetUtcNow()),
            TriggerAuth.Signature => HookAuth.CheckSignature(http.Request, body!, SigningSecrets(endpoint, secrets, time.GetUtcNow()), time.GetUtcNow(), options.Value),
            _ => null,
        };
        if (denied is not null)
        {
            await refused.RecordAsync(endpoint, denied.ProblemDetails.Detail ?? "Refused.", ct);
            return denied;
        }

        var (payload, invalid) = await InboundPayload.ParseAsync(http.Request, body!, limits.Value.MaxJsonDepth, ct);
        if (invalid is not null) return invalid;

        var (dedup, badKey) = DedupKey(http.Request);
        if (badKey is not null) return badKey;

        var triggerData = new JsonObject
        {
            ["method"] = http.Request.Method,
            ["headers"] = Headers(http.Request),
            ["query"] = InboundPayload.Fields(http.Request.Query),
            ["body"] = payload,
        };
        var delivery = await intake.DeliverAsync(endpoint, triggerData, dedup, ct: ct);
        switch (delivery.Kind)
        {
            case DeliveryKind.NotPublished:
                return Problems.Create(StatusCodes.Status404NotFound, "not-found", "Not found", "No active webhook has this URL.");
            case DeliveryKind.Filtered:
                return TypedResults.Ok(new WebhookFiltered(true, delivery.Detail));
            case DeliveryKind.Throttled:
                return QuotaProblem.TooManyStarts(http.Response, delivery.Refusal!);
        }
        if (delivery.Kind == DeliveryKind.Duplicate) http.Response.Headers["Idempotent-Replayed"] = "true";
        var executionId = delivery.ExecutionId!;
        if ((string?)endpoint.Config?["responseMode"] == "sync")
        {
            var timeout = SyncTimeout(endpoint.Config?["syncTimeout"]);
            var deadline = DateTime.UtcNow + timeout;
            while (true)
            {
                var (execution, unreadable) = await UnreadableStoredData.ReadAsync($"Execution '{executionId}'", () => executions.GetAsync(endpoint.OrgId, executionId, ct));
                if (unreadable is not null) return unreadable;
                if (execution is not null && ExecutionStatus.IsTerminal(execution.Status))
                {
                    return TypedResults.Ok(new WebhookCompleted(executionId, execution.Status, execution.Output, execution.Error));
                }
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero) break;
                // Woken by this process's dispatcher; re-read regularly in case another process runs it.
                await events.WaitForFinishAsync(executionId, left < TimeSpan.FromMilliseconds(250) ? left : TimeSpan.FromMilliseconds(250), ct);
            }
        }
        return TypedResults.Json(new WebhookAccepted(executionId), statusCode: StatusCodes.Status202Accepted);
    }

    private static TimeSpan SyncTimeout(JsonNode? value)
    {
        var text = value?.ToString();
        var timeout = Durations.TryParse(text, out var parsed) ? parsed : TimeSpan.FromSeconds(30);
        return timeout > TimeSpan.FromMinutes(5) ? TimeSpan.FromMinutes(5) : timeout;
    }

    private static IEnumerable<string> SigningSecrets(TriggerEndpoint endpoint, WebhookSecrets secrets, DateTimeOffset now)
    {
        if (secrets.Unprotect(endpoint.Secret) is { } current) yield return current;
        if (endpoint.PreviousExpiresAt > now && secrets.Unprotect(endpoint.PreviousSecret) is { } previous) yield return previous;
    }

    private static ProblemHttpResult? CheckToken(HttpRequest request, TriggerEndpoint endpoint, DateTimeOffset now)
    {
        var token = HookAuth.PresentedToken(request);
        if (token is null) return HookAuth.Unauthorized("This webhook needs its token: 'Authorization: Bearer <token>' or 'X-Webhook-Token: <token>'.");
        var valid = WebhookSecrets.TokenMatches(token, endpoint.Secret);
        valid |= endpoint.PreviousExpiresAt > now && WebhookSecrets.TokenMatches(token, endpoint.PreviousSecret);
        return valid ? null : HookAuth.Unauthorized("The webhook token is not valid.");
    }

    /// <summary>The delivery's dedup key: Standard Webhooks' <c>webhook-id</c>, else an <c>Idempotency-Key</c> header.</summary>
    private static (string? Key, ProblemHttpResult? Problem) DedupKey(HttpRequest request)
    {
        foreach (var (header, prefix) in new[] { ("webhook-id", "webhook-id:"), ("Idempotency-Key", "idempotency-key:") })
        {
            var value = request.Headers[header].ToString();
            if (value.Length == 0) continue;
            if (value.Length > 200) return (null, Problems.BadRequest($"The {header} header is longer than 200 characters."));
            return (prefix + value, null);
        }
        return (null, null);
    }

    private static JsonObject Headers(HttpRequest request)
    {
        var headers = new JsonObject();
        foreach (var (name, values) in request.Headers)
        {
            if (SecretHeaders.Contains(name)) continue;
            headers[name.ToLowerInvariant()] = values.ToString();
        }
        return headers;
    }
}

/// <summary>202: the webhook's execution was started (or, for a repeated delivery, had been).</summary>
internal sealed record WebhookAccepted(string ExecutionId);

/// <summary>200 for a sync webhook whose execution finished within its timeout: its outcome.</summary>
internal sealed record WebhookCompleted(string ExecutionId, string Status, JsonNode? Output, string? Error);

/// <summary>200: the trigger's filter turned the delivery away; nothing started.</summary>
internal sealed record WebhookFiltered(bool Filtered, string? Detail);
