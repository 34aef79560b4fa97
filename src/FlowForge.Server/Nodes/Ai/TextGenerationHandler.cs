using System.Text.Json.Nodes;
using FlowForge.Server.Providers;
using FlowForge.Core.Catalog;

namespace FlowForge.Server.Nodes.Ai;

/// <summary>
/// <c>utility_text_gen</c> → <c>generated_text</c> from <c>prompt</c> (and <c>systemPrompt</c>, <c>temperature</c>).
/// OpenAI: system + user messages. BotCore: <c>/generate-answer</c> <c>{question, uuid, temperature}</c>, the system
/// prompt (if any) put before the prompt. No built-in model.
/// </summary>
internal sealed class TextGenerationHandler(AiNodeSupport ai) : INodeHandler
{
    public string NodeType => NodeTypeNames.UtilityTextGen;

    public async Task<NodeResult> RunAsync(NodeRunContext context, CancellationToken ct)
    {
        var input = AiNodeSupport.Config(context);
        var provider = await ai.RequireProviderAsync(context, input, ct);
        var prompt = AiInput.String(input, "prompt");
        if (string.IsNullOrWhiteSpace(prompt)) throw new NodeFailure("'prompt' is empty.", retryable: false);
        var system = AiNodeSupport.SystemPrompt(input);
        var temperature = AiInput.Number(input, "temperature");
        var text = provider.Kind == ProviderKinds.BotCore
            ? await ai.BotCore.GenerateAsync(provider, system is null ? prompt : system + "\n\n" + prompt, context.ExecutionId, temperature, context.IdempotencyKey, ct)
            : await ai.OpenAI.CompleteAsync(provider, AiNodeSupport.Model(input), AiNodeSupport.Messages(system, prompt), temperature, jsonObject: false, context.IdempotencyKey, ct);
        return new NodeResult(new JsonObject { ["generated_text"] = text });
    }
}
