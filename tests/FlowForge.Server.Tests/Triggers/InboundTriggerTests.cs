using System.Net;
using System.Text;
using FlowForge.Server.Tests.Infrastructure;

namespace FlowForge.Server.Tests.Triggers;

/// <summary>WhatsApp Cloud API, email and voice inbound: auth, matching, tenancy, published-only, dedup.</summary>
public abstract class InboundTriggerSuite<TStorage>(TriggersFixture<TStorage> server) : IClassFixture<TriggersFixture<TStorage>>
    where TStorage : ServerStorage, new()
{
    private readonly HttpClient _client = server.Client();
    private readonly HttpClient _anonymous = server.Client(key: null);

    [Fact]
    public async Task WhatsApp_Handshake()
    {
        var ok = await _anonymous.GetAsync($"/hooks/whatsapp?hub.mode=subscribe&hub.verify_token={TriggerTestSupport.VerifyToken}&hub.challenge=1158201444");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal("1158201444", await ok.Content.ReadAsStringAsync());
        await (await _anonymous.GetAsync("/hooks/whatsapp?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1")).ExpectProblem(HttpStatusCode.Forbidden, "forbidden");
        await (await _anonymous.GetAsync($"/hooks/whatsapp?hub.mode=unsubscribe&hub.verify_token={TriggerTestSupport.VerifyToken}&hub.challenge=1"))
            .ExpectProblem(HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task WhatsApp_StartsPublishedMatchingWorkflows_OnceEach_WithThePlatformFields()
    {
        var phone = "PN" + Guid.NewGuid().ToString("N")[..10];
        var (matching, _) = await _client.CreateAndPublish(TriggerTestSupport.Workflow("wa", "trigger_whatsapp", $$"""{ "phoneNumberId": "{{phone}}" }""", "{{message_text}}"));
        var (otherNumber, _) = await _client.CreateAndPublish(TriggerTestSupport.Workflow("wa other", "trigger_whatsapp", """{ "phoneNumberId": "someone-else" }""", "{{message_text}}"));
        var clientB = server.Client(ServerFixture.KeyB);
        var (inOrgB, _) = await clientB.CreateAndPublish(TriggerTestSupport.Workflow("wa b", "trigger_whatsapp", $$"""{ "phoneNumberId": "{{phone}}" }""", "{{message_text}}"));
        var draft = (string)(await (await _client.PostJson("/api/workflows",
            TriggerTestSupport.Workflow("wa draft", "trigger_whatsapp", $$"""{ "phoneNumberId": "{{phone}}" }""", "{{message_text}}"))).Expect(HttpStatusCode.Created))["id"]!;

        var messageId = "wamid." + Guid.NewGuid().ToString("N");
        var body = $$"""
            { "object": "whatsapp_business_account", "entry": [ { "id": "WABA", "changes": [ { "field": "messages", "value": {
                "messaging_product": "whatsapp",
                "metadata": { "display_phone_number": "15550001111", "phone_number_id": "{{phone}}" },
                "contacts": [ { "profile": { "name": "Ada Lovelace" }, "wa_id": "447700900123" } ],
                "messages": [ { "from": "447700900123", "id": "{{messageId}}", "timestamp": "1767225600", "type": "text", "text": { "body": "I want a refund" } } ] } } ] } ] }
            """;
        HttpRequestMessage Post(string signature)
        {
            var request = TriggerTestSupport.JsonRequest("/hooks/whatsapp", body);
            request.Headers.Add("X-Hub-Signature-256", signature);
            return request;
        }

        await (await _anonymous.SendAsync(Post("sha256=" + new string('0', 64)))).ExpectProblem(HttpStatusCode.Unauthorized, "unauthorized");
        await (await _anonymous.SendAsync(TriggerTestSupport.JsonRequest("/hooks/whatsapp", body))).ExpectProblem(HttpStatusCode.Unauthorized, "unauthorized");

        var result = await (await _anonymous.SendAsync(Post(TriggerTestSupport.HubSignature(body)))).Expect(HttpStatusCode.OK);
        Assert.Equal(1, (int?)result["received"]);
        Assert.Equal(2, result["executions"]!.AsArray().Count); // org A's matching workflow and org B's

        var execution = await _client.WaitFinished((string)(await _client.Executions(matching))[0]!["executionId"]!);
        var data = execution["triggerData"]!;
        Assert.Equal("447700900123", (string?)data["phone_number"]);
        Assert.Equal("I want a refund", (string?)data["message_text"]);
        Assert.Equal(messageId, (string?)data["message_id"]);
        Assert.Equal("2026-01-01T00:00:00Z", (string?)data["message_timestamp"]);
        Assert.Equal("Ada Lovelace", (string?)data["contact_name"]);
        Assert.Equal(phone, (string?)data["phone_number_id"]);
        Assert.Equal("I want a refund", (string?)execution["finalOutput"]!["got"]);
        Assert.Equal(1, await clientB.ExecutionCount(inOrgB));
        Assert.Equal(0, await _client.ExecutionCount(otherNumber));
        Assert.Equal(0, await _client.ExecutionCount(draft));

        // Meta redelivers: nothing new starts.
        var again = await (await _anonymous.SendAsync(Post(TriggerTestSupport.HubSignature(body)))).Expect(HttpStatusCode.OK);
        Assert.Equal(2, (int?)again["duplicates"]);
        Assert.Equal(1, await _client.ExecutionCount(matching));
        Assert.Equal(1, await clientB.ExecutionCount(inOrgB));
    }

    [Fact]
    public async Task Email_TokenRequired_MatchesTheAddress_JsonOrForm_Dedup()
    {
        var address = $"support-{Guid.NewGuid():N}@example.com";
        var (matching, _) = await _client.CreateAndPublish(TriggerTestSupport.Workflow("mail", "trigger_email", $$"""{ "address": "{{address}}" }""", "{{email_subject}}"));
        var (other, _) = await _client.CreateAndPublish(TriggerTestSupport.Workflow("mail other", "trigger_email", """{ "address": "sales@example.com" }""", "{{email_subject}}"));
        var body = $$"""{ "from": "ada@example.org", "to": "Support <{{address}}>", "subject": "Broken invoice", "text": "Please help", "message_id": "<m1-{{address}}>" }""";

        await (await _anonymous.SendAsync(TriggerTestSupport.JsonRequest("/hooks/email", body))).ExpectProblem(HttpStatusCode.Unauthorized, "unauthorized");
        await (await _anonymous.SendAsync(TriggerTestSupport.JsonRequest("/hooks/email", body).WithBearer("wrong"))).ExpectProblem(HttpStatusCode.Unauthorized, "unauthorized");

        var accepted = await (await _anonymous.SendAsync(TriggerTestSupport.JsonRequest("/hooks/email", body).WithBearer(TriggerTestSupport.InboundToken)))
            .Expect(HttpStatusCode.Accepted);
        var executionId = (string)accepted["executions"]![0]!["executionId"]!;
        var execution = await _client.WaitFinished(executionId);
        Assert.Equal(matching, (string?)execution["workflowId"]);
        Assert.Equal("ada@example.org", (string?)execution["triggerData"]!["email_from"]);
        Assert.Equal("Please help", (string?)execution["triggerData"]!["email_body"]);
        Assert.Equal("Broken invoice", (string?)execution["finalOutput"]!["got"]);

        // The same message again (same Message-Id): nothing new.
        await (await _anonymous.SendAsync(TriggerTestSupport.JsonRequest("/hooks/email", body).WithBearer(TriggerTestSupport.InboundToken))).Expect(HttpStatusCode.Accepted);
        Assert.Equal(1, await _client.ExecutionCount(matching));
        Assert.Equal(0, await _client.ExecutionCount(other));

        // Inbound-parse style form post.
        var form = new HttpRequestMessage(HttpMethod.Post, "/hooks/email")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["from"] = "bob@example.org", ["to"] = address, ["subject"] = "Form", ["html"] = "<p>Hi <b>there</b></p>" }),
        }.WithBearer(TriggerTestSupport.InboundToken);
        var formResult = await (await _anonymous.SendAsync(form)).Expect(HttpStatusCode.Accepted);
        var formExecution = await _client.WaitFinished((string)formResult["executions"]![0]!["executionId"]!);
        Assert.Equal("Hi there", (string?)formExecution["triggerData"]!["email_body"]);
    }

    [Fact]
    public async Task Voice_MatchesTheNumber_WithTheCallFields()
    {
        var number = "+1555" + Random.Shared.Next(1000000, 9999999);
        var (matching, _) = await _client.CreateAndPublish(TriggerTestSupport.Workflow("voice", "trigger_voice", $$"""{ "number": "{{number}}" }""", "{{call_transcript}}"));
        var body = $$"""{ "from": "+447700900123", "to": "{{number}}", "duration": 42, "transcript": "Cancel my order", "call_id": "CA{{Guid.NewGuid():N}}" }""";
        var request = TriggerTestSupport.JsonRequest("/hooks/voice", body);
        request.Headers.Add("X-Webhook-Token", TriggerTestSupport.InboundToken);
        var accepted = await (await _anonymous.SendAsync(request)).Expect(HttpStatusCode.Accepted);
        var execution = await _client.WaitFinished((string)accepted["executions"]![0]!["executionId"]!);
        Assert.Equal(matching, (string?)execution["workflowId"]);
        Assert.Equal("+447700900123", (string?)execution["triggerData"]!["caller_number"]);
        Assert.Equal(42, (double?)execution["triggerData"]!["call_duration"]);
        Assert.Equal("Cancel my order", (string?)execution["finalOutput"]!["got"]);

        var noMatch = TriggerTestSupport.JsonRequest("/hooks/voice", """{ "from": "+1", "to": "+10000000000", "transcript": "x" }""");
        noMatch.Headers.Add("X-Webhook-Token", TriggerTestSupport.InboundToken);
        var none = await (await _anonymous.SendAsync(noMatch)).Expect(HttpStatusCode.OK);
        Assert.Empty(none["executions"]!.AsArray());
        Assert.Equal(1, await _client.ExecutionCount(matching));

        var plain = new HttpRequestMessage(HttpMethod.Post, "/hooks/voice") { Content = new StringContent("x", Encoding.UTF8, "application/pdf") };
        plain.Headers.Add("X-Webhook-Token", TriggerTestSupport.InboundToken);
        await (await _anonymous.SendAsync(plain)).ExpectProblem(HttpStatusCode.UnsupportedMediaType, "unsupported-media-type");
    }
}

public sealed class SqliteInboundTriggerTests(TriggersFixture<SqliteStorage> server) : InboundTriggerSuite<SqliteStorage>(server);

public sealed class PostgresInboundTriggerTests(TriggersFixture<PostgresStorage> server) : InboundTriggerSuite<PostgresStorage>(server);
