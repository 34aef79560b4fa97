using System.Net;
using System.Text.Json.Nodes;
using FlowForge.Server.Tests.Infrastructure;

namespace FlowForge.Server.Tests.Nodes.Ai;

/// <summary>Every AI node type end to end through the engine, against a fake OpenAI-compatible endpoint and a fake BotCore on loopback.</summary>
public class AiProviderTests(AiFixture server) : IClassFixture<AiFixture>
{
    private readonly HttpClient _client = server.Client();
    private FakeAi Fake => server.Fake;

    private static string Bearer(string key) => "Bearer " + key;

    private static JsonArray Messages(RecordedRequest r) => r.Json["messages"]!.AsArray();

    private static string Content(JsonArray messages, int i) => (string)messages[i]!["content"]!;

    private static string Role(JsonArray messages, int i) => (string)messages[i]!["role"]!;

    // ---------- agent_conversational ----------

    [Fact]
    public async Task Conversational_OpenAI_SendsSystemMemoryHistoryAndTriggerText()
    {
        var tag = AiWorkflows.Tag();
        Fake.Script(tag, Reply.Chat("Your order ships tomorrow."));
        var (id, done) = await _client.Run(AiWorkflows.Single("agent_conversational", new
        {
            systemPrompt = "You are Ada, a shop assistant.",
            memoryContext = "Customer tier: gold",
            temperature = 0.3,
        }), new
        {
            message_text = $"Where is my order? {tag}",
            chatHistory = new object[] { new { role = "user", content = "Hi" }, new { role = "assistant", content = "Hello! How can I help?" } },
        });

        Assert.Equal("completed", (string?)done["status"]);
        Assert.Equal("Your order ships tomorrow.", (string?)done.Output()["agent_response"]);
        var request = Assert.Single(Fake.For(tag));
        Assert.Equal("/v1/chat/completions", request.Path);
        Assert.Equal(Bearer(AiFixture.OpenAIKey), request.Authorization);
        Assert.Equal($"{id}:ai:1", request.IdempotencyKey);
        Assert.Equal(AiFixture.Model, (string?)request.Json["model"]);
        Assert.Equal(0.3, (double)request.Json["temperature"]!);
        Assert.False(request.Json.ContainsKey("response_format"));
        var messages = Messages(request);
        Assert.Equal(["system", "user", "assistant", "user"], messages.Select(m => (string)m!["role"]!));
        Assert.StartsWith("You are Ada, a shop assistant.", Content(messages, 0));
        Assert.Contains("Customer tier: gold", Content(messages, 0));
        Assert.Equal("Hi", Content(messages, 1));
        Assert.Equal($"Where is my order? {tag}", Content(messages, 3));
    }

    [Fact]
    public async Task Conversational_BotCore_PostsQnaWithExecutionIdAsUuid()
    {
        var tag = AiWorkflows.Tag();
        Fake.Script(tag, Reply.Json(new { answer = "We open at nine." }));
        var (id, done) = await _client.Run(AiWorkflows.Single("agent_conversational", new
        {
            provider = "botcore",
            inputText = "{{trigger.question}}",
            chatHistory = "{{trigger.history}}",
        }), new { question = $"When do you open? {tag}", history = new[] { new { role = "user", content = "hello" } } });

        Assert.Equal("completed", (string?)done["status"]);
        Assert.Equal("We open at nine.", (string?)done.Output()["agent_response"]);
        var request = Assert.Single(Fake.For(tag));
        Assert.Equal("/botcore/qna", request.Path);
        Assert.Equal(Bearer(AiFixture.BotCoreKey), request.Authorization);
        Assert.Equal($"{id}:ai:1", request.IdempotencyKey);
        Assert.Equal(["question", "uuid", "chatHistory"], request.Json.Select(p => p.Key));
        Assert.Equal($"When do you open? {tag}", (string?)request.Json["question"]);
        Assert.Equal(id, (string?)request.Json["uuid"]);
        Assert.Equal("hello", (string?)request.Json["chatHistory"]![0]!["content"]);
    }

    // ---------- agent_decision ----------

    [Theory]
    [InlineData("approve", 0.9, "Approve", "approve")]
    [InlineData("REJECTED", 0.8, "Reject", "reject")]
    [InlineData("review", 0.4, "Review", "review")]
    [InlineData("maybe later", 0.2, "Review", "review")]
    public async Task Decision_OpenAI_RoutesToThePortOfTheDecision(string answer, double confidence, string decision, string port)
    {
        var tag = AiWorkflows.Tag();
        Fake.Script(tag, Reply.ChatJson(new { decision = answer, confidence }));
        var (_, done) = await _client.Run(AiWorkflows.Decision(new { inputText = $"Refund 30 EUR for order 12 {tag}", criteria = "Approve refunds under 50 EUR." }));

        Assert.Equal("completed", (string?)done["status"]);
        var d = done.Step("d");
        Assert.Equal(decision, (string?)d["output"]!["decision"]);
        Assert.Equal(confidence, (double)d["output"]!["confidence"]!);
        Assert.Equal(port, (string?)d["port"]);
        Assert.Equal(port, (string?)done["finalOutput"]!["route"]);
        var request = Assert.Single(Fake.For(tag));
        Assert.Equal("json_object", (string?)request.Json["response_format"]!["type"]);
        var system = Content(Messages(request), 0);
        Assert.Contains("Approve refunds under 50 EUR.", system);
        Assert.Contains("JSON object", system);
    }

    [Fact]
    public async Task Decision_BotCore_ReadsTheWordFromGenerateAnswer()
    {
        var tag = AiWorkflows.Tag();
        Fake.Script(tag, Reply.Json(new { answer = "Reject." }));
        var (id, done) = await _client.Run(AiWorkflows.Decision(new { provider = "botcore", inputText = $"Refund 900 EUR {tag}", criteria = "Reject refunds over 500 EUR." }));

        Assert.Equal("reject", (string?)done.Step("d")["port"]);
        Assert.Equal("Reject", (string?)done.Step("d")["output"]!["decision"]);
        Assert.Equal(1.0, (double)done.Step("d")["output"]!["confidence"]!);
        var request = Assert.Single(Fake.For(tag));
        Assert.Equal("/botcore/generate-answer", request.Path);
        Assert.Equal(id, (string?)request.Json["uuid"]);
        Assert.Contains("Reject refunds over 500 EUR.", (string?)request.Json["question"]);
    }

    // ---------- agent_reasoning ----------

    [Fact]
    public async Task Reasoning_OpenAI_And_BotCore()
    {
        var tag = AiWorkflows.Tag();
        Fake.Script(tag + "o", Reply.ChatJson(new { reasoning = "The parcel left on Monday; delivery takes two days.", conclusion = "It arrives Wednesday." }));
        Fake.Script(tag + "b", Reply.Json(new { answer = "Step 1: Monday dispatch.\nStep 2: two days.\nConclusion: Wednesday." }));
        var (_, open) = await _client.Run(AiWorkflows.Single("agent_reasoning", new { inputText = $"When will it arrive? {tag}o" }));
        var (_, bot) = await _client.Run(AiWorkflows.Single("agent_reasoning", new { provider = "botcore", inputText = $"When will it arrive? {tag}b" }));

        Assert.Equal("It arrives Wednesday.", (string?)open.Output()["conclusion"]);
        Assert.Contains("two days", (string?)open.Output()["reasoning"]);
        Assert.Equal("json_object", (string?)Assert.Single(Fake.For(tag + "o")).Json["response_format"]!["type"]);
        Assert.Equal("Wednesday.", (string?)bot.Output()["conclusion"]);
        Assert.Equal("Step 1: Monday dispatch.\nStep 2: two days.", (string?)bot.Output()["reasoning"]);
        Assert.Equal("/botcore/generate-answer", Assert.Single(Fake.For(tag + "b")).Path);
    }

    // ---------- utility_text_gen ----------

    [Fact]
    public async Task TextGen_OpenAI_And_BotCore()
    {
        var tag = AiWorkflows.Tag();
        Fake.Script(tag + "o", Reply.Chat("Dear Ada, thank you."));
        Fake.Script(tag + "b", Reply.Json(new { answer = "Thanks, Ada!" }));
        var (_, open) = await _client.Run(AiWorkflows.Single("utility_text_gen", new { prompt = $"Thank {{{{trigger.name}}}} {tag}o", systemPrompt = "Be formal.", temperature = 0.7, model = "other-model" }), new { name = "Ada" });
        var (id, bot) = await _client.Run(AiWorkflows.Single("utility_text_gen", new { provider = "botcore", prompt = $"Thank {{{{trigger.name}}}} {tag}b", temperature = 0.2 }), new { name = "Ada" });

        Assert.Equal("Dear Ada, thank you.", (string?)open.Output()["generated_text"]);
        var o = Assert.Single(Fake.For(tag + "o"));
        Assert.Equal("other-model", (string?)o.Json["model"]);
        Assert.Equal(0.7, (double)o.Json["temperature"]!);
        Assert.Equal("Be formal.", Content(Messages(o), 0));
        Assert.Equal($"Thank Ada {tag}o", Content(Messages(o), 1));

        Assert.Equal("Thanks, Ada!", (string?)bot.Output()["generated_text"]);
        var b = Assert.Single(Fake.For(tag + "b"));
        Assert.Equal("/botcore/generate-answer", b.Path);
        Assert.Equal(["question", "uuid", "temperature"], b.Json.Select(p => p.Key));
        Assert.Equal($"Thank Ada {tag}b", (string?)b.Json["question"]);
        Assert.Equal(id, (string?)b.Json["uuid"]);
        Assert.Equal(0.2, (double)b.Json["temperature"]!);
    }

    // ---------- analysis utilities ----------

    [Fact]
    public async Task Sentiment_OpenAI_And_BotCore()
    {
        var tag = AiWorkflows.Tag();
        Fake.Script(tag + "o", Reply.ChatJson(new { sentiment = "Negative", score = -0.7 }));
        Fake.Script(tag + "b", Reply.Json(new { sentiment = "positive", score = 0.92 }));
        var (_, open) = await _client.Run(AiWorkflows.Single("utility_sentiment", new { inputText = $"awful {tag}o" }));
        var (_, bot) = await _client.Run(AiWorkflows.Single("utility_sentiment", new { provider = "botcore", inputText = $"lovely {tag}b" }));

        Assert.Equal("negative", (string?)open.Output()["sentiment"]);
        Assert.Equal(-0.7, (double)open.Output()["sentiment_score"]!);
        Assert.Equal("json_object", (string?)Assert.Single(Fake.For(tag + "o")).Json["response_format"]!["type"]);
        Assert.Equal("positive", (string?)bot.Output()["sentiment"]);
        Assert.Equal(0.92, (double)bot.Output()["sentiment_score"]!);
        var b = Assert.Single(Fake.For(tag + "b"));
        Assert.Equal("/botcore/sentiment-analysis", b.Path);
        Assert.Equal(Bearer(AiFixture.BotCoreKey), b.Authorization);
        Assert.Equal(["text"], b.Json.Select(p => p.Key));
        Assert.Equal($"lovely {tag}b", (string?)b.Json["text"]);
    }

    [Fact]
    public async Task Intent_OpenAI_OffersTheNodesIntents_And_BotCore()
    {
        var tag = AiWorkflows.Tag();
        Fake.Script(tag + "o", Reply.ChatJson(new { intent = "Billing", confidence = 0.85 }));
        Fake.Script(tag + "b", Reply.Json(new { intent = "cancel", confidence = 0.6 }));
        var intents = new[] { new { name = "billing", keywords = new[] { "invoice" } }, new { name = "shipping", keywords = new[] { "parcel" } } };
        var (_, open) = await _client.Run(AiWorkflows.Single("utility_intent", new { inputText = $"my invoice is wrong {tag}o", intents }));
        var (_, bot) = await _client.Run(AiWorkflows.Single("utility_intent", new { provider = "botcore", inputText = $"stop it {tag}b" }));

        Assert.Equal("billing", (string?)open.Output()["intent"]);
        Assert.Equal(0.85, (double)open.Output()["confidence"]!);
        Assert.Contains("billing, shipping", Content(Messages(Assert.Single(Fake.For(tag + "o"))), 0));
        Assert.Equal("cancel", (string?)bot.Output()["intent"]);
        Assert.Equal(0.6, (double)bot.Output()["confidence"]!);
        Assert.Equal("/botcore/intent", Assert.Single(Fake.For(tag + "b")).Path);
    }

    [Fact]
    public async Task Vulnerability_OpenAI_And_BotCore()
    {
        var tag = AiWorkflows.Tag();
        Fake.Script(tag + "o", Reply.ChatJson(new { vulnerabilities = new[] { "financial_hardship" }, risk_level = "medium" }));
        Fake.Script(tag + "b", Reply.Json(new { vulnerabilities = new[] { "bereavement" }, risk_level = "Low" }));
        var (_, open) = await _client.Run(AiWorkflows.Single("utility_vulnerability", new { inputText = $"I lost my job {tag}o" }));
        var (_, bot) = await _client.Run(AiWorkflows.Single("utility_vulnerability", new { provider = "botcore", inputText = $"my mum died {tag}b" }));

        Assert.Equal(["financial_hardship"], open.Output()["vulnerabilities"]!.AsArray().Select(v => (string)v!));
        Assert.Equal("medium", (string?)open.Output()["risk_level"]);
        Assert.Equal(["bereavement"], bot.Output()["vulnerabilities"]!.AsArray().Select(v => (string)v!));
        Assert.Equal("low", (string?)bot.Output()["risk_level"]);
        Assert.Equal("/botcore/vulnerability-analysis", Assert.Single(Fake.For(tag + "b")).Path);
    }

    [Fact]
    public async Task Reason_OpenAI_And_BotCore()
    {
        var tag = AiWorkflows.Tag();
        Fake.Script(tag + "o", Reply.Chat("  The customer wants a refund.  "));
        Fake.Script(tag + "b", Reply.Json(new { reason = "Delivery delay" }));
        var (_, open) = await _client.Run(AiWorkflows.Single("utility_reason", new { inputText = $"money back please {tag}o" }));
        var (_, bot) = await _client.Run(AiWorkflows.Single("utility_reason", new { provider = "botcore", inputText = $"where is it {tag}b" }));

        Assert.Equal("The customer wants a refund.", (string?)open.Output()["reason"]);
        Assert.Equal("Delivery delay", (string?)bot.Output()["reason"]);
        var b = Assert.Single(Fake.For(tag + "b"));
        Assert.Equal("/botcore/reason-analysis", b.Path);
        Assert.Equal($"where is it {tag}b", (string?)b.Json["text"]);
    }

    // ---------- utility_custom ----------

    [Fact]
    public async Task Custom_Endpoint_GetsTextAndInput_And_Prompt_UsesTheChatProvider()
    {
        var tag = AiWorkflows.Tag();
        Fake.Script(tag + "e", Reply.Json(new { label = "urgent", score = 3 }));
        Fake.Script(tag + "p", Reply.Chat("URGENT"));
        var (id, endpoint) = await _client.Run(AiWorkflows.Single("utility_custom", new { endpoint = Fake.Url($"/custom/{tag}e"), inputText = "{{trigger.text}}" }), new { text = "help now" });
        var (_, prompt) = await _client.Run(AiWorkflows.Single("utility_custom", new { prompt = $"Label the urgency. {tag}p", inputText = "help now" }));

        Assert.Equal("completed", (string?)endpoint["status"]);
        Assert.Equal("urgent", (string?)endpoint.Output()["custom_output"]!["label"]);
        var e = Assert.Single(Fake.For(tag + "e"));
        Assert.Equal($"/custom/{tag}e", e.Path);
        Assert.Null(e.Authorization);
        Assert.Equal($"{id}:ai:1", e.IdempotencyKey);
        Assert.Equal("help now", (string?)e.Json["text"]);
        Assert.Equal("help now", (string?)e.Json["input"]!["inputText"]);

        Assert.Equal("URGENT", (string?)prompt.Output()["custom_output"]);
        var p = Assert.Single(Fake.For(tag + "p"));
        Assert.Equal($"Label the urgency. {tag}p", Content(Messages(p), 0));
        Assert.Equal("help now", Content(Messages(p), 1));
    }

    // ---------- failures ----------

    [Fact]
    public async Task InvalidJsonFromTheModel_IsRetried_ThenFails()
    {
        var tag = AiWorkflows.Tag();
        Fake.Script(tag, Reply.Chat("I think it is positive!"));
        var (_, done) = await _client.Run(AiWorkflows.Single("utility_sentiment", new { inputText = $"great {tag}", retry = AiWorkflows.FastRetry(2) }));

        Assert.Equal("failed", (string?)done["status"]);
        Assert.Equal(2, (int?)done.Step("ai")["attempts"]);
        Assert.Equal(2, Fake.For(tag).Count);
        Assert.Contains("not a valid JSON object", (string?)done["errorMessage"]);
    }

    [Fact]
    public async Task MissingFieldThenValidJson_SucceedsOnTheRetry()
    {
        var tag = AiWorkflows.Tag();
        Fake.Script(tag, Reply.ChatJson(new { decision = "approve" }), Reply.ChatJson(new { decision = "approve", confidence = 0.7 }));
        var (_, done) = await _client.Run(AiWorkflows.Decision(new { inputText = $"ok? {tag}", retry = AiWorkflows.FastRetry(3) }));

        Assert.Equal("completed", (string?)done["status"]);
        Assert.Equal(2, (int?)done.Step("d")["attempts"]);
        Assert.Equal("approve", (string?)done.Step("d")["port"]);
        var keys = Fake.For(tag).Select(r => r.IdempotencyKey).ToList();
        Assert.Equal(2, keys.Count);
        Assert.EndsWith(":d:1", keys[0]);
        Assert.EndsWith(":d:2", keys[1]);
    }

    [Fact]
    public async Task ServerError_IsRetried_WithRetryAfter()
    {
        var tag = AiWorkflows.Tag();
        Fake.Script(tag, Reply.Json(new { error = new { message = "overloaded" } }, 503) with { RetryAfter = 1 }, Reply.Json(new { reason = "Late parcel" }));
        var (_, done) = await _client.Run(AiWorkflows.Single("utility_reason", new { provider = "botcore", inputText = $"late {tag}", retry = AiWorkflows.FastRetry(3) }));

        Assert.Equal("completed", (string?)done["status"]);
        Assert.Equal("Late parcel", (string?)done.Output()["reason"]);
        Assert.Equal(2, (int?)done.Step("ai")["attempts"]);
        Assert.Equal(2, Fake.For(tag).Count);
        var started = done.Step("ai")["startedAt"];
        Assert.NotNull(started);
    }

    [Fact]
    public async Task Timeout_IsRetried()
    {
        var tag = AiWorkflows.Tag();
        Fake.Script(tag, Reply.Chat("too late") with { DelayMs = 3000 }, Reply.Chat("in time"));
        var (_, done) = await _client.Run(AiWorkflows.Single("agent_conversational", new { inputText = $"hi {tag}", timeout = "300ms", retry = AiWorkflows.FastRetry(2) }));

        Assert.Equal("completed", (string?)done["status"]);
        Assert.Equal("in time", (string?)done.Output()["agent_response"]);
        Assert.Equal(2, (int?)done.Step("ai")["attempts"]);
    }

    [Fact]
    public async Task ClientError_IsNotRetried_AndShowsTheProvidersText()
    {
        var tag = AiWorkflows.Tag();
        Fake.Script(tag, Reply.Json(new { error = new { message = "model 'nope' does not exist", type = "invalid_request_error" } }, 404));
        var (_, done) = await _client.Run(AiWorkflows.Single("agent_conversational", new { inputText = $"hi {tag}", retry = AiWorkflows.FastRetry(3) }));

        Assert.Equal("failed", (string?)done["status"]);
        Assert.Equal(1, (int?)done.Step("ai")["attempts"]);
        Assert.Single(Fake.For(tag));
        Assert.Contains("404", (string?)done["errorMessage"]);
        Assert.Contains("model 'nope' does not exist", (string?)done["errorMessage"]);
    }

    [Theory]
    [InlineData("openai")]
    [InlineData("botcore")]
    public async Task ApiKeys_NeverAppear_InTheExecution_History_OrErrors(string provider)
    {
        var tag = AiWorkflows.Tag();
        // A careless provider echoing the Authorization header back in its error.
        Fake.Script(tag, new Reply(401, """{"error":{"message":"invalid credentials: {authorization}"}}"""));
        var (id, done) = await _client.Run(AiWorkflows.Single("agent_conversational", new { provider, inputText = $"hi {tag}", retry = AiWorkflows.FastRetry(2) }));

        Assert.Equal("failed", (string?)done["status"]);
        Assert.Contains("invalid credentials", (string?)done["errorMessage"]);
        var history = await (await _client.GetAsync($"/api/executions/{id}/history")).Content.ReadAsStringAsync();
        var detail = (await _client.GetAsync($"/api/executions/{id}")).Content.ReadAsStringAsync();
        foreach (var text in new[] { done.ToJsonString(), history, await detail })
        {
            Assert.DoesNotContain(AiFixture.OpenAIKey, text);
            Assert.DoesNotContain(AiFixture.BotCoreKey, text);
            Assert.DoesNotContain("SECRET", text);
        }
        // The key did go to the provider, as a bearer token.
        Assert.StartsWith("Bearer ", Assert.Single(Fake.For(tag)).Authorization);
    }

    [Fact]
    public async Task SuccessfulRun_DoesNotExposeKeys()
    {
        var tag = AiWorkflows.Tag();
        Fake.Script(tag, Reply.Json(new { sentiment = "neutral", score = 0 }));
        var (id, done) = await _client.Run(AiWorkflows.Single("utility_sentiment", new { provider = "botcore", inputText = $"fine {tag}" }));
        Assert.Equal("completed", (string?)done["status"]);
        var history = await (await _client.GetAsync($"/api/executions/{id}/history")).Expect(HttpStatusCode.OK);
        Assert.DoesNotContain("SECRET", done.ToJsonString() + history.ToJsonString());
    }
}
