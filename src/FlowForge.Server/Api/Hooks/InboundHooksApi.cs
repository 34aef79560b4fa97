using FlowForge.Core.Catalog;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FlowForge.Core.Storage;
using FlowForge.Server.Triggers;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using static FlowForge.Server.Api.Hooks.InboundPayload;

namespace FlowForge.Server.Api.Hooks;

/// <summary>
/// <c>/hooks/email</c> and <c>/hooks/voice</c>: inbound email and calls relayed by a provider, authenticated with the
/// deployment's inbound token or signing secret, as JSON or form fields under the names common providers use.
/// </summary>
internal static partial class InboundHooksApi
{
    public static RouteGroupBuilder MapInboundHooks(this RouteGroupBuilder hooks)
    {
        // The body is the provider's own shape (JSON or form fields): documented as an open object.
        hooks.MapPost("/email", Email).WithName("InboundEmailHook").WithSummary("An inbound email for the email triggers (inbound token or signature)")
            .Body<JsonObject>(optional: false, "application/json", "application/x-www-form-urlencoded", "multipart/form-data")
            .Produces<JsonObject>(StatusCodes.Status202Accepted).Problems(400, 401, 413, 415, 429, 503);
        hooks.MapPost("/voice", Voice).WithName("InboundVoiceHook").WithSummary("An inbound call or transcript for the voice triggers (inbound token or signature)")
            .Body<JsonObject>(optional: false, "application/json", "application/x-www-form-urlencoded", "multipart/form-data")
            .Produces<JsonObject>(StatusCodes.Status202Accepted).Problems(400, 401, 413, 415, 429, 503);
        return hooks;
    }

    public static async Task<Results<JsonHttpResult<JsonObject>, ProblemHttpResult>> Email(HttpContext http, ITriggerStore store, TriggerIntake intake,
        IOptions<TriggerOptions> options, IOptions<RequestLimits> limits, TimeProvider time, CancellationToken ct)
    {
        var (fields, problem) = await ReadFieldsAsync(http, options.Value, limits.Value.MaxJsonDepth, time.GetUtcNow(), ct);
        if (problem is not null) return problem;
        var to = Field(fields!, "to", "recipient", "email_to");
        var cc = Field(fields!, "cc");
        var text = Field(fields!, "text", "body", "plain", "email_body", "body-plain");
        var html = Field(fields!, "html", "body-html");
        var messageId = Field(fields!, "message_id", "messageId", "Message-Id", "message-id");
        var data = new JsonObject
        {
            ["email_from"] = Field(fields!, "from", "sender", "email_from"),
            ["email_to"] = to,
            ["email_subject"] = Field(fields!, "subject", "email_subject"),
            ["email_body"] = text ?? (html is null ? null : StripTags(html)),
            ["email_html"] = html,
            ["email_timestamp"] = Field(fields!, "timestamp", "date", "email_timestamp") is { } ts ? NormalizeTime(ts) : time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture),
            ["message_id"] = messageId,
        };
        var recipients = Addresses(to).Concat(Addresses(cc)).ToList();
        var endpoints = await store.ListActiveByTypeAsync(NodeTypeNames.TriggerEmail, ct);
        var targets = endpoints.Where(e => string.IsNullOrWhiteSpace((string?)e.Config?["address"])
            || recipients.Contains(((string)e.Config!["address"]!).Trim(), StringComparer.OrdinalIgnoreCase));
        var dedup = messageId is not null ? "email:" + messageId : HeaderDedup(http.Request);
        var summary = new InboundSummary { Messages = 1 };
        await summary.DeliverAsync(intake, targets, data, dedup, ct);
        return summary.Result(http.Response);
    }

    public static async Task<Results<JsonHttpResult<JsonObject>, ProblemHttpResult>> Voice(HttpContext http, ITriggerStore store, TriggerIntake intake,
        IOptions<TriggerOptions> options, IOptions<RequestLimits> limits, TimeProvider time, CancellationToken ct)
    {
        var (fields, problem) = await ReadFieldsAsync(http, options.Value, limits.Value.MaxJsonDepth, time.GetUtcNow(), ct);
        if (problem is not null) return problem;
        var called = Field(fields!, "to", "number", "called_number", "calledNumber", "To");
        var duration = Field(fields!, "duration", "call_duration", "callDuration", "CallDuration");
        var callId = Field(fields!, "call_id", "callId", "CallSid", "id");
        var data = new JsonObject
        {
            ["caller_number"] = Field(fields!, "caller_number", "callerNumber", "from", "caller", "From"),
            ["called_number"] = called,
            ["call_duration"] = double.TryParse(duration, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) ? JsonValue.Create(seconds) : null,
            ["call_transcript"] = Field(fields!, "transcript", "call_transcript", "callTranscript", "TranscriptionText"),
            ["call_id"] = callId,
        };
        var endpoints = await store.ListActiveByTypeAsync(NodeTypeNames.TriggerVoice, ct);
        var targets = endpoints.Where(e => ForNumber((string?)e.Config?["number"], called));
        var dedup = callId is not null ? "voice:" + callId : HeaderDedup(http.Request);
        var summary = new InboundSummary { Messages = 1 };
        await summary.DeliverAsync(intake, targets, data, dedup, ct);
        return summary.Result(http.Response);
    }

    /// <summary>Size, deployment-level auth (token or Standard Webhooks secret), then JSON or form fields.</summary>
    private static async Task<(Dictionary<string, string?>? Fields, ProblemHttpResult? Problem)> ReadFieldsAsync(
        HttpContext http, TriggerOptions options, int maxJsonDepth, DateTimeOffset now, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(options.InboundToken) && string.IsNullOrEmpty(options.InboundSecret))
        {
            return (null, Problems.Create(StatusCodes.Status503ServiceUnavailable, "not-configured", "Not configured",
                "Email and voice inbound are not configured: set Triggers__InboundToken and/or Triggers__InboundSecret."));
        }
        var (body, tooLarge) = await ReadAsync(http.Request, options.MaxPayloadBytes, ct);
        if (tooLarge is not null) return (null, tooLarge);

        ProblemHttpResult? denied;
        var token = HookAuth.PresentedToken(http.Request);
        if (!string.IsNullOrEmpty(options.InboundSecret) && http.Request.Headers.ContainsKey("webhook-signature"))
        {
            denied = HookAuth.CheckSignature(http.Request, body!, [options.InboundSecret], now, options);
        }
        else if (!string.IsNullOrEmpty(options.InboundToken) && token is not null)
        {
            denied = WebhookSecrets.ConstantTimeEquals(token, options.InboundToken) ? null : HookAuth.Unauthorized("The inbound token is not valid.");
        }
        else
        {
            denied = HookAuth.Unauthorized("Send the inbound token ('Authorization: Bearer <token>' or 'X-Webhook-Token') or a Standard Webhooks signature.");
        }
        if (denied is not null) return (null, denied);

        var (payload, invalid) = await ParseAsync(http.Request, body!, maxJsonDepth, ct);
        if (invalid is not null) return (null, invalid);
        if (payload is not JsonObject obj) return (null, Problems.InvalidBody("Expected a JSON object or form fields."));
        var fields = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (k, v) in obj) fields[k] = Text(v);
        return (fields, null);
    }

    /// <summary>The dedup key when the payload has no message or call id; an over-long header is ignored here, not refused.</summary>
    private static string? HeaderDedup(HttpRequest request)
    {
        var id = request.Headers["webhook-id"].ToString();
        if (id.Length is > 0 and <= 200) return "webhook-id:" + id;
        var key = request.Headers["Idempotency-Key"].ToString();
        return key.Length is > 0 and <= 200 ? "idempotency-key:" + key : null;
    }

    private static string? Field(Dictionary<string, string?> fields, params string[] names)
    {
        foreach (var name in names)
        {
            if (fields.TryGetValue(name, out var value) && !string.IsNullOrEmpty(value)) return value;
        }
        return null;
    }

    /// <summary>A voice trigger without a number takes every call; numbers compare by their digits only.</summary>
    private static bool ForNumber(string? configured, string? called) =>
        string.IsNullOrWhiteSpace(configured) || (called is not null && PhoneDigits(configured) == PhoneDigits(called));

    private static string PhoneDigits(string? value) => new((value ?? "").Where(char.IsAsciiDigit).ToArray());

    private static IEnumerable<string> Addresses(string? header) =>
        header is null ? [] : EmailAddress().Matches(header).Select(m => m.Value.Trim());

    private static string NormalizeTime(string value) =>
        DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
            ? t.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture)
            : UnixToIso(value) ?? value;

    private static string StripTags(string html) => WhiteSpace().Replace(Tags().Replace(html, " "), " ").Trim();

    [GeneratedRegex(@"[^\s<>,;""']+@[^\s<>,;""']+")]
    private static partial Regex EmailAddress();

    [GeneratedRegex("<[^>]*>")]
    private static partial Regex Tags();

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhiteSpace();
}
