using System.Text.Json;
using System.Text.Json.Nodes;
using FlowForge.Core.Storage;
using FlowForge.Server.Providers;
using FlowForge.Server.Providers.BotCore;
using FlowForge.Server.Providers.OpenAI;

namespace FlowForge.Server.Nodes.Ai;

/// <summary>
/// What the AI node handlers share: provider choice, the provider clients, and the node's input text.
/// <para>
/// <b>Input text.</b> <c>inputText</c> when it is not empty; otherwise the trigger's message text, read from
/// the execution's stored trigger data (<c>message_text</c>, then <c>messageText</c>, <c>text</c>, <c>message</c>,
/// <c>body</c>, <c>email_body</c>, <c>call_transcript</c>, <c>transcript</c>). Test runs (<c>/test</c>) store no
/// execution, so there an empty <c>inputText</c> fails the step: give it explicitly (e.g. <c>{{trigger.message_text}}</c>).
/// </para>
/// </summary>
internal sealed class AiNodeSupport(AiProviderResolver resolver, BotCoreClient botCore, OpenAIChatClient openAI, IExecutionWorkerStore store)
{
    private static readonly string[] MessageFields = ["message_text", "messageText", "text", "message", "body", "email_body", "call_transcript", "transcript"];

    public AiProviderResolver Providers => resolver;

    public BotCoreClient BotCore => botCore;

    public OpenAIChatClient OpenAI => openAI;

    public static JsonObject Config(NodeRunContext context) => context.Input as JsonObject ?? [];

    /// <summary>The provider, or a non-retryable failure for nodes that have no built-in model.</summary>
    public async Task<ProviderEndpoint> RequireProviderAsync(NodeRunContext context, JsonObject input, CancellationToken ct) =>
        await resolver.ResolveAsync(context, input, ct) ?? throw new NodeFailure(AiProviderResolver.NoProviderMessage, retryable: false);

    public async Task<string> InputTextAsync(NodeRunContext context, JsonObject input, CancellationToken ct, string field = "inputText")
    {
        var text = AiInput.String(input, field);
        if (!string.IsNullOrWhiteSpace(text)) return text;
        var trigger = await TriggerDataAsync(context, ct);
        foreach (var name in MessageFields)
        {
            if (AiInput.String(trigger, name) is { } found && !string.IsNullOrWhiteSpace(found)) return found;
        }
        throw new NodeFailure(context.IsTest
            ? $"'{field}' is empty and a test run has no stored trigger message to fall back on; set {field} (e.g. {{{{trigger.message_text}}}})."
            : $"'{field}' is empty and the trigger data has no message text (message_text, text, body, ...); set {field}.", retryable: false);
    }

    /// <summary>The node's <c>chatHistory</c> (an array), else the trigger's <c>chatHistory</c>/<c>chat_history</c>, else empty.</summary>
    public async Task<JsonArray> ChatHistoryAsync(NodeRunContext context, JsonObject input, CancellationToken ct)
    {
        if (input["chatHistory"] is JsonArray configured) return (JsonArray)configured.DeepClone();
        if (input["chatHistory"] is JsonValue v && v.TryGetValue<string>(out var s) && s.TrimStart().StartsWith('['))
        {
            try { if (JsonNode.Parse(s) is JsonArray parsed) return parsed; }
            catch (JsonException) { }
        }
        var trigger = await TriggerDataAsync(context, ct);
        return (trigger?["chatHistory"] ?? trigger?["chat_history"]) is JsonArray fromTrigger ? (JsonArray)fromTrigger.DeepClone() : [];
    }

    /// <summary>Chat history entries as messages: <c>{role, content}</c> (bot/ai/agent → assistant), <c>{sender|from, text|message}</c>, or plain strings (user).</summary>
    public static IEnumerable<ChatMessage> HistoryMessages(JsonArray history)
    {
        foreach (var item in history)
        {
            if (item is JsonValue v && v.TryGetValue<string>(out var plain))
            {
                yield return new ChatMessage("user", plain);
                continue;
            }
            if (item is not JsonObject o) continue;
            var role = (AiInput.String(o, "role") ?? AiInput.String(o, "sender") ?? AiInput.String(o, "from") ?? "user").ToLowerInvariant();
            var content = AiInput.String(o, "content") ?? AiInput.String(o, "text") ?? AiInput.String(o, "message");
            if (content is null) continue;
            role = role switch
            {
                "assistant" or "bot" or "ai" or "agent" or "model" => "assistant",
                "system" => "system",
                _ => "user",
            };
            yield return new ChatMessage(role, content);
        }
    }

    /// <summary>The system prompt with <c>memoryContext</c> appended under a heading, or null when both are empty.</summary>
    public static string? SystemPrompt(JsonObject input, string? fallback = null)
    {
        var prompt = AiInput.String(input, "systemPrompt");
        if (string.IsNullOrWhiteSpace(prompt)) prompt = fallback;
        var memory = AiInput.String(input, "memoryContext");
        if (!string.IsNullOrWhiteSpace(memory)) prompt = (string.IsNullOrWhiteSpace(prompt) ? "" : prompt + "\n\n") + "Context to remember:\n" + memory;
        return string.IsNullOrWhiteSpace(prompt) ? null : prompt;
    }

    public static List<ChatMessage> Messages(string? system, string user, IEnumerable<ChatMessage>? history = null)
    {
        var messages = new List<ChatMessage>();
        if (system is not null) messages.Add(new ChatMessage("system", system));
        if (history is not null) messages.AddRange(history);
        messages.Add(new ChatMessage("user", user));
        return messages;
    }

    public static string? Model(JsonObject input) => AiInput.String(input, "model") is { Length: > 0 } m && !string.IsNullOrWhiteSpace(m) ? m : null;

    private async Task<JsonObject?> TriggerDataAsync(NodeRunContext context, CancellationToken ct)
    {
        if (context.IsTest) return null;
        var record = await store.GetForEngineAsync(context.ExecutionId, ct);
        return record?.TriggerData as JsonObject;
    }

    /// <summary>A required string field of a provider's answer; missing is retryable (the model may do better next time).</summary>
    public static string RequireString(JsonObject answer, string field, string what) =>
        AiInput.String(answer, field) is { } s && !string.IsNullOrWhiteSpace(s)
            ? s
            : throw new NodeFailure($"{what} answered without a '{field}' string: '{BotCoreClient.Short(answer.ToJsonString())}'.", retryable: true);

    /// <summary>A required number field of a provider's answer, within [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static double RequireNumber(JsonObject answer, string field, string what, double min, double max) =>
        AiInput.Number(answer, field) is { } d && d >= min && d <= max
            ? d
            : throw new NodeFailure($"{what} answered without a '{field}' number between {min} and {max}: '{BotCoreClient.Short(answer.ToJsonString())}'.", retryable: true);
}
