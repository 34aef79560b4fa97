using System.Net;
using System.Text.Json.Nodes;
using FlowForge.Core.Storage;
using FlowForge.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace FlowForge.Server.Tests.Nodes.Actions;

/// <summary>Each action end to end through the engine against real loopback providers, asserting the exact requests and the recorded outputs.</summary>
public abstract class ProviderActionsSuite<TStorage>(ProvidersFixture<TStorage> server) : IClassFixture<ProvidersFixture<TStorage>>
    where TStorage : ServerStorage, new()
{
    private readonly HttpClient _client = server.Client();
    private ProviderFake Provider => server.Provider;

    private const string Retry = """ "retry": { "maxAttempts": 3, "initialInterval": "100ms", "backoffCoefficient": 1 } """;

    private static string OneStep(string type, string config) => $$"""
        { "name": "{{type}}", "nodes": [
            { "id": "t", "type": "trigger_manual" },
            { "id": "act", "type": "{{type}}", "config": {{config}} } ],
          "edges": [ { "source": "t", "target": "act" } ] }
        """;

    private async Task<(string Id, JsonNode Done)> Run(string type, string config, object? trigger = null)
    {
        var wf = await _client.Publish(OneStep(type, config));
        var id = await _client.Execute(wf, trigger);
        return (id, await _client.WaitFinished(id));
    }

    private async Task AssertNoSecrets(string executionId, params string[] secrets)
    {
        var detail = await (await _client.GetAsync($"/api/executions/{executionId}")).Content.ReadAsStringAsync();
        var history = await (await _client.GetAsync($"/api/executions/{executionId}/history")).Content.ReadAsStringAsync();
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(secret, detail, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, history, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task WhatsApp_ToTheTriggersNumber_PostsTheCloudApiRequest_AndRecordsTheMessage()
    {
        var (id, done) = await Run("action_whatsapp", """{ "recipient": "trigger", "messageTemplate": "Hi {{trigger.name}}, thanks!" }""",
            new { phone_number = "+49 151 2345-6789", name = "Ada" });

        Assert.Equal("completed", (string?)done["status"]);
        var request = Assert.Single(Provider.For(id));
        Assert.Equal("POST", request.Method);
        Assert.Equal($"/v20.0/{ProvidersFixtureBase.PhoneNumberId}/messages", request.Path);
        Assert.Equal($"Bearer {ProvidersFixtureBase.WhatsAppToken}", request.Header("Authorization"));
        Assert.Equal($"{id}:act:1", request.Header("Idempotency-Key"));
        Assert.StartsWith("application/json", request.Header("Content-Type"));
        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse("""{"messaging_product":"whatsapp","to":"4915123456789","type":"text","text":{"body":"Hi Ada, thanks!"}}"""),
            JsonNode.Parse(request.Body)), request.Body);

        var output = done.Step("act")["output"]!;
        Assert.True((bool)output["message_sent"]!);
        Assert.StartsWith("wamid.", (string?)output["message_id"]);
        Assert.Equal("accepted", (string?)output["status"]);
        Assert.Equal("provider", (string?)output["delivery"]);
        await AssertNoSecrets(id, ProvidersFixtureBase.WhatsAppToken);
    }

    [Fact]
    public async Task WhatsApp_TriggerWithoutAPhoneNumber_FailsWithoutCallingTheProvider()
    {
        var (id, done) = await Run("action_whatsapp", """{ "recipient": "trigger", "messageTemplate": "x" }""", new { name = "no phone" });
        Assert.Equal("failed", (string?)done["status"]);
        Assert.Contains("phone_number", (string?)done.Step("act")["errorMessage"]);
        Assert.Equal(1, (int)done.Step("act")["attempts"]!);
        Assert.Empty(Provider.For(id));
    }

    [Fact]
    public async Task WhatsApp_5xxIsRetried_WithTheProvidersErrorInTheLog()
    {
        var path = $"/v20.0/{ProvidersFixtureBase.PhoneNumberId}/messages";
        Provider.Script("POST", path, new ScriptedResponse(503, """{"error":{"message":"Service temporarily unavailable","code":2}}"""));
        var (id, done) = await Run("action_whatsapp", $$"""{ "recipient": "+15550001111", "messageTemplate": "retry me", {{Retry}} }""");

        Assert.Equal("completed", (string?)done["status"]);
        var requests = Provider.For(id);
        Assert.Equal(2, requests.Count);
        Assert.Equal([$"{id}:act:1", $"{id}:act:1"], requests.Select(r => r.Header("Idempotency-Key")));
        Assert.Equal(2, (int)done.Step("act")["attempts"]!);
        var history = await (await _client.GetAsync($"/api/executions/{id}/history")).Content.ReadAsStringAsync();
        Assert.Contains("Service temporarily unavailable", history);
        Assert.DoesNotContain(ProvidersFixtureBase.WhatsAppToken, history);
    }

    [Fact]
    public async Task WhatsApp_4xxIsNotRetried_AndTheErrorNeverShowsTheToken()
    {
        var path = $"/v20.0/{ProvidersFixtureBase.PhoneNumberId}/messages";
        // A provider that echoes the token it was given: the step log must still not show it.
        Provider.Script("POST", path, new ScriptedResponse(400,
            $$$"""{"error":{"message":"(#131030) Recipient phone number not in allowed list; token {{{ProvidersFixtureBase.WhatsAppToken}}}","code":131030}}"""));
        var (id, done) = await Run("action_whatsapp", $$"""{ "recipient": "+15550002222", "messageTemplate": "nope", {{Retry}} }""");

        Assert.Equal("failed", (string?)done["status"]);
        Assert.Single(Provider.For(id));
        var error = (string?)done.Step("act")["errorMessage"];
        Assert.Contains("400", error);
        Assert.Contains("Recipient phone number not in allowed list", error);
        Assert.DoesNotContain(ProvidersFixtureBase.WhatsAppToken, error);
        await AssertNoSecrets(id, ProvidersFixtureBase.WhatsAppToken);
    }

    [Fact]
    public async Task Call_PostsToTheVoiceService_AndRecordsTheCallId()
    {
        var (id, done) = await Run("action_call", """{ "phoneNumber": "{{trigger.caller}}", "voiceAgent": "agent-7" }""", new { caller = "+15550003333" });

        Assert.Equal("completed", (string?)done["status"]);
        var request = Assert.Single(Provider.For(id));
        Assert.Equal("POST", request.Method);
        Assert.Equal("/voice/twilio/outbound-call", request.Path);
        Assert.Equal($"Bearer {ProvidersFixtureBase.VoiceKey}", request.Header("Authorization"));
        Assert.Equal($"{id}:act:1", request.Header("Idempotency-Key"));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"toNumber":"+15550003333","agentId":"agent-7"}"""), JsonNode.Parse(request.Body)), request.Body);
        var output = done.Step("act")["output"]!;
        Assert.True((bool)output["call_initiated"]!);
        Assert.StartsWith("call_", (string?)output["call_id"]);
        await AssertNoSecrets(id, ProvidersFixtureBase.VoiceKey);
    }

    [Fact]
    public async Task Crm_CreateAndUpdate_FollowTheDocumentedMapping()
    {
        var wf = await _client.Publish("""
            { "name": "crm", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "create", "type": "action_crm", "config": { "crmSystem": "hubspot", "action": "create", "fields": { "email": "{{trigger.email}}", "score": "{{trigger.score}}" } } },
                { "id": "update", "type": "action_crm", "config": { "crmSystem": "HubSpot", "action": "update", "recordId": "{{steps.create.record_id}}", "fields": { "stage": "won" } } } ],
              "edges": [ { "source": "t", "target": "create" }, { "source": "create", "target": "update" } ] }
            """);
        var id = await _client.Execute(wf, new { email = "ada@example.com", score = 9 });
        var done = await _client.WaitFinished(id);

        Assert.Equal("completed", (string?)done["status"]);
        var requests = Provider.For(id);
        Assert.Equal(2, requests.Count);
        var create = requests[0];
        Assert.Equal(("POST", "/crm/hubspot/records"), (create.Method, create.Path));
        Assert.Equal($"Bearer {ProvidersFixtureBase.CrmKey}", create.Header("Authorization"));
        Assert.Equal($"{id}:create:1", create.Header("Idempotency-Key"));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"email":"ada@example.com","score":9}"""), JsonNode.Parse(create.Body)), create.Body);
        var recordId = (string)done.Step("create")["output"]!["record_id"]!;
        Assert.StartsWith("rec_", recordId);
        Assert.Equal("hubspot", (string?)done.Step("create")["output"]!["crm_system"]);
        Assert.True((bool)done.Step("create")["output"]!["crm_updated"]!);

        var update = requests[1];
        Assert.Equal(("PATCH", $"/crm/hubspot/records/{recordId}"), (update.Method, update.Path));
        Assert.Equal($"{id}:update:1", update.Header("Idempotency-Key"));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"stage":"won"}"""), JsonNode.Parse(update.Body)), update.Body);
        Assert.Equal(recordId, (string?)done.Step("update")["output"]!["record_id"]);
        await AssertNoSecrets(id, ProvidersFixtureBase.CrmKey);
    }

    [Fact]
    public async Task Crm_UnknownSystem_FailsAtOnceWithAClearError()
    {
        var (_, done) = await Run("action_crm", $$"""{ "crmSystem": "salesforce", "action": "create", "fields": { "a": 1 }, {{Retry}} }""");
        Assert.Equal("failed", (string?)done["status"]);
        Assert.Contains("Providers__Crm__Systems__salesforce__BaseUrl", (string?)done.Step("act")["errorMessage"]);
        Assert.Equal(1, (int)done.Step("act")["attempts"]!);
    }

    [Fact]
    public async Task Crm_429IsRetriedHonouringRetryAfter_422IsNot()
    {
        Provider.Script("POST", "/crm/hubspot/records", new ScriptedResponse(429, """{"message":"rate limited"}""", RetryAfter: "1"));
        var (id, done) = await Run("action_crm", $$"""{ "crmSystem": "hubspot", "action": "create", "fields": { "n": 1 }, {{Retry}} }""");
        Assert.Equal("completed", (string?)done["status"]);
        var times = Provider.For(id);
        Assert.Equal(2, times.Count);

        Provider.Script("POST", "/crm/hubspot/records", new ScriptedResponse(422, """{"message":"email is invalid"}"""));
        var (id2, failed) = await Run("action_crm", $$"""{ "crmSystem": "hubspot", "action": "create", "fields": { "n": 2 }, {{Retry}} }""");
        Assert.Equal("failed", (string?)failed["status"]);
        Assert.Single(Provider.For(id2));
        Assert.Contains("email is invalid", (string?)failed.Step("act")["errorMessage"]);
    }

    [Fact]
    public async Task Email_IsSentOverSmtp_WithAMessageIdFromTheIdempotencyKey()
    {
        var (id, done) = await Run("action_email", """
            { "to": "{{trigger.email}}", "cc": "boss@example.com", "bcc": "audit@example.com, log@example.com",
              "subject": "Order {{trigger.order}}", "body": "Hello {{trigger.name}},\nyour order shipped." }
            """, new { email = "ada@example.com", order = "A-17", name = "Ada" });

        Assert.Equal("completed", (string?)done["status"]);
        var output = done.Step("act")["output"]!;
        Assert.True((bool)output["email_sent"]!);
        var emailId = (string)output["email_id"]!;
        var mail = Assert.Single(server.Smtp.Messages, m => m.Header("Message-ID") == emailId);
        Assert.Equal("bot@flowforge.test", mail.MailFrom);
        Assert.Equal(["ada@example.com", "audit@example.com", "boss@example.com", "log@example.com"], mail.RcptTo.Order());
        Assert.Equal((ProvidersFixtureBase.SmtpUser, ProvidersFixtureBase.SmtpPassword), (mail.AuthUser, mail.AuthPassword));
        Assert.Equal("Order A-17", MailText.DecodeHeader(mail.Header("Subject")!));
        Assert.Contains("ada@example.com", mail.Header("To"));
        Assert.Contains("boss@example.com", mail.Header("Cc"));
        Assert.Null(mail.Header("Bcc"));
        Assert.Contains("Hello Ada,", MailText.DecodeBody(mail));
        Assert.Equal($"{id}:act:1", mail.Header("X-FlowForge-Idempotency-Key"));
        Assert.Equal(FlowForge.Server.Nodes.Actions.EmailActionHandler.MessageId($"{id}:act:1", "flowforge.test"), emailId);
        await AssertNoSecrets(id, ProvidersFixtureBase.SmtpPassword);
    }

    [Fact]
    public async Task Email_Transient4xxIsRetried_Permanent5xxIsNot()
    {
        server.Smtp.Fail("MAIL", "451 4.3.0 Try again later");
        var (_, done) = await Run("action_email", $$"""{ "to": "retry@example.com", "subject": "s", "body": "b", {{Retry}} }""");
        Assert.Equal("completed", (string?)done["status"]);
        Assert.Equal(2, (int)done.Step("act")["attempts"]!);

        server.Smtp.Fail("RCPT", "550 5.1.1 No such user here");
        var (id, failed) = await Run("action_email", $$"""{ "to": "nobody@example.com", "subject": "s", "body": "b", {{Retry}} }""");
        Assert.Equal("failed", (string?)failed["status"]);
        Assert.Equal(1, (int)failed.Step("act")["attempts"]!);
        Assert.DoesNotContain(ProvidersFixtureBase.SmtpPassword, (string?)failed.Step("act")["errorMessage"]);
        await AssertNoSecrets(id, ProvidersFixtureBase.SmtpPassword);
    }

    [Fact]
    public async Task Ledger_ARerunOfASentStep_ReturnsTheRecordedOutputWithoutSendingAgain()
    {
        var executionId = "ex_ledger_" + Guid.NewGuid().ToString("N")[..8];
        var input = """{ "recipient": "+15550004444", "messageTemplate": "only once" }""";
        var first = await server.RunHandler("action_whatsapp", executionId, "wa", 1, input);
        // A worker that crashed before recording the result, a lost lease or a later attempt: same execution and step.
        var again = await server.RunHandler("action_whatsapp", executionId, "wa", 1, input);
        var later = await server.RunHandler("action_whatsapp", executionId, "wa", 2, input);

        Assert.Single(Provider.For(executionId));
        Assert.True(JsonNode.DeepEquals(first.Output, again.Output));
        Assert.True(JsonNode.DeepEquals(first.Output, later.Output));
        var entry = await server.Services.GetRequiredService<ISendLedger>().GetAsync(executionId, "wa");
        Assert.Equal(SendStatus.Sent, entry!.Status);
        Assert.Equal((string?)first.Output!["message_id"], entry.ProviderId);

        // The same for every channel.
        var call = """{ "phoneNumber": "+15550005555", "voiceAgent": "a" }""";
        var c1 = await server.RunHandler("action_call", executionId, "call", 1, call);
        var c2 = await server.RunHandler("action_call", executionId, "call", 3, call);
        Assert.True(JsonNode.DeepEquals(c1.Output, c2.Output));
        var crm = """{ "crmSystem": "hubspot", "action": "create", "fields": { "x": 1 } }""";
        var r1 = await server.RunHandler("action_crm", executionId, "crm", 1, crm);
        var r2 = await server.RunHandler("action_crm", executionId, "crm", 2, crm);
        Assert.True(JsonNode.DeepEquals(r1.Output, r2.Output));
        Assert.Equal(3, Provider.For(executionId).Count);

        var mailsBefore = server.Smtp.Messages.Count;
        var mail = """{ "to": "once@example.com", "subject": "once", "body": "b" }""";
        var m1 = await server.RunHandler("action_email", executionId, "mail", 1, mail);
        var m2 = await server.RunHandler("action_email", executionId, "mail", 2, mail);
        Assert.True(JsonNode.DeepEquals(m1.Output, m2.Output));
        Assert.Equal(mailsBefore + 1, server.Smtp.Messages.Count);
    }

    [Fact]
    public async Task Ledger_AnAmbiguousTimeout_IsSentAgainWithTheFirstAttemptsKey()
    {
        // The voice service takes the call but answers after the step's timeout: the outcome is unknown, so the
        // next attempt sends again with the same idempotency key for the provider to recognise the repeat.
        Provider.Script("POST", "/voice/twilio/outbound-call", new ScriptedResponse(200, """{"callId":"call_slow"}""", DelayMs: 1500));
        var (id, done) = await Run("action_call", $$"""{ "phoneNumber": "+15550006666", "voiceAgent": "a", "timeout": "500ms", {{Retry}} }""");

        Assert.Equal("completed", (string?)done["status"]);
        var requests = Provider.For(id);
        Assert.Equal(2, requests.Count);
        Assert.All(requests, r => Assert.Equal($"{id}:act:1", r.Header("Idempotency-Key")));
        Assert.Equal(2, (int)done.Step("act")["attempts"]!);
    }

    [Fact]
    public async Task Ledger_AFinalRefusal_LetsALaterRunSendWithAFreshKey()
    {
        var executionId = "ex_refused_" + Guid.NewGuid().ToString("N")[..8];
        Provider.Script("POST", "/crm/hubspot/records", new ScriptedResponse(400, """{"message":"bad field"}"""));
        var crm = """{ "crmSystem": "hubspot", "action": "create", "fields": { "x": 1 } }""";
        await Assert.ThrowsAsync<FlowForge.Server.Nodes.NodeFailure>(() => server.RunHandler("action_crm", executionId, "crm", 1, crm));
        var ok = await server.RunHandler("action_crm", executionId, "crm", 2, crm);
        Assert.StartsWith("rec_", (string?)ok.Output!["record_id"]);
        Assert.Equal([$"{executionId}:crm:1", $"{executionId}:crm:2"], Provider.For(executionId).Select(r => r.Header("Idempotency-Key")));
    }

    [Fact]
    public async Task TestRun_PreviewsMessages_WithoutSendingOrRecordingAnything()
    {
        var created = await (await _client.PostJson("/api/workflows", OneStep("action_whatsapp", """{ "recipient": "+15550007777", "messageTemplate": "preview" }"""))).Expect(HttpStatusCode.Created);
        var sentBefore = Provider.Requests.Count;
        var result = await (await _client.PostJson($"/api/workflows/{created["id"]}/test", """{ "testData": {} }""")).Expect(HttpStatusCode.OK);

        Assert.Equal("completed", (string?)result["status"]);
        var step = result["steps"]!.AsArray().Single(s => (string?)s!["stepId"] == "act")!;
        Assert.True((bool)step["preview"]!);
        Assert.Equal(sentBefore, Provider.Requests.Count);
        var outbox = await (await _client.GetAsync("/api/outbox")).Expect(HttpStatusCode.OK);
        Assert.DoesNotContain(outbox["messages"]!.AsArray(), m => ((string?)m!["executionId"])?.StartsWith("test_", StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task LiveTestRun_SendsThroughTheProvider_WithoutAnExecutionToRecordInTheLedger()
    {
        // A live test run reaches the handler with RunMode.LiveTest: it sends, and skips the send ledger (no stored execution to record under).
        var created = await (await _client.PostJson("/api/workflows", OneStep("action_crm", """{ "crmSystem": "hubspot", "action": "create", "fields": { "x": 1 } }"""))).Expect(HttpStatusCode.Created);
        var sentBefore = Provider.Requests.Count;
        var result = await (await _client.PostJson($"/api/workflows/{created["id"]}/test", """{ "testData": {}, "live": true }""")).Expect(HttpStatusCode.OK);

        Assert.Equal("completed", (string?)result["status"]);
        var step = result["steps"]!.AsArray().Single(s => (string?)s!["stepId"] == "act")!;
        Assert.False((bool)step["preview"]!);
        Assert.StartsWith("rec_", (string?)step["output"]!["record_id"]);
        var sent = Assert.Single(Provider.Requests.Skip(sentBefore));
        Assert.StartsWith("test_", sent.Header("Idempotency-Key"));
    }
}

public sealed class SqliteProviderActionsTests(ProvidersFixture<SqliteStorage> server) : ProviderActionsSuite<SqliteStorage>(server);

public sealed class PostgresProviderActionsTests(ProvidersFixture<PostgresStorage> server) : ProviderActionsSuite<PostgresStorage>(server);
