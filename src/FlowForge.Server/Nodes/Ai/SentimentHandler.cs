using System.Text.Json.Nodes;
using FlowForge.Server.Providers;
using FlowForge.Server.Providers.BotCore;
using FlowForge.Server.Providers.BuiltIn;
using FlowForge.Core.Catalog;

namespace FlowForge.Server.Nodes.Ai;

/// <summary>
/// <c>utility_sentiment</c> → <c>sentiment</c> (positive/neutral/negative) and <c>sentiment_score</c> (-1..1).
/// OpenAI: a validated JSON object <c>{sentiment, score}</c>. BotCore: <c>/sentiment-analysis</c> <c>{text}</c> →
/// <c>{sentiment, score}</c>. With no provider: the built-in <see cref="LexiconSentimentAnalyzer"/>.
/// </summary>
internal sealed class SentimentHandler(AiNodeSupport ai) : INodeHandler
{
    private static readonly string[] Labels = ["positive", "neutral", "negative"];

    public string NodeType => NodeTypeNames.UtilitySentiment;

    public async Task<NodeResult> RunAsync(NodeRunContext context, CancellationToken ct)
    {
        var input = AiNodeSupport.Config(context);
        var provider = await ai.Providers.ResolveAsync(context, input, ct);
        var text = await ai.InputTextAsync(context, input, ct);
        string label;
        double score;
        if (provider is null)
        {
            var result = LexiconSentimentAnalyzer.Default.Analyze(text);
            (label, score) = (result.Label, result.Score);
        }
        else
        {
            JsonObject answer;
            string what;
            if (provider.Kind == ProviderKinds.BotCore)
            {
                what = "BotCore " + BotCoreClient.Sentiment;
                answer = await ai.BotCore.AnalyzeAsync(provider, BotCoreClient.Sentiment, text, context.IdempotencyKey, ct);
            }
            else
            {
                what = "The model";
                answer = await ai.OpenAI.CompleteJsonAsync(provider, AiNodeSupport.Model(input), AiNodeSupport.Messages(
                    "Classify the sentiment of the user's message. Reply as {\"sentiment\": \"positive\" | \"neutral\" | \"negative\", \"score\": a number from -1 (most negative) to 1 (most positive)}.",
                    text), temperature: 0, context.IdempotencyKey, ct);
            }
            label = AiNodeSupport.RequireString(answer, "sentiment", what).Trim().ToLowerInvariant();
            if (!Labels.Contains(label)) throw new NodeFailure($"{what} answered sentiment '{label}', not positive, neutral or negative.", retryable: true);
            if (!answer.ContainsKey("score") && answer.ContainsKey("sentiment_score")) answer["score"] = answer["sentiment_score"]!.DeepClone();
            score = AiNodeSupport.RequireNumber(answer, "score", what, -1, 1);
        }
        return new NodeResult(new JsonObject { ["sentiment"] = label, ["sentiment_score"] = score });
    }
}
