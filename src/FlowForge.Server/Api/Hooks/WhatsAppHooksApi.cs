using FlowForge.Core.Catalog;
using System.Text.Json;
using System.Text.Json.Nodes;
using FlowForge.Core.Storage;
using FlowForge.Server.Nodes.Actions;
using FlowForge.Server.Triggers;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using static FlowForge.Server.Api.Hooks.InboundPayload;

namespace FlowForge.Server.Api.Hooks;

/// <summary>
/// <c>/hooks/whatsapp</c>: the WhatsApp Cloud API's verification handshake (GET) and its message notifications (POST,
/// signed with the app secret), each message delivered to the WhatsApp triggers of its phone number.
/// </summary>
internal static class WhatsAppHooksApi
{
    public static RouteGroupBuilder MapWhatsAppHooks(this RouteGroupBuilder hooks)
    {
        hooks.MapGet("/whatsapp", WhatsAppHandshake).WithName("WhatsAppHandshake").WithSummary("Meta's subscription handshake: echoes hub.challenge")
            .Produces<string>(StatusCodes.Status200OK, "text/plain").Problems(403);
        hooks.MapPost("/whatsapp", WhatsApp).WithName("WhatsAppHook").WithSummary("A WhatsApp Cloud API notification (X-Hub-Signature-256)")
            .Body<JsonObject>(optional: false, "application/json").Problems(400, 401, 413, 415, 429, 503);
        return hooks;
    }

    public static Results<ContentHttpResult, ProblemHttpResult> WhatsAppHandshake(HttpRequest request, IOptions<WhatsAppOptions> options)
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

    public static async Task<Results<Ok<JsonObject>, ProblemHttpResult>> WhatsApp(HttpContext http, ITriggerStore store, TriggerIntake intake,
        IOptions<WhatsAppOptions> whatsApp, IOptions<TriggerOptions> options, IOptions<RequestLimits> limits, CancellationToken ct)
    {
        var secret = whatsApp.Value.AppSecret;
        if (string.IsNullOrEmpty(secret))
        {
            return Problems.Create(StatusCodes.Status503ServiceUnavailable, "not-configured", "Not configured",
                "WhatsApp inbound is not configured: set Providers__WhatsApp__AppSecret.");
        }
        var (body, tooLarge) = await ReadAsync(http.Request, options.Value.MaxPayloadBytes, ct);
        if (tooLarge is not null) return tooLarge;
        if (!WebhookSecrets.VerifyHubSignature(secret, http.Request.Headers["X-Hub-Signature-256"].ToString(), body))
        {
            return HookAuth.Unauthorized("X-Hub-Signature-256 is missing or does not match the body (HMAC-SHA256 with the app secret).");
        }
        if (!JsonBody.IsJson(http.Request.ContentType)) return UnsupportedMediaType(http.Request.ContentType, "application/json");
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

        var endpoints = await store.ListActiveByTypeAsync(NodeTypeNames.TriggerWhatsApp, ct);
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
                var targets = endpoints.Where(e => ForPhoneNumberId((string?)e.Config?["phoneNumberId"], phoneNumberId));
                await summary.DeliverAsync(intake, targets, data, id is null ? null : "whatsapp:" + id, ct);
            }
        }
        // Meta retries anything but a 200.
        if (summary.Refusal is not null) return QuotaProblem.TooManyStarts(http.Response, summary.Refusal);
        return TypedResults.Ok(summary.ToResponse());
    }

    /// <summary>A trigger without a phone number id takes every number's messages.</summary>
    private static bool ForPhoneNumberId(string? configured, string? actual) =>
        string.IsNullOrWhiteSpace(configured) || (actual is not null && configured.Trim() == actual.Trim());
}
