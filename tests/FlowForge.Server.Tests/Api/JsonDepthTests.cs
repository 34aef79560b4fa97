using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using FlowForge.Server.Tests.Infrastructure;
using FlowForge.Server.Tests.Triggers;

namespace FlowForge.Server.Tests.Api;

/// <summary>
/// JSON nested deeper than Limits__MaxJsonDepth (default 32) is refused at every door with a 400 naming the setting,
/// before anything is written: a payload nested near the JSON writer's own limit (64) used to get in and then poison
/// the commit of every history event that carried it.
/// </summary>
public sealed class JsonDepthTests(TriggersFixture server) : IClassFixture<TriggersFixture>
{
    private readonly HttpClient _client = server.Client();
    private readonly HttpClient _anonymous = server.Client(key: null);

    /// <summary><paramref name="levels"/> nested objects: <c>{"a":{"a":…1…}}</c>.</summary>
    private static string Deep(int levels) => new StringBuilder().Insert(0, "{\"a\":", levels).Append('1').Append('}', levels).ToString();

    private static async Task ExpectTooDeep(HttpResponseMessage response)
    {
        var problem = await response.ExpectProblem(HttpStatusCode.BadRequest, "json-too-deep");
        Assert.Contains("Limits__MaxJsonDepth", (string?)problem["detail"]);
        Assert.Equal(32, (int?)problem["limit"]);
    }

    [Fact]
    public async Task Webhook_DeepBody_IsRefusedWith400_AndStartsNothing()
    {
        var (id, published) = await _client.CreateAndPublish(TriggerTestSupport.Workflow("deep hook", "trigger_webhook", """{ "auth": "none" }""", "{{trigger.body}}"));
        var path = published.Trigger().HookPath();

        await ExpectTooDeep(await _anonymous.SendAsync(TriggerTestSupport.JsonRequest(path, Deep(62))));
        await ExpectTooDeep(await _anonymous.SendAsync(TriggerTestSupport.JsonRequest(path, Deep(33))));
        await ExpectTooDeep(await _anonymous.SendAsync(TriggerTestSupport.JsonRequest(path, "[" + Deep(32) + "]")));
        Assert.Equal(0, await _client.ExecutionCount(id));

        // At the limit it is accepted, and the run carrying it completes.
        var accepted = await (await _anonymous.SendAsync(TriggerTestSupport.JsonRequest(path, Deep(32)))).Expect(HttpStatusCode.Accepted);
        var done = await _client.WaitFinished((string)accepted["executionId"]!);
        Assert.Equal("completed", (string?)done["status"]);
    }

    [Fact]
    public async Task Webhook_FormAndQueryPayloads_AreFlat_AndAccepted()
    {
        var (id, published) = await _client.CreateAndPublish(TriggerTestSupport.Workflow("form hook", "trigger_webhook", """{ "auth": "none" }""", "{{trigger.body.a}}"));
        var path = published.Trigger().HookPath() + "?" + string.Join("&", Enumerable.Range(0, 50).Select(i => $"a[{i}][b][c]=x"));
        var form = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["a"] = Deep(60), ["a[b][c][d]"] = "1" }),
        };
        var accepted = await (await _anonymous.SendAsync(form)).Expect(HttpStatusCode.Accepted);
        var done = await _client.WaitFinished((string)accepted["executionId"]!);
        Assert.Equal("completed", (string?)done["status"]);
        Assert.Equal(Deep(60), (string?)done["finalOutput"]!["got"]);
        Assert.Equal(1, await _client.ExecutionCount(id));
    }

    [Fact]
    public async Task WhatsApp_DeepPayload_IsRefusedWith400()
    {
        var phone = "PN" + Guid.NewGuid().ToString("N")[..10];
        var (id, _) = await _client.CreateAndPublish(TriggerTestSupport.Workflow("wa deep", "trigger_whatsapp", $$"""{ "phoneNumberId": "{{phone}}" }""", "{{message_text}}"));
        var body = $$"""
            { "object": "whatsapp_business_account", "entry": [ { "id": "WABA", "changes": [ { "field": "messages", "value": {
                "metadata": { "phone_number_id": "{{phone}}" }, "extra": {{Deep(40)}},
                "messages": [ { "from": "447700900123", "id": "wamid.deep", "type": "text", "text": { "body": "hi" } } ] } } ] } ] }
            """;
        var request = TriggerTestSupport.JsonRequest("/hooks/whatsapp", body);
        request.Headers.Add("X-Hub-Signature-256", TriggerTestSupport.HubSignature(body));
        await ExpectTooDeep(await _anonymous.SendAsync(request));
        Assert.Equal(0, await _client.ExecutionCount(id));
    }

    [Theory]
    [InlineData("/hooks/email", "trigger_email")]
    [InlineData("/hooks/voice", "trigger_voice")]
    public async Task EmailAndVoice_DeepPayload_IsRefusedWith400(string hook, string type)
    {
        var (id, _) = await _client.CreateAndPublish(TriggerTestSupport.Workflow("inbound deep", type, "{}", "x"));
        var body = $$"""{ "from": "ada@example.org", "to": "support@example.com", "subject": "s", "text": "t", "extra": {{Deep(40)}} }""";
        await ExpectTooDeep(await _anonymous.SendAsync(TriggerTestSupport.JsonRequest(hook, body).WithBearer(TriggerTestSupport.InboundToken)));
        Assert.Equal(0, await _client.ExecutionCount(id));
    }

    [Fact]
    public async Task Execute_DeepTriggerData_IsRefusedWith400_AndStartsNothing()
    {
        var wf = await _client.Publish(Workflows.Simple("deep execute"));
        await ExpectTooDeep(await _client.PostJson($"/api/workflows/{wf}/execute", $$"""{ "triggerData": {{Deep(40)}} }"""));
        Assert.Equal(0, await _client.ExecutionCount(wf));
    }

    [Fact]
    public async Task Test_DeepTestDataOrEvents_IsRefusedWith400()
    {
        var wf = await _client.Publish(Workflows.Simple("deep test"));
        await ExpectTooDeep(await _client.PostJson($"/api/workflows/{wf}/test", $$"""{ "testData": {{Deep(40)}} }"""));
        await ExpectTooDeep(await _client.PostJson($"/api/workflows/{wf}/test", $$"""{ "events": { "approval": {{Deep(40)}} } }"""));
    }

    [Fact]
    public async Task Event_DeepPayload_IsRefusedWith400_AndNotDelivered()
    {
        var wf = await _client.Publish("""
            { "name": "deep approval", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "approve", "type": "logic_approval", "config": { "message": "ok?", "timeout": "1h" } },
                { "id": "yes", "type": "logic_set_variable", "config": { "variables": { "route": "approved" } } } ],
              "edges": [ { "source": "t", "target": "approve" }, { "source": "approve", "target": "yes", "sourceHandle": "approved" } ] }
            """);
        var id = await _client.Execute(wf);
        await _client.WaitFor(id, ["waiting"]);
        await ExpectTooDeep(await _client.PostJson($"/api/executions/{id}/events/approval", $$"""{ "payload": {{Deep(40)}} }"""));
        var history = await (await _client.GetAsync($"/api/executions/{id}/history")).Expect(HttpStatusCode.OK);
        Assert.DoesNotContain(history["events"]!.AsArray(), e => (string?)e!["type"] == "eventRaised");
        Assert.Equal("waiting", (string?)(await _client.GetExecution(id))["status"]);
        await (await _client.PostAsync($"/api/executions/{id}/cancel", null)).Expect(HttpStatusCode.Accepted);
    }

    [Fact]
    public async Task Workflow_DeepConfig_IsRefusedWith400_AndCreatesNothing()
    {
        var before = (int)(await (await _client.GetAsync("/api/workflows")).Expect(HttpStatusCode.OK))["total"]!;
        await ExpectTooDeep(await _client.PostJson("/api/workflows", $$"""
            { "name": "deep", "nodes": [ { "id": "t", "type": "trigger_manual", "config": {{Deep(40)}} } ], "edges": [] }
            """));
        Assert.Equal(before, (int)(await (await _client.GetAsync("/api/workflows")).Expect(HttpStatusCode.OK))["total"]!);
    }
}
