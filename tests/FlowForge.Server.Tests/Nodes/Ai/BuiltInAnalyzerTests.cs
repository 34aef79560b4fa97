using System.Net;
using System.Text.Json.Nodes;
using FlowForge.Server.Tests.Infrastructure;

namespace FlowForge.Server.Tests.Nodes.Ai;

/// <summary>No AI provider configured: the built-in analyzer runs offline, and nodes needing a model fail clearly.</summary>
public class BuiltInAnalyzerTests(NoProviderFixture server) : IClassFixture<NoProviderFixture>
{
    private const string NoProvider = "no AI provider configured (set Providers__OpenAI__BaseUrl or Providers__BotCore__BaseUrl, or name a credential)";

    private readonly HttpClient _client = server.Client();

    [Fact]
    public async Task Sentiment_Lexicon_WithNegation_AndTriggerTextFallback()
    {
        var wf = AiWorkflows.Build(
            [
                AiWorkflows.Node("t", "trigger_manual", new { }),
                AiWorkflows.Node("pos", "utility_sentiment", new { inputText = "I love it, the support team was really helpful!" }),
                AiWorkflows.Node("neg", "utility_sentiment", new { inputText = "This is not good at all." }),
                AiWorkflows.Node("neutral", "utility_sentiment", new { inputText = "The parcel is at the depot." }),
                AiWorkflows.Node("fallback", "utility_sentiment", new { inputText = "" }),
            ],
            [AiWorkflows.Edge("t", "pos"), AiWorkflows.Edge("t", "neg"), AiWorkflows.Edge("t", "neutral"), AiWorkflows.Edge("t", "fallback")]);
        var (_, done) = await _client.Run(wf, new { message_text = "The delivery was terrible and the driver was rude." });

        Assert.Equal("completed", (string?)done["status"]);
        Assert.Equal("positive", (string?)done.Output("pos")["sentiment"]);
        Assert.True((double)done.Output("pos")["sentiment_score"]! > 0.5);
        Assert.Equal("negative", (string?)done.Output("neg")["sentiment"]);
        Assert.True((double)done.Output("neg")["sentiment_score"]! < 0);
        Assert.Equal("neutral", (string?)done.Output("neutral")["sentiment"]);
        Assert.Equal(0, (double)done.Output("neutral")["sentiment_score"]!);
        Assert.Equal("negative", (string?)done.Output("fallback")["sentiment"]);
    }

    [Fact]
    public async Task Intent_UserRules_DefaultRules_AndUnknown()
    {
        var rules = new[]
        {
            new { name = "track_order", keywords = new[] { "where is my order", "tracking" } },
            new { name = "talk_to_human", keywords = new[] { "agent", "human", "real person" } },
        };
        var wf = AiWorkflows.Build(
            [
                AiWorkflows.Node("t", "trigger_manual", new { }),
                AiWorkflows.Node("custom", "utility_intent", new { inputText = "WHERE is my order?? Give me the tracking number", intents = rules }),
                AiWorkflows.Node("mixed", "utility_intent", new { inputText = "tracking is broken, let me talk to a real person or a human", intents = rules }),
                AiWorkflows.Node("defaults", "utility_intent", new { inputText = "I want my money back, please refund me" }),
                AiWorkflows.Node("unknown", "utility_intent", new { inputText = "The weather is nice today", intents = rules }),
            ],
            [AiWorkflows.Edge("t", "custom"), AiWorkflows.Edge("t", "mixed"), AiWorkflows.Edge("t", "defaults"), AiWorkflows.Edge("t", "unknown")]);
        var (_, done) = await _client.Run(wf);

        Assert.Equal("completed", (string?)done["status"]);
        Assert.Equal("track_order", (string?)done.Output("custom")["intent"]);
        Assert.Equal(1.0, (double)done.Output("custom")["confidence"]!);
        Assert.Equal("talk_to_human", (string?)done.Output("mixed")["intent"]);
        Assert.Equal(0.67, (double)done.Output("mixed")["confidence"]!);
        Assert.Equal("refund", (string?)done.Output("defaults")["intent"]);
        Assert.Equal("unknown", (string?)done.Output("unknown")["intent"]);
        Assert.Equal(0, (double)done.Output("unknown")["confidence"]!);
    }

    [Fact]
    public async Task Vulnerability_And_Reason_KeywordRules()
    {
        var wf = AiWorkflows.Build(
            [
                AiWorkflows.Node("t", "trigger_manual", new { }),
                AiWorkflows.Node("v", "utility_vulnerability", new { }),
                AiWorkflows.Node("none", "utility_vulnerability", new { inputText = "Please change my delivery slot." }),
                AiWorkflows.Node("r", "utility_reason", new { }),
                AiWorkflows.Node("general", "utility_reason", new { inputText = "Hello there" }),
            ],
            [AiWorkflows.Edge("t", "v"), AiWorkflows.Edge("t", "none"), AiWorkflows.Edge("t", "r"), AiWorkflows.Edge("t", "general")]);
        var (_, done) = await _client.Run(wf, new { text = "I lost my job and can't afford the bill since my husband passed away" });

        Assert.Equal("completed", (string?)done["status"]);
        Assert.Equal(["bereavement", "financial_hardship"], done.Output("v")["vulnerabilities"]!.AsArray().Select(x => (string)x!).Order());
        Assert.Equal("medium", (string?)done.Output("v")["risk_level"]);
        Assert.Empty(done.Output("none")["vulnerabilities"]!.AsArray());
        Assert.Equal("none", (string?)done.Output("none")["risk_level"]);
        Assert.Equal("billing or payment", (string?)done.Output("r")["reason"]);
        Assert.Equal("general enquiry", (string?)done.Output("general")["reason"]);
    }

    [Theory]
    [InlineData("agent_conversational")]
    [InlineData("agent_reasoning")]
    [InlineData("utility_text_gen")]
    public async Task NodesNeedingAModel_FailClearly_WithoutRetry(string type)
    {
        object config = type == "utility_text_gen" ? new { prompt = "Write a haiku" } : new { inputText = "hello" };
        var (_, done) = await _client.Run(AiWorkflows.Single(type, config));

        Assert.Equal("failed", (string?)done["status"]);
        Assert.Equal(1, (int?)done.Step("ai")["attempts"]);
        Assert.Contains(NoProvider, (string?)done["errorMessage"]);
    }

    [Fact]
    public async Task DecisionAgent_And_CustomPrompt_FailClearly()
    {
        var (_, decision) = await _client.Run(AiWorkflows.Decision(new { inputText = "refund?" }));
        Assert.Equal("failed", (string?)decision["status"]);
        Assert.Contains(NoProvider, (string?)decision["errorMessage"]);

        var (_, custom) = await _client.Run(AiWorkflows.Single("utility_custom", new { prompt = "Summarise", inputText = "x" }));
        Assert.Equal("failed", (string?)custom["status"]);
        Assert.Contains(NoProvider, (string?)custom["errorMessage"]);
    }

    [Fact]
    public async Task CustomEndpoint_WorksWithoutAProvider()
    {
        var tag = AiWorkflows.Tag();
        server.Fake.Script(tag, Reply.Json(new { summary = "short" }));
        var (_, done) = await _client.Run(AiWorkflows.Single("utility_custom", new { endpoint = server.Fake.Url($"/custom/{tag}"), method = "GET", inputText = "a b" }));

        Assert.Equal("completed", (string?)done["status"]);
        Assert.Equal("short", (string?)done.Output()["custom_output"]!["summary"]);
        Assert.Equal($"/custom/{tag}?text=a%20b", Assert.Single(server.Fake.For(tag)).Path);
    }

    [Fact]
    public async Task ChoosingAnUnconfiguredProvider_OrAMissingCredential_FailsClearly()
    {
        var (_, provider) = await _client.Run(AiWorkflows.Single("utility_sentiment", new { provider = "openai", inputText = "good" }));
        Assert.Equal("failed", (string?)provider["status"]);
        Assert.Contains("Providers__OpenAI__BaseUrl is not set", (string?)provider["errorMessage"]);
        Assert.Equal(1, (int?)provider.Step("ai")["attempts"]);

        var (_, credential) = await _client.Run(AiWorkflows.Single("utility_sentiment", new { credential = "my-openai", inputText = "good" }));
        Assert.Equal("failed", (string?)credential["status"]);
        Assert.Contains("credential named 'my-openai'", (string?)credential["errorMessage"]);
    }

    [Fact]
    public async Task NamedCredential_PointsTheNodeAtItsOwnProvider_AndItsKeyNeverShows()
    {
        // No deployment provider: the node works only through the organisation's stored credential.
        const string secret = "sk-credential-secret-123456";
        var name = "openai-" + AiWorkflows.Tag();
        await (await _client.PostJson("/api/credentials", new { name, kind = "openai", values = new { baseUrl = server.Fake.Url("/v1"), apiKey = secret, model = "cred-model" } }))
            .Expect(HttpStatusCode.Created);
        var tag = AiWorkflows.Tag();
        server.Fake.Script(tag, Reply.ChatJson(new { sentiment = "negative", score = -0.8 }));

        var (id, done) = await _client.Run(AiWorkflows.Single("utility_sentiment", new { credential = name, inputText = $"awful {tag}" }));

        Assert.True((string?)done["status"] == "completed", done.ToJsonString());
        Assert.Equal("negative", (string?)done.Output()["sentiment"]);
        var request = Assert.Single(server.Fake.For(tag));
        Assert.Equal("/v1/chat/completions", request.Path);
        Assert.Equal("Bearer " + secret, request.Authorization);
        Assert.Equal("cred-model", (string?)request.Json["model"]);
        var history = await (await _client.GetAsync($"/api/executions/{id}/history")).Content.ReadAsStringAsync();
        Assert.DoesNotContain(secret, done.ToJsonString());
        Assert.DoesNotContain(secret, history);
        Assert.DoesNotContain(secret, await (await _client.GetAsync($"/api/credentials/{name}")).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task EmptyInput_WithNoTriggerMessage_FailsClearly()
    {
        var (_, done) = await _client.Run(AiWorkflows.Single("utility_sentiment", new { }), new { other = 1 });
        Assert.Equal("failed", (string?)done["status"]);
        Assert.Contains("'inputText' is empty", (string?)done["errorMessage"]);
    }

    [Fact]
    public async Task TestRun_UsesTheBuiltInAnalyzer()
    {
        var wf = await _client.Publish(AiWorkflows.Single("utility_sentiment", new { inputText = "{{trigger.message_text}}" }));
        var result = await (await _client.PostJson($"/api/workflows/{wf}/test", new { testData = new { message_text = "Absolutely wonderful service" } })).ReadJson();
        var step = result["steps"]!.AsArray().First(s => (string?)s!["stepId"] == "ai")!;
        Assert.Equal("positive", (string?)step["output"]!["sentiment"]);
    }

    [Fact]
    public async Task TestRun_EmptyInput_FailsSayingATestRunHasNoStoredTriggerMessage()
    {
        // A test run stores no execution, so the fallback to the trigger's message is not there: the message says how to test instead.
        var wf = await _client.Publish(AiWorkflows.Single("utility_sentiment", new { }));
        var result = await (await _client.PostJson($"/api/workflows/{wf}/test", new { testData = new { message_text = "Absolutely wonderful service" } })).ReadJson();
        Assert.Equal("failed", (string?)result["status"]);
        var step = result["steps"]!.AsArray().First(s => (string?)s!["stepId"] == "ai")!;
        Assert.Contains("a test run has no stored trigger message to fall back on", (string?)step["error"]);
    }
}
