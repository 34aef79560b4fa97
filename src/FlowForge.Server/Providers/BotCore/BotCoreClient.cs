using System.Text.Json.Nodes;
using FlowForge.Server.Nodes;

namespace FlowForge.Server.Providers.BotCore;

/// <summary>
/// The original platform's AI service: JSON POSTs to <c>/qna</c>, <c>/sentiment-analysis</c>, <c>/intent</c>,
/// <c>/emotion-analysis</c>, <c>/vulnerability-analysis</c>, <c>/reason-analysis</c>, <c>/sales-intelligence</c>
/// and <c>/generate-answer</c> under its base URL, with the API key (if any) as a bearer token and the step's
/// idempotency key as <c>Idempotency-Key</c>.
/// </summary>
internal sealed class BotCoreClient(IHttpClientFactory clients)
{
    public const string ClientName = "ai_botcore";

    public const string Qna = "/qna";
    public const string Sentiment = "/sentiment-analysis";
    public const string Intent = "/intent";
    public const string Emotion = "/emotion-analysis";
    public const string Vulnerability = "/vulnerability-analysis";
    public const string Reason = "/reason-analysis";
    public const string SalesIntelligence = "/sales-intelligence";
    public const string GenerateAnswer = "/generate-answer";

    /// <summary>POSTs <paramref name="body"/> to <paramref name="path"/>; the answer must be a JSON object.</summary>
    public async Task<JsonObject> PostAsync(ProviderEndpoint endpoint, string path, JsonObject body, string idempotencyKey, CancellationToken ct)
    {
        using var client = clients.CreateClient(ClientName);
        var what = $"BotCore {path}";
        var answer = await ProviderHttp.SendAsync(client, what, HttpMethod.Post, ProviderHttp.Combine(endpoint.BaseUrl, path), body, endpoint.ApiKey, idempotencyKey, ct);
        return answer as JsonObject ?? throw new NodeFailure($"{what} answered {Describe(answer)} instead of a JSON object.", retryable: true);
    }

    /// <summary><c>/qna</c> <c>{question, uuid, chatHistory}</c> → the <c>response</c> (or <c>answer</c>) text.</summary>
    public async Task<string> AskAsync(ProviderEndpoint endpoint, string question, string uuid, JsonArray chatHistory, string idempotencyKey, CancellationToken ct)
    {
        var answer = await PostAsync(endpoint, Qna, new JsonObject { ["question"] = question, ["uuid"] = uuid, ["chatHistory"] = chatHistory }, idempotencyKey, ct);
        return AiInput.String(answer, "response") ?? AiInput.String(answer, "answer")
            ?? throw new NodeFailure($"BotCore {Qna} answered without 'response' or 'answer'.", retryable: true);
    }

    /// <summary><c>/generate-answer</c> <c>{question, uuid, temperature}</c> → the <c>answer</c> text.</summary>
    public async Task<string> GenerateAsync(ProviderEndpoint endpoint, string question, string uuid, double? temperature, string idempotencyKey, CancellationToken ct)
    {
        var body = new JsonObject { ["question"] = question, ["uuid"] = uuid };
        if (temperature is { } t) body["temperature"] = t;
        var answer = await PostAsync(endpoint, GenerateAnswer, body, idempotencyKey, ct);
        return AiInput.String(answer, "answer") ?? AiInput.String(answer, "response")
            ?? throw new NodeFailure($"BotCore {GenerateAnswer} answered without 'answer'.", retryable: true);
    }

    /// <summary>One of the <c>{text}</c> analysis endpoints.</summary>
    public Task<JsonObject> AnalyzeAsync(ProviderEndpoint endpoint, string path, string text, string idempotencyKey, CancellationToken ct) =>
        PostAsync(endpoint, path, new JsonObject { ["text"] = text }, idempotencyKey, ct);

    private static string Describe(JsonNode? node) => node switch
    {
        null => "an empty body",
        JsonArray => "a JSON array",
        _ => "'" + Short(node.ToJsonString()) + "'",
    };

    internal static string Short(string s) => s.Length > 200 ? s[..200] + "…" : s;
}
