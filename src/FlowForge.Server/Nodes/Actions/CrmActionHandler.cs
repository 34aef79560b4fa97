using System.Text.Json.Nodes;
using System.Text.Json;
using FlowForge.Server.Credentials;
using FlowForge.Server.Providers;
using Microsoft.Extensions.Options;
using FlowForge.Core.Catalog;

namespace FlowForge.Server.Nodes.Actions;

/// <summary>
/// <c>action_crm</c>: writes a record to a CRM behind a small HTTP contract, one endpoint per system
/// (<c>Providers__Crm__Systems__&lt;name&gt;__BaseUrl</c>, optional <c>__ApiKey</c> sent as a bearer token, or a
/// <c>crm</c> credential <c>{baseUrl, apiKey?}</c>): create = <c>POST {BaseUrl}/records</c> with the fields as the
/// JSON body, update = <c>PATCH {BaseUrl}/records/{recordId}</c>; the answer's <c>id</c> is the record id. A CRM
/// is not a messaging channel: an unconfigured system fails the step (no outbox).
/// </summary>
internal sealed class CrmActionHandler(IHttpClientFactory clients, IOptionsMonitor<CrmOptions> options, ActionSupport support) : INodeHandler
{
    public const string ClientName = "provider_crm";

    public string NodeType => NodeTypeNames.ActionCrm;

    public async Task<NodeResult> RunAsync(NodeRunContext context, CancellationToken ct)
    {
        var input = ActionSupport.Input(context);
        var system = ActionSupport.Required(input, "crmSystem");
        var action = (ActionSupport.Text(input, "action") ?? "create").ToLowerInvariant();
        if (action is not ("create" or "update")) throw new NodeFailure($"'action' must be 'create' or 'update', not '{action}'.", retryable: false);
        var fields = input["fields"] as JsonObject ?? throw new NodeFailure("'fields' must be an object of field name to value.", retryable: false);
        var recordId = ActionSupport.Text(input, "recordId");
        if (action == "update" && recordId is null) throw new NodeFailure("'recordId' is required to update a record.", retryable: false);

        var credential = await support.CredentialAsync(context, CredentialKinds.Crm, ct);
        var configured = credential is null ? options.CurrentValue.Find(system) : null;
        var baseUrl = credential is null ? configured?.BaseUrl : CredentialService.Text(credential, "baseUrl");
        var apiKey = credential is null ? configured?.ApiKey : CredentialService.Text(credential, "apiKey");
        if (string.IsNullOrWhiteSpace(baseUrl))
        {
            throw new NodeFailure($"CRM system '{system}' is not configured: set Providers__Crm__Systems__{system}__BaseUrl or name a 'crm' credential.", retryable: false);
        }

        return await support.SendOnceAsync(context, Channels.Crm, async (key, token) =>
        {
            using var client = clients.CreateClient(ClientName);
            var (method, url) = action == "create"
                ? (HttpMethod.Post, ProviderHttp.Join(baseUrl, "records"))
                : (HttpMethod.Patch, ProviderHttp.Join(baseUrl, "records/" + Uri.EscapeDataString(recordId!)));
            var answer = await ProviderHttp.SendAsync(client, $"CRM '{system}'", method, url, fields.DeepClone(), apiKey, key, token);
            var id = answer is JsonObject o ? o["id"] : null;
            var written = id is null ? recordId : id.GetValueKind() == JsonValueKind.String ? id.GetValue<string>() : id.ToJsonString();
            if (written is null) throw new NodeFailure($"CRM '{system}' created the record but returned no id.", retryable: false);
            return new SendOutcome(new JsonObject { ["crm_updated"] = true, ["crm_system"] = system, ["record_id"] = written, ["action"] = action }, written);
        }, ct);
    }
}
