using System.Text.Json.Nodes;
using FlowForge.Server.Providers;
using FlowForge.Server.Providers.OpenAI;
using FlowForge.Core.Catalog;

namespace FlowForge.Server.Nodes.Ai;

/// <summary>
/// <c>agent_decision</c> → <c>decision</c> (<c>Approve</c>, <c>Reject</c> or <c>Review</c>) and <c>confidence</c>,
/// continuing from the port of that name (<c>approve</c>/<c>reject</c>/<c>review</c>).
/// OpenAI: asks for <c>{"decision", "confidence"}</c> as a JSON object and validates it (bad JSON, a missing field or a
/// confidence outside 0..1 is a retryable failure); a decision that is none of the three goes to review.
/// BotCore has no decision endpoint: <c>/generate-answer</c> is asked for one word; the answer is read as JSON when it is,
/// else by the one word it contains (confidence 1), and an unclear answer goes to review with confidence 0.
/// </summary>
internal sealed class DecisionAgentHandler(AiNodeSupport ai) : INodeHandler
{
    public const string DefaultSystemPrompt = "You review requests and decide whether to approve them, reject them, or send them to a human for review when unsure.";

    public string NodeType => NodeTypeNames.AgentDecision;

    public async Task<NodeResult> RunAsync(NodeRunContext context, CancellationToken ct)
    {
        var input = AiNodeSupport.Config(context);
        var provider = await ai.RequireProviderAsync(context, input, ct);
        var text = await ai.InputTextAsync(context, input, ct);
        var criteria = AiInput.String(input, "criteria");
        var system = AiNodeSupport.SystemPrompt(input, DefaultSystemPrompt)
            + (string.IsNullOrWhiteSpace(criteria) ? "" : "\n\nCriteria:\n" + criteria);

        string decision;
        double confidence;
        if (provider.Kind == ProviderKinds.BotCore)
        {
            var question = system + "\n\nRequest:\n" + text + "\n\nAnswer with exactly one word: Approve, Reject or Review.";
            var answer = await ai.BotCore.GenerateAsync(provider, question, context.ExecutionId, AiInput.Number(input, "temperature"), context.IdempotencyKey, ct);
            (decision, confidence) = ReadFreeText(answer);
        }
        else
        {
            var json = await ai.OpenAI.CompleteJsonAsync(provider, AiNodeSupport.Model(input),
                AiNodeSupport.Messages(system + "\n\nReply as {\"decision\": \"approve\" | \"reject\" | \"review\", \"confidence\": a number from 0 to 1}.", text),
                AiInput.Number(input, "temperature"), context.IdempotencyKey, ct);
            const string what = "The model";
            var raw = AiNodeSupport.RequireString(json, "decision", what);
            confidence = AiNodeSupport.RequireNumber(json, "confidence", what, 0, 1);
            decision = Normalize(raw) ?? "Review";
        }
        return new NodeResult(new JsonObject { ["decision"] = decision, ["confidence"] = confidence }, decision.ToLowerInvariant());
    }

    /// <summary>Approve, Reject or Review for a model's word (approved, rejected, … accepted), else null.</summary>
    public static string? Normalize(string? word) => word?.Trim().Trim('.', '!', '?', '"', '\'', '*', '(', ')').ToLowerInvariant() switch
    {
        "approve" or "approved" or "approval" or "accept" or "accepted" => "Approve",
        "reject" or "rejected" or "rejection" or "deny" or "denied" or "decline" or "declined" => "Reject",
        "review" or "human review" or "needs review" or "escalate" => "Review",
        _ => null,
    };

    /// <summary>A free-text answer: JSON when it is, else the single decision word it contains; unclear → Review, 0.</summary>
    public static (string Decision, double Confidence) ReadFreeText(string answer)
    {
        if (answer.TrimStart().StartsWith('{'))
        {
            try
            {
                var json = OpenAIChatClient.ParseObject(answer);
                if (Normalize(AiInput.String(json, "decision")) is { } d) return (d, Math.Clamp(AiInput.Number(json, "confidence") ?? 1, 0, 1));
            }
            catch (NodeFailure)
            {
            }
        }
        var words = answer.Split([' ', '\n', '\r', '\t', ',', ';', ':'], StringSplitOptions.RemoveEmptyEntries)
            .Select(Normalize).Where(d => d is not null).Distinct().ToList();
        return words.Count == 1 ? (words[0]!, 1) : ("Review", 0);
    }
}
