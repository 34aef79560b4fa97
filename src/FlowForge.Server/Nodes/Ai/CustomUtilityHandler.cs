using System.Text.Json.Nodes;
using FlowForge.Server.Providers;
using FlowForge.Core.Catalog;

namespace FlowForge.Server.Nodes.Ai;

/// <summary>
/// <c>utility_custom</c> → <c>custom_output</c>. With <c>endpoint</c>: that URL (through the egress policy) gets
/// <c>{text, input}</c> (input = the node's resolved config) as JSON with <c>method</c> POST (default), PUT or PATCH,
/// or <c>?text=</c> with GET; the response body (parsed when JSON) is the output. With <c>prompt</c>: the chat provider
/// runs it as the system prompt over the input text (BotCore: <c>/generate-answer</c> with prompt and text); no built-in model.
/// </summary>
internal sealed class CustomUtilityHandler(AiNodeSupport ai, IHttpClientFactory clients) : INodeHandler
{
    public const string ClientName = "ai_custom";

    public string NodeType => NodeTypeNames.UtilityCustom;

    public async Task<NodeResult> RunAsync(NodeRunContext context, CancellationToken ct)
    {
        var input = AiNodeSupport.Config(context);
        var endpoint = AiInput.String(input, "endpoint");
        var prompt = AiInput.String(input, "prompt");
        if (!string.IsNullOrWhiteSpace(endpoint))
        {
            if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                throw new NodeFailure($"'endpoint' must be an absolute http(s) URL, not '{endpoint}'.", retryable: false);
            }
            var text = await ai.InputTextAsync(context, input, ct);
            var method = new HttpMethod((AiInput.String(input, "method") ?? "POST").Trim().ToUpperInvariant());
            JsonObject? body = null;
            if (method == HttpMethod.Get) uri = new Uri(uri + (uri.Query.Length > 0 ? "&" : "?") + "text=" + Uri.EscapeDataString(text));
            else body = new JsonObject { ["text"] = text, ["input"] = input.DeepClone() };
            using var client = clients.CreateClient(ClientName);
            var output = await ProviderHttp.SendAsync(client, "The custom endpoint", method, uri, body, bearer: null, context.IdempotencyKey, ct);
            return new NodeResult(new JsonObject { ["custom_output"] = output });
        }
        if (string.IsNullOrWhiteSpace(prompt)) throw new NodeFailure("Set 'endpoint' or 'prompt'.", retryable: false);

        var provider = await ai.RequireProviderAsync(context, input, ct);
        var inputText = await ai.InputTextAsync(context, input, ct);
        var temperature = AiInput.Number(input, "temperature");
        var answer = provider.Kind == ProviderKinds.BotCore
            ? await ai.BotCore.GenerateAsync(provider, prompt + "\n\n" + inputText, context.ExecutionId, temperature, context.IdempotencyKey, ct)
            : await ai.OpenAI.CompleteAsync(provider, AiNodeSupport.Model(input), AiNodeSupport.Messages(prompt, inputText), temperature, jsonObject: false, context.IdempotencyKey, ct);
        return new NodeResult(new JsonObject { ["custom_output"] = answer });
    }
}
