using System.Text.Json.Nodes;
using FlowForge.Server.Providers;
using FlowForge.Core.Catalog;

namespace FlowForge.Server.Nodes.Ai;

/// <summary>
/// <c>agent_reasoning</c> → <c>reasoning</c>, <c>conclusion</c>. OpenAI: a JSON object with both, validated
/// (retryable when malformed). BotCore: <c>/generate-answer</c> asked to end with a line <c>Conclusion: …</c>;
/// the text before it is the reasoning (without such a line, the last paragraph is the conclusion). No built-in model.
/// </summary>
internal sealed class ReasoningAgentHandler(AiNodeSupport ai) : INodeHandler
{
    public const string DefaultSystemPrompt = "You think problems through carefully, step by step, before concluding.";

    public string NodeType => NodeTypeNames.AgentReasoning;

    public async Task<NodeResult> RunAsync(NodeRunContext context, CancellationToken ct)
    {
        var input = AiNodeSupport.Config(context);
        var provider = await ai.RequireProviderAsync(context, input, ct);
        var text = await ai.InputTextAsync(context, input, ct);
        var system = AiNodeSupport.SystemPrompt(input, DefaultSystemPrompt)!;
        string reasoning, conclusion;
        if (provider.Kind == ProviderKinds.BotCore)
        {
            var question = system + "\n\n" + text + "\n\nReason step by step, then give your conclusion on a last line starting with 'Conclusion:'.";
            var answer = await ai.BotCore.GenerateAsync(provider, question, context.ExecutionId, AiInput.Number(input, "temperature"), context.IdempotencyKey, ct);
            (reasoning, conclusion) = Split(answer);
        }
        else
        {
            var json = await ai.OpenAI.CompleteJsonAsync(provider, AiNodeSupport.Model(input),
                AiNodeSupport.Messages(system + "\n\nReply as {\"reasoning\": your step-by-step reasoning, \"conclusion\": your conclusion in one or two sentences}.", text),
                AiInput.Number(input, "temperature"), context.IdempotencyKey, ct);
            reasoning = AiNodeSupport.RequireString(json, "reasoning", "The model");
            conclusion = AiNodeSupport.RequireString(json, "conclusion", "The model");
        }
        return new NodeResult(new JsonObject { ["reasoning"] = reasoning, ["conclusion"] = conclusion });
    }

    /// <summary>Reasoning and conclusion of a free-text answer.</summary>
    public static (string Reasoning, string Conclusion) Split(string answer)
    {
        var at = answer.LastIndexOf("conclusion:", StringComparison.OrdinalIgnoreCase);
        if (at >= 0) return (answer[..at].Trim(), answer[(at + "conclusion:".Length)..].Trim());
        var paragraphs = answer.Trim().Split(["\n\n", "\r\n\r\n"], StringSplitOptions.RemoveEmptyEntries);
        return paragraphs.Length > 1 ? (string.Join("\n\n", paragraphs[..^1]).Trim(), paragraphs[^1].Trim()) : (answer.Trim(), answer.Trim());
    }
}
