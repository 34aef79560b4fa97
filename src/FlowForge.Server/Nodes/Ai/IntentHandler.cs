using System.Text.Json.Nodes;
using FlowForge.Server.Providers;
using FlowForge.Server.Providers.BotCore;
using FlowForge.Server.Providers.BuiltIn;
using FlowForge.Core.Catalog;

namespace FlowForge.Server.Nodes.Ai;

/// <summary>
/// <c>utility_intent</c> → <c>intent</c>, <c>confidence</c> (0..1). The node's <c>intents</c> (<c>[{name, keywords}]</c>)
/// are the choices. OpenAI: a validated JSON object <c>{intent, confidence}</c>; with intents configured the answer must
/// be one of their names or <c>unknown</c>. BotCore: <c>/intent</c> <c>{text}</c> → <c>{intent, confidence}</c> (BotCore
/// has its own intent set; the node's list is not sent). With no provider: <see cref="KeywordRules"/> over the node's
/// intents, or <see cref="KeywordRules.DefaultIntents"/> when it lists none; <c>unknown</c> with confidence 0 when nothing matches.
/// </summary>
internal sealed class IntentHandler(AiNodeSupport ai) : INodeHandler
{
    public string NodeType => NodeTypeNames.UtilityIntent;

    public async Task<NodeResult> RunAsync(NodeRunContext context, CancellationToken ct)
    {
        var input = AiNodeSupport.Config(context);
        var provider = await ai.Providers.ResolveAsync(context, input, ct);
        var text = await ai.InputTextAsync(context, input, ct);
        var rules = KeywordRules.FromConfig(input["intents"]);
        string intent;
        double confidence;
        if (provider is null)
        {
            var match = KeywordRules.Match(text, rules ?? KeywordRules.DefaultIntents);
            (intent, confidence) = match is null ? (KeywordRules.UnknownIntent, 0) : (match.Name, match.Confidence);
        }
        else
        {
            JsonObject answer;
            string what;
            if (provider.Kind == ProviderKinds.BotCore)
            {
                what = "BotCore " + BotCoreClient.Intent;
                answer = await ai.BotCore.AnalyzeAsync(provider, BotCoreClient.Intent, text, context.IdempotencyKey, ct);
            }
            else
            {
                what = "The model";
                var choices = rules is null
                    ? "Name the intent with a short snake_case label (e.g. greeting, refund, cancel, complaint, purchase, support)."
                    : "Choose one of: " + string.Join(", ", rules.Select(r => r.Name)) + "; or unknown when none fits.";
                answer = await ai.OpenAI.CompleteJsonAsync(provider, AiNodeSupport.Model(input), AiNodeSupport.Messages(
                    "Identify the intent of the user's message. " + choices + " Reply as {\"intent\": the intent, \"confidence\": a number from 0 to 1}.",
                    text), temperature: 0, context.IdempotencyKey, ct);
            }
            intent = AiNodeSupport.RequireString(answer, "intent", what).Trim();
            confidence = AiNodeSupport.RequireNumber(answer, "confidence", what, 0, 1);
            if (rules is not null && provider.Kind == ProviderKinds.OpenAI)
            {
                var known = rules.FirstOrDefault(r => string.Equals(r.Name, intent, StringComparison.OrdinalIgnoreCase))?.Name
                    ?? (string.Equals(intent, KeywordRules.UnknownIntent, StringComparison.OrdinalIgnoreCase) ? KeywordRules.UnknownIntent : null);
                intent = known ?? throw new NodeFailure($"{what} answered intent '{intent}', which is not one of the node's intents ({string.Join(", ", rules.Select(r => r.Name))}).", retryable: true);
            }
        }
        return new NodeResult(new JsonObject { ["intent"] = intent, ["confidence"] = confidence });
    }
}
