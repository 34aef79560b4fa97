using System.Text.Json.Nodes;
using System.Text.Json;
using FlowForge.Server.Credentials;
using FlowForge.Server.Providers;
using Microsoft.Extensions.Options;
using FlowForge.Core.Catalog;

namespace FlowForge.Server.Nodes.Actions;

/// <summary>
/// <c>action_call</c>: an outbound call through the voice service (<c>POST {BaseUrl}/twilio/outbound-call</c>
/// <c>{toNumber, agentId}</c> → <c>{callId}</c>), or into the outbox when no voice service is configured.
/// </summary>
internal sealed class CallActionHandler(IHttpClientFactory clients, IOptionsMonitor<VoiceOptions> options, ActionSupport support) : INodeHandler
{
    public const string ClientName = "provider_voice";

    public string NodeType => NodeTypeNames.ActionCall;

    public async Task<NodeResult> RunAsync(NodeRunContext context, CancellationToken ct)
    {
        var input = ActionSupport.Input(context);
        var phone = ActionSupport.Required(input, "phoneNumber");
        var agent = ActionSupport.Required(input, "voiceAgent");

        var credential = await support.CredentialAsync(context, CredentialKinds.Voice, ct);
        var baseUrl = credential is null ? options.CurrentValue.BaseUrl : CredentialService.Text(credential, "baseUrl");
        var apiKey = credential is null ? options.CurrentValue.ApiKey : CredentialService.Text(credential, "apiKey");
        var body = new JsonObject { ["toNumber"] = phone, ["agentId"] = agent };

        if (string.IsNullOrWhiteSpace(baseUrl))
        {
            return await support.ToOutboxAsync(context, Channels.Call, phone, null, $"Call {phone} with voice agent '{agent}'.", body,
                id => new JsonObject { ["call_initiated"] = true, ["call_id"] = id }, ct);
        }

        return await support.SendOnceAsync(context, Channels.Call, async (key, token) =>
        {
            using var client = clients.CreateClient(ClientName);
            var answer = await ProviderHttp.SendAsync(client, "The voice service", HttpMethod.Post, ProviderHttp.Join(baseUrl, "twilio/outbound-call"), body, apiKey, key, token);
            var id = answer is JsonObject o ? (o["callId"] ?? o["call_id"] ?? o["id"]) : null;
            var callId = id is null ? null : id.GetValueKind() == JsonValueKind.String ? id.GetValue<string>() : id.ToJsonString();
            if (callId is null) throw new NodeFailure("The voice service accepted the call but returned no callId.", retryable: false);
            return new SendOutcome(new JsonObject { ["call_initiated"] = true, ["call_id"] = callId, ["delivery"] = "provider" }, callId);
        }, ct);
    }
}
