using System.Text.Json.Nodes;
using FlowForge.Server.Providers;
using FlowForge.Server.Providers.BotCore;
using FlowForge.Server.Providers.BuiltIn;
using FlowForge.Core.Catalog;

namespace FlowForge.Server.Nodes.Ai;

/// <summary>
/// <c>utility_reason</c> → <c>reason</c>. OpenAI: one sentence of plain text. BotCore: <c>/reason-analysis</c>
/// <c>{text}</c> → <c>{reason}</c>. With no provider: a category from <see cref="KeywordRules.ContactReasons"/>
/// (refund request, cancellation, billing or payment, delivery, technical problem, complaint, purchase enquiry,
/// account change), <c>general enquiry</c> when no keyword matches.
/// </summary>
internal sealed class ReasonHandler(AiNodeSupport ai) : INodeHandler
{
    public string NodeType => NodeTypeNames.UtilityReason;

    public async Task<NodeResult> RunAsync(NodeRunContext context, CancellationToken ct)
    {
        var input = AiNodeSupport.Config(context);
        var provider = await ai.Providers.ResolveAsync(context, input, ct);
        var text = await ai.InputTextAsync(context, input, ct);
        string reason;
        if (provider is null)
        {
            reason = KeywordRules.Match(text, KeywordRules.ContactReasons)?.Name ?? KeywordRules.GeneralEnquiry;
        }
        else if (provider.Kind == ProviderKinds.BotCore)
        {
            var answer = await ai.BotCore.AnalyzeAsync(provider, BotCoreClient.Reason, text, context.IdempotencyKey, ct);
            reason = AiNodeSupport.RequireString(answer, "reason", "BotCore " + BotCoreClient.Reason);
        }
        else
        {
            reason = (await ai.OpenAI.CompleteAsync(provider, AiNodeSupport.Model(input), AiNodeSupport.Messages(
                "In one short sentence, state why the person writing got in touch. Reply with that sentence only.", text),
                temperature: 0, jsonObject: false, context.IdempotencyKey, ct)).Trim();
            if (reason.Length == 0) throw new NodeFailure("The model answered with an empty reason.", retryable: true);
        }
        return new NodeResult(new JsonObject { ["reason"] = reason });
    }
}
