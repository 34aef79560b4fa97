using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FlowForge.Core.Model;
using FlowForge.Core.Storage;
using FlowForge.Server.Api;
using FlowForge.Server.Engine;
using FlowForge.Server.Hosting;
using FlowForge.Server.Nodes.Actions;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace FlowForge.Server.Triggers;

/// <summary>
/// The inbound trigger endpoints, outside <c>/api</c> (no API key): each authenticates its own way. Every request is
/// size-checked (413), its content type checked (415) and its credentials checked (401) before anything is parsed or
/// written; an accepted event is committed before the answer.
/// </summary>
public static partial class HooksApi
{
    private static readonly string[] WebhookMethods = ["GET", "POST", "PUT", "PATCH", "DELETE"];

    /// <summary>Headers never copied into trigger data: credentials and signatures.</summary>
    private static readonly HashSet<string> SecretHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie", "X-Webhook-Token", "X-Api-Key", "webhook-signature",
        "X-Hub-Signature", "X-Hub-Signature-256", "X-Twilio-Signature",
    };

    public static IEndpointRouteBuilder MapHooks(this IEndpointRouteBuilder app)
    {
        var hooks = app.MapGroup("/hooks").WithTags("Hooks").AllowAnonymous();
        hooks.MapGet("/whatsapp", WhatsAppHandshake);
        hooks.MapPost("/whatsapp", WhatsApp);
        hooks.MapPost("/email", Email);
        hooks.MapPost("/voice", Voice);
        hooks.MapMethods("/{endpointKey}", WebhookMethods, Webhook).RequireRateLimiting(RateLimitRegistration.PerWebhook);
        return app;
    }

    // ---------------------------------------------------------------- webhooks

    public static async Task<IResult> Webhook(HttpContext http, string endpointKey, ITriggerStore store, TriggerIntake intake, WebhookSecrets secrets,
        IOptions<TriggerOptions> options, IOptions<RequestLimits> limits, TimeProvider time, ExecutionEvents events, IExecutionClientStore executions, CancellationToken ct)
    {
        var endpoint = endpointKey.Length <= 128 ? await store.FindByKeyAsync(endpointKey, ct) : null;
        if (endpoint is null || endpoint.Type != TriggerRegistry.Webhook)
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

        var (body, tooLarge) = await ReadBodyAsync(http.Request, options.Value.MaxPayloadBytes, ct);
        if (tooLarge is not null) return tooLarge;

        var denied = endpoint.Auth switch
        {
            TriggerAuth.Token => CheckToken(http.Request, endpoint, time.GetUtcNow()),
            TriggerAuth.Signature => CheckSignature(http.Request, body!, SigningSecrets(endpoint, secrets, time.GetUtcNow()), time.GetUtcNow(), options.Value),
            _ => null,
        };
        if (denied is not null) return denied;

        var (payload, invalid) = await ParseBodyAsync(http.Request, body!, limits.Value.MaxJsonDepth, ct);
        if (invalid is not null) return invalid;

        var (dedup, badKey) = DedupKey(http.Request);
        if (badKey is not null) return badKey;

        var triggerData = new JsonObject
        {
            ["method"] = http.Request.Method,
            ["headers"] = Headers(http.Request),
            ["query"] = Query(http.Request.Query),
            ["body"] = payload,
        };
        var delivery = await intake.DeliverAsync(endpoint, triggerData, dedup, ct: ct);
        switch (delivery.Kind)
        {
            case DeliveryKind.NotPublished:
                return Problems.Create(StatusCodes.Status404NotFound, "not-found", "Not found", "No active webhook has this URL.");
            case DeliveryKind.Filtered:
                return TypedResults.Ok(new { filtered = true, detail = delivery.Detail });
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
                    return TypedResults.Ok(new { executionId, status = execution.Status, output = execution.Output, error = execution.Error });
                }
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero) break;
                // Woken by this process's dispatcher; re-read regularly in case another process runs it.
                await events.WaitForFinishAsync(executionId, left < TimeSpan.FromMilliseconds(250) ? left : TimeSpan.FromMilliseconds(250), ct);
            }
        }
        return TypedResults.Json(new { executionId }, statusCode: StatusCodes.Status202Accepted);
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

    private static IResult? CheckToken(HttpRequest request, TriggerEndpoint endpoint, DateTimeOffset now)
    {
        var token = PresentedToken(request);
        if (token is null) return Unauthorized("This webhook needs its token: 'Authorization: Bearer <token>' or 'X-Webhook-Token: <token>'.");
        var valid = WebhookSecrets.TokenMatches(token, endpoint.Secret);
        valid |= endpoint.PreviousExpiresAt > now && WebhookSecrets.TokenMatches(token, endpoint.PreviousSecret);
        return valid ? null : Unauthorized("The webhook token is not valid.");
    }

    private static IResult? CheckSignature(HttpRequest request, byte[] body, IEnumerable<string> secrets, DateTimeOffset now, TriggerOptions options)
    {
        var check = WebhookSecrets.Verify(secrets, request.Headers["webhook-id"].ToString(), request.Headers["webhook-timestamp"].ToString(),
            request.Headers["webhook-signature"].ToString(), body, now, options.SignatureTolerance);
        return check.Valid ? null : Unauthorized(check.Error!);
    }

    private static string? PresentedToken(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && authorization.Length > 7) return authorization[7..].Trim();
        var header = request.Headers["X-Webhook-Token"].ToString();
        return header.Length > 0 ? header : null;
    }

    private static IResult Unauthorized(string detail) =>
        Problems.Create(StatusCodes.Status401Unauthorized, "unauthorized", "Unauthorized", detail);

    /// <summary>The delivery's dedup key: Standard Webhooks' <c>webhook-id</c>, else an <c>Idempotency-Key</c> header.</summary>
    private static (string? Key, IResult? Problem) DedupKey(HttpRequest request)
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

    // ---------------------------------------------------------------- WhatsApp Cloud API

    public static IResult WhatsAppHandshake(HttpRequest request, IOptions<WhatsAppOptions> options)
    {
        var expected = options.Value.VerifyToken;
        var mode = request.Query["hub.mode"].ToString();
        var token = request.Query["hub.verify_token"].ToString();
        var challenge = request.Query["hub.challenge"].ToString();
        if (string.IsNullOrEmpty(expected) || mode != "subscribe" || !WebhookSecrets.ConstantTimeEquals(token, expected) || challenge.Length is 0 or > 1000)
        {
            return Problems.Create(StatusCodes.Status403Forbidden, "forbidden", "Forbidden",
                "The WhatsApp verification handshake failed: hub.mode must be 'subscribe' and hub.verify_token must match Providers__WhatsApp__VerifyToken.");
        }
        return TypedResults.Text(challenge, "text/plain");
    }

    public static async Task<IResult> WhatsApp(HttpContext http, ITriggerStore store, TriggerIntake intake, IOptions<WhatsAppOptions> whatsApp,
        IOptions<TriggerOptions> options, IOptions<RequestLimits> limits, CancellationToken ct)
    {
        var secret = whatsApp.Value.AppSecret;
        if (string.IsNullOrEmpty(secret))
        {
            return Problems.Create(StatusCodes.Status503ServiceUnavailable, "not-configured", "Not configured",
                "WhatsApp inbound is not configured: set Providers__WhatsApp__AppSecret.");
        }
        var (body, tooLarge) = await ReadBodyAsync(http.Request, options.Value.MaxPayloadBytes, ct);
        if (tooLarge is not null) return tooLarge;
        if (!WebhookSecrets.VerifyHubSignature(secret, http.Request.Headers["X-Hub-Signature-256"].ToString(), body))
        {
            return Unauthorized("X-Hub-Signature-256 is missing or does not match the body (HMAC-SHA256 with the app secret).");
        }
        if (!IsJson(http.Request.ContentType)) return UnsupportedMediaType(http.Request.ContentType, "application/json");
        if (JsonBody.IsTooDeep(body, limits.Value.MaxJsonDepth)) return JsonBody.TooDeep(limits.Value.MaxJsonDepth, "payload");
        JsonNode? payload;
        try
        {
            payload = JsonNode.Parse(body!);
        }
        catch (JsonException e)
        {
            return Problems.InvalidBody("Malformed JSON: " + e.Message);
        }
        if (payload is not JsonObject root || root["entry"] is not JsonArray entries)
        {
            return Problems.InvalidBody("Expected a WhatsApp Cloud API notification: {object, entry:[{changes:[{value:{metadata, contacts, messages}}]}]}.");
        }

        var endpoints = await store.ListActiveByTypeAsync(TriggerRegistry.WhatsApp, ct);
        var summary = new InboundSummary();
        foreach (var change in entries.OfType<JsonObject>().SelectMany(e => (e["changes"] as JsonArray ?? []).OfType<JsonObject>()))
        {
            if (change["value"] is not JsonObject value || value["messages"] is not JsonArray messages) continue; // statuses etc.
            var phoneNumberId = Text(value["metadata"]?["phone_number_id"]);
            var contacts = (value["contacts"] as JsonArray ?? []).OfType<JsonObject>()
                .Where(c => Text(c["wa_id"]) is not null)
                .GroupBy(c => Text(c["wa_id"])!).ToDictionary(g => g.Key, g => Text(g.First()["profile"]?["name"]));
            foreach (var message in messages.OfType<JsonObject>())
            {
                summary.Messages++;
                var from = Text(message["from"]);
                var id = Text(message["id"]);
                var data = new JsonObject
                {
                    ["phone_number"] = from,
                    ["message_text"] = Text(message["text"]?["body"]) ?? Text(message["button"]?["text"])
                        ?? Text(message["interactive"]?["button_reply"]?["title"]) ?? Text(message["interactive"]?["list_reply"]?["title"]),
                    ["message_timestamp"] = UnixToIso(Text(message["timestamp"])),
                    ["message_id"] = id,
                    ["message_type"] = Text(message["type"]),
                    ["phone_number_id"] = phoneNumberId,
                    ["contact_name"] = from is not null ? contacts.GetValueOrDefault(from) : null,
                };
                var targets = endpoints.Where(e => Matches((string?)e.Config?["phoneNumberId"], phoneNumberId, Exact));
                await summary.DeliverAsync(intake, targets, data, id is null ? null : "whatsapp:" + id, ct);
            }
        }
        // Meta retries anything but a 200.
        if (summary.Refusal is not null) return QuotaProblem.TooManyStarts(http.Response, summary.Refusal);
        return TypedResults.Ok(summary.ToResponse());
    }

    // ---------------------------------------------------------------- email and voice

    public static async Task<IResult> Email(HttpContext http, ITriggerStore store, TriggerIntake intake, IOptions<TriggerOptions> options,
        IOptions<RequestLimits> limits, TimeProvider time, CancellationToken ct)
    {
        var (fields, problem) = await ReadInboundAsync(http, options.Value, limits.Value.MaxJsonDepth, time.GetUtcNow(), ct);
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
        var endpoints = await store.ListActiveByTypeAsync(TriggerRegistry.Email, ct);
        var targets = endpoints.Where(e => string.IsNullOrWhiteSpace((string?)e.Config?["address"])
            || recipients.Contains(((string)e.Config!["address"]!).Trim(), StringComparer.OrdinalIgnoreCase));
        var dedup = messageId is not null ? "email:" + messageId : HeaderDedup(http.Request);
        var summary = new InboundSummary { Messages = 1 };
        await summary.DeliverAsync(intake, targets, data, dedup, ct);
        return summary.Result(http.Response);
    }

    public static async Task<IResult> Voice(HttpContext http, ITriggerStore store, TriggerIntake intake, IOptions<TriggerOptions> options,
        IOptions<RequestLimits> limits, TimeProvider time, CancellationToken ct)
    {
        var (fields, problem) = await ReadInboundAsync(http, options.Value, limits.Value.MaxJsonDepth, time.GetUtcNow(), ct);
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
        var endpoints = await store.ListActiveByTypeAsync(TriggerRegistry.Voice, ct);
        var targets = endpoints.Where(e => Matches((string?)e.Config?["number"], called, PhoneDigits));
        var dedup = callId is not null ? "voice:" + callId : HeaderDedup(http.Request);
        var summary = new InboundSummary { Messages = 1 };
        await summary.DeliverAsync(intake, targets, data, dedup, ct);
        return summary.Result(http.Response);
    }

    /// <summary>Email/voice: size, deployment-level auth (token or Standard Webhooks secret), then JSON or form fields.</summary>
    private static async Task<(Dictionary<string, string?>? Fields, IResult? Problem)> ReadInboundAsync(
        HttpContext http, TriggerOptions options, int maxJsonDepth, DateTimeOffset now, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(options.InboundToken) && string.IsNullOrEmpty(options.InboundSecret))
        {
            return (null, Problems.Create(StatusCodes.Status503ServiceUnavailable, "not-configured", "Not configured",
                "Email and voice inbound are not configured: set Triggers__InboundToken and/or Triggers__InboundSecret."));
        }
        var (body, tooLarge) = await ReadBodyAsync(http.Request, options.MaxPayloadBytes, ct);
        if (tooLarge is not null) return (null, tooLarge);

        IResult? denied;
        var token = PresentedToken(http.Request);
        if (!string.IsNullOrEmpty(options.InboundSecret) && http.Request.Headers.ContainsKey("webhook-signature"))
        {
            denied = CheckSignature(http.Request, body!, [options.InboundSecret], now, options);
        }
        else if (!string.IsNullOrEmpty(options.InboundToken) && token is not null)
        {
            denied = WebhookSecrets.ConstantTimeEquals(token, options.InboundToken) ? null : Unauthorized("The inbound token is not valid.");
        }
        else
        {
            denied = Unauthorized("Send the inbound token ('Authorization: Bearer <token>' or 'X-Webhook-Token') or a Standard Webhooks signature.");
        }
        if (denied is not null) return (null, denied);

        var (payload, invalid) = await ParseBodyAsync(http.Request, body!, maxJsonDepth, ct);
        if (invalid is not null) return (null, invalid);
        if (payload is not JsonObject obj) return (null, Problems.InvalidBody("Expected a JSON object or form fields."));
        var fields = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (k, v) in obj) fields[k] = Text(v);
        return (fields, null);
    }

    private static string? HeaderDedup(HttpRequest request)
    {
        var id = request.Headers["webhook-id"].ToString();
        if (id.Length is > 0 and <= 200) return "webhook-id:" + id;
        var key = request.Headers["Idempotency-Key"].ToString();
        return key.Length is > 0 and <= 200 ? "idempotency-key:" + key : null;
    }

    /// <summary>Tallies the outcomes of one inbound request's deliveries.</summary>
    private sealed class InboundSummary
    {
        public int Messages;
        private readonly JsonArray _started = [];
        private int _filtered, _duplicates;

        /// <summary>Set when a quota refused a delivery: the sender is answered 429 so it retries (its message id dedups what did start).</summary>
        public QuotaRefusal? Refusal { get; private set; }

        public async Task DeliverAsync(TriggerIntake intake, IEnumerable<TriggerEndpoint> targets, JsonObject data, string? dedup, CancellationToken ct)
        {
            foreach (var endpoint in targets)
            {
                var delivery = await intake.DeliverAsync(endpoint, data.DeepClone(), dedup, ct: ct);
                switch (delivery.Kind)
                {
                    case DeliveryKind.Started:
                        _started.Add(new JsonObject { ["workflowId"] = endpoint.WorkflowId, ["executionId"] = delivery.ExecutionId });
                        break;
                    case DeliveryKind.Duplicate:
                        _duplicates++;
                        _started.Add(new JsonObject { ["workflowId"] = endpoint.WorkflowId, ["executionId"] = delivery.ExecutionId, ["duplicate"] = true });
                        break;
                    case DeliveryKind.Filtered:
                        _filtered++;
                        break;
                    case DeliveryKind.Throttled:
                        Refusal ??= delivery.Refusal;
                        break;
                }
            }
        }

        public JsonObject ToResponse() => new()
        {
            ["received"] = Messages,
            ["executions"] = _started.DeepClone(),
            ["filtered"] = _filtered,
            ["duplicates"] = _duplicates,
        };

        public IResult Result(HttpResponse response)
        {
            if (Refusal is not null) return QuotaProblem.TooManyStarts(response, Refusal);
            if (_duplicates > 0 && _duplicates == _started.Count) response.Headers["Idempotent-Replayed"] = "true";
            return TypedResults.Json(ToResponse(), statusCode: _started.Count > 0 ? StatusCodes.Status202Accepted : StatusCodes.Status200OK);
        }
    }

    // ---------------------------------------------------------------- shared parsing

    /// <summary>The raw body, at most <paramref name="limit"/> bytes (413 above, chunked bodies included).</summary>
    private static async Task<(byte[]? Body, IResult? Problem)> ReadBodyAsync(HttpRequest request, int limit, CancellationToken ct)
    {
        if (request.ContentLength > limit) return (null, TooLarge(limit));
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > limit) return (null, TooLarge(limit));
        }
        return (buffer.ToArray(), null);
    }

    private static IResult TooLarge(int limit) =>
        Problems.Create(StatusCodes.Status413PayloadTooLarge, "body-too-large", "Payload too large",
            $"The payload exceeds the limit of {limit} bytes (Triggers__MaxPayloadBytes).");

    private static IResult UnsupportedMediaType(string? contentType, string expected) =>
        Problems.Create(StatusCodes.Status415UnsupportedMediaType, "unsupported-media-type", "Unsupported media type",
            contentType is null ? $"A body needs a Content-Type ({expected})." : $"Content-Type '{contentType}' is not accepted here; use {expected}.");

    /// <summary>JSON (parsed), form fields (url-encoded or multipart; files are ignored) or text; null for an empty body.</summary>
    /// <remarks>JSON deeper than <paramref name="maxJsonDepth"/> is refused (400): the payload ends up nested inside trigger data and
    /// history events, and data too deep to be written back out must never get in. Form fields are flat by construction.</remarks>
    private static async Task<(JsonNode? Payload, IResult? Problem)> ParseBodyAsync(HttpRequest request, byte[] body, int maxJsonDepth, CancellationToken ct)
    {
        if (body.Length == 0) return (null, null);
        var contentType = request.ContentType;
        const string accepted = "application/json, application/x-www-form-urlencoded, multipart/form-data or text/*";
        if (string.IsNullOrWhiteSpace(contentType)) return (null, UnsupportedMediaType(null, accepted));
        if (IsJson(contentType))
        {
            if (JsonBody.IsTooDeep(body, maxJsonDepth)) return (null, JsonBody.TooDeep(maxJsonDepth, "payload"));
            try
            {
                return (JsonNode.Parse(body), null);
            }
            catch (JsonException e)
            {
                return (null, Problems.InvalidBody($"Malformed JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}): {e.Message.Split(" Path:")[0]}"));
            }
        }
        if (contentType.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
        {
            return (Query(QueryHelpers.ParseQuery(Encoding.UTF8.GetString(body))), null);
        }
        if (contentType.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                request.Body = new MemoryStream(body);
                var form = await request.ReadFormAsync(ct);
                return (Query(form.ToDictionary(f => f.Key, f => f.Value)), null);
            }
            catch (InvalidDataException e)
            {
                return (null, Problems.InvalidBody("Malformed multipart form: " + e.Message));
            }
        }
        if (contentType.StartsWith("text/", StringComparison.OrdinalIgnoreCase)
            || contentType.StartsWith("application/xml", StringComparison.OrdinalIgnoreCase))
        {
            return (JsonValue.Create(Encoding.UTF8.GetString(body)), null);
        }
        return (null, UnsupportedMediaType(contentType, accepted));
    }

    private static bool IsJson(string? contentType) =>
        contentType is not null
        && (contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase)
            || (contentType.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && contentType.Contains("+json", StringComparison.OrdinalIgnoreCase)));

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

    private static JsonObject Query(IEnumerable<KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues>> query)
    {
        var result = new JsonObject();
        foreach (var (name, values) in query)
        {
            result[name] = values.Count == 1 ? JsonValue.Create(values[0]) : new JsonArray([.. values.Select(v => (JsonNode?)JsonValue.Create(v))]);
        }
        return result;
    }

    private static string? Field(Dictionary<string, string?> fields, params string[] names)
    {
        foreach (var name in names)
        {
            if (fields.TryGetValue(name, out var value) && !string.IsNullOrEmpty(value)) return value;
        }
        return null;
    }

    private static string? Text(JsonNode? node) => node switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonValue v => v.ToJsonString(),
        JsonArray a when a.Count == 1 => Text(a[0]),
        _ => node.ToJsonString(),
    };

    private static bool Matches(string? configured, string? actual, Func<string?, string> normalize) =>
        string.IsNullOrWhiteSpace(configured) || (actual is not null && normalize(configured) == normalize(actual));

    private static string Exact(string? value) => value?.Trim() ?? "";

    private static string PhoneDigits(string? value) => new((value ?? "").Where(char.IsAsciiDigit).ToArray());

    private static IEnumerable<string> Addresses(string? header) =>
        header is null ? [] : EmailAddress().Matches(header).Select(m => m.Value.Trim());

    private static string? UnixToIso(string? seconds) =>
        long.TryParse(seconds, NumberStyles.None, CultureInfo.InvariantCulture, out var s) && s < 253402300799
            ? DateTimeOffset.FromUnixTimeSeconds(s).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)
            : seconds;

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
