using System.Text.Json.Nodes;
using System.Text.Json;
using FlowForge.Core.Storage;
using FlowForge.Server.Credentials;
using FlowForge.Server.Providers;
using Microsoft.Extensions.Options;
using FlowForge.Core.Catalog;

namespace FlowForge.Server.Nodes.Actions;

/// <summary>
/// <c>action_whatsapp</c>: a text message through the WhatsApp Cloud API
/// (<c>POST {BaseUrl}/{PhoneNumberId}/messages</c>, bearer token), or into the outbox when WhatsApp is not
/// configured. Recipient <c>trigger</c> answers the phone number that started the execution.
/// </summary>
internal sealed class WhatsAppActionHandler(
    IHttpClientFactory clients, IOptionsMonitor<WhatsAppOptions> options, ActionSupport support, IExecutionWorkerStore executions) : INodeHandler
{
    public const string ClientName = "provider_whatsapp";

    public string NodeType => NodeTypeNames.ActionWhatsApp;

    public async Task<NodeResult> RunAsync(NodeRunContext context, CancellationToken ct)
    {
        var input = ActionSupport.Input(context);
        var text = ActionSupport.Required(input, "messageTemplate");
        var to = await RecipientAsync(context, ActionSupport.Text(input, "recipient") ?? "trigger", ct);

        var credential = await support.CredentialAsync(context, CredentialKinds.WhatsApp, ct);
        var configured = options.CurrentValue;
        var token = credential is null ? configured.AccessToken : CredentialService.Text(credential, "accessToken");
        var phoneNumberId = credential is null ? configured.PhoneNumberId : CredentialService.Text(credential, "phoneNumberId");
        var baseUrl = (credential is null ? configured.BaseUrl : CredentialService.Text(credential, "baseUrl")) ?? WhatsAppOptions.DefaultBaseUrl;

        var body = new JsonObject
        {
            ["messaging_product"] = "whatsapp",
            ["to"] = to,
            ["type"] = "text",
            ["text"] = new JsonObject { ["body"] = text },
        };

        if (string.IsNullOrWhiteSpace(token) || string.IsNullOrWhiteSpace(phoneNumberId))
        {
            return await support.ToOutboxAsync(context, Channels.WhatsApp, to, null, text, body,
                id => new JsonObject { ["message_sent"] = true, ["message_id"] = id, ["status"] = "outbox" }, ct);
        }

        return await support.SendOnceAsync(context, Channels.WhatsApp, async (key, token2) =>
        {
            using var client = clients.CreateClient(ClientName);
            var url = ProviderHttp.Join(baseUrl, Uri.EscapeDataString(phoneNumberId) + "/messages");
            var answer = await ProviderHttp.SendAsync(client, "WhatsApp", HttpMethod.Post, url, body, token, key, token2);
            var message = answer?["messages"] is JsonArray { Count: > 0 } messages ? messages[0] : null;
            var id = message?["id"]?.GetValueKind() == JsonValueKind.String ? message["id"]!.GetValue<string>() : null;
            if (id is null) throw new NodeFailure("WhatsApp accepted the request but returned no message id.", retryable: false);
            var status = message?["message_status"]?.GetValueKind() == JsonValueKind.String ? message["message_status"]!.GetValue<string>() : "accepted";
            return new SendOutcome(new JsonObject { ["message_sent"] = true, ["message_id"] = id, ["status"] = status, ["delivery"] = "provider" }, id);
        }, ct);
    }

    /// <summary>The number to send to, as WhatsApp wants it: digits only (no <c>+</c>, spaces or dashes).</summary>
    private async Task<string> RecipientAsync(NodeRunContext context, string recipient, CancellationToken ct)
    {
        var raw = recipient;
        if (string.Equals(recipient, "trigger", StringComparison.OrdinalIgnoreCase))
        {
            var execution = context.IsTest ? null : await executions.GetForEngineAsync(context.ExecutionId, ct);
            var trigger = execution?.TriggerData as JsonObject;
            raw = ActionSupport.Text(trigger ?? [], "phone_number") ?? ActionSupport.Text(trigger ?? [], "from")
                ?? throw new NodeFailure(context.IsTest
                    ? "Recipient 'trigger' needs the trigger's phone number, which a test run does not have: give an explicit number to test with."
                    : "Recipient 'trigger' needs the trigger's phone number, but the trigger data has no 'phone_number' (or 'from').", retryable: false);
        }
        var digits = new string([.. raw.Where(c => c is not (' ' or '-' or '(' or ')' or '.')).SkipWhile(c => c == '+')]);
        if (digits.Length is < 6 or > 15 || !digits.All(char.IsAsciiDigit))
        {
            throw new NodeFailure($"'{raw}' is not a phone number in international format (e.g. +4915112345678).", retryable: false);
        }
        return digits;
    }
}
