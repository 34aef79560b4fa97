using System.Text.Json;
using System.Text.Json.Nodes;
using FlowForge.Server.Nodes;
using FlowForge.Server.Providers.BotCore;

namespace FlowForge.Server.Providers.OpenAI;

/// <summary>One message of a chat completion request.</summary>
internal sealed record ChatMessage(string Role, string Content);

/// <summary>
/// An OpenAI-compatible chat completions endpoint (OpenAI, Azure OpenAI's compatible route, Ollama,
/// llama.cpp server): <c>POST {BaseUrl}/chat/completions</c> <c>{model, messages, temperature?, response_format?}</c>
/// with the API key as a bearer token and the step's idempotency key as <c>Idempotency-Key</c>.
/// </summary>
internal sealed class OpenAIChatClient(IHttpClientFactory clients)
{
    public const string ClientName = "ai_openai";

    /// <summary>The model when neither the node, the credential nor <c>Providers:OpenAI:Model</c> names one.</summary>
    public const string DefaultModel = "gpt-4o-mini";

    /// <summary>Appended to the system prompt of calls that want a JSON object back.</summary>
    public const string JsonInstruction = "Answer with a single JSON object only, no prose and no code fences.";

    /// <summary>The text of <c>choices[0].message.content</c>.</summary>
    public async Task<string> CompleteAsync(ProviderEndpoint endpoint, string? model, IReadOnlyList<ChatMessage> messages, double? temperature, bool jsonObject,
        string idempotencyKey, CancellationToken ct)
    {
        var body = new JsonObject
        {
            ["model"] = model ?? endpoint.Model ?? DefaultModel,
            ["messages"] = new JsonArray([.. messages.Select(m => (JsonNode)new JsonObject { ["role"] = m.Role, ["content"] = m.Content })]),
        };
        if (temperature is { } t) body["temperature"] = t;
        if (jsonObject) body["response_format"] = new JsonObject { ["type"] = "json_object" };

        using var client = clients.CreateClient(ClientName);
        const string what = "OpenAI /chat/completions";
        var answer = await ProviderHttp.SendAsync(client, what, HttpMethod.Post, ProviderHttp.Combine(endpoint.BaseUrl, "chat/completions"), body, endpoint.ApiKey, idempotencyKey, ct);
        var content = (answer as JsonObject)?["choices"] is JsonArray { Count: > 0 } choices && choices[0]?["message"] is JsonObject message ? AiInput.String(message, "content") : null;
        return content ?? throw new NodeFailure($"{what} answered without choices[0].message.content: '{BotCoreClient.Short(answer?.ToJsonString() ?? "")}'.", retryable: true);
    }

    /// <summary>
    /// Asks for a JSON object (<c>response_format</c> plus <see cref="JsonInstruction"/> in the system prompt) and parses it.
    /// An answer that is not a JSON object is a retryable failure: models do better on another try.
    /// </summary>
    public async Task<JsonObject> CompleteJsonAsync(ProviderEndpoint endpoint, string? model, IReadOnlyList<ChatMessage> messages, double? temperature,
        string idempotencyKey, CancellationToken ct)
    {
        var withInstruction = messages.ToList();
        var systemIndex = withInstruction.FindIndex(m => m.Role == "system");
        if (systemIndex >= 0) withInstruction[systemIndex] = withInstruction[systemIndex] with { Content = withInstruction[systemIndex].Content + "\n\n" + JsonInstruction };
        else withInstruction.Insert(0, new ChatMessage("system", JsonInstruction));

        var content = await CompleteAsync(endpoint, model, withInstruction, temperature, jsonObject: true, idempotencyKey, ct);
        return ParseObject(content);
    }

    /// <summary>The JSON object in a model's answer (a surrounding code fence is tolerated).</summary>
    public static JsonObject ParseObject(string content)
    {
        var text = content.Trim();
        if (text.StartsWith("```", StringComparison.Ordinal))
        {
            var firstLine = text.IndexOf('\n');
            var end = text.LastIndexOf("```", StringComparison.Ordinal);
            if (firstLine > 0 && end > firstLine) text = text[(firstLine + 1)..end].Trim();
        }
        try
        {
            if (JsonNode.Parse(text) is JsonObject o) return o;
        }
        catch (JsonException)
        {
        }
        throw new NodeFailure($"The model's answer is not a valid JSON object: '{BotCoreClient.Short(content)}'.", retryable: true);
    }
}
