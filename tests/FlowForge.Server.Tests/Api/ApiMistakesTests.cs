using System.Net;
using System.Text.Json.Nodes;
using FlowForge.Server.Tests.Engine;
using FlowForge.Server.Tests.Infrastructure;

namespace FlowForge.Server.Tests.Api;

/// <summary>Client mistakes that used to be accepted and silently do the wrong thing get a plain-worded 400 (or say what happened).</summary>
public sealed class ApiMistakesTests(EngineFixture server) : IClassFixture<EngineFixture>
{
    private readonly HttpClient _client = server.Client();

    [Fact]
    public async Task Event_WithoutPayloadWrapper_IsRefused_NamingTheFieldAndTheShape_AndTheRunKeepsWaiting()
    {
        var wf = await _client.Publish(Workflows.Approval());
        var id = await _client.Execute(wf);
        await _client.WaitFor(id, ["waiting"]);

        var problem = await (await _client.PostJson($"/api/executions/{id}/events/approval", """{ "approved": true }"""))
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid-body");
        var detail = (string)problem["detail"]!;
        Assert.Contains("Unknown field 'approved'", detail);
        Assert.Contains("payload", detail);
        Assert.Contains("""{"payload": {"approved": true""", detail);
        Assert.DoesNotContain("FlowForge.", detail);

        // Nothing was delivered: the run still waits, and the right shape then approves it.
        Assert.Equal("waiting", (string?)(await _client.GetExecution(id))["status"]);
        var accepted = await (await _client.PostJson($"/api/executions/{id}/events/approval", """{ "payload": { "approved": true } }""")).Expect(HttpStatusCode.Accepted);
        Assert.True((bool)accepted["waiting"]!);
        Assert.Equal("approved", (string?)(await _client.WaitFinished(id))["finalOutput"]!["route"]);
    }

    [Fact]
    public async Task Event_NothingWaitsFor_IsKept_ButTheAnswerSaysSo()
    {
        var wf = await _client.Publish(Workflows.Approval());
        var id = await _client.Execute(wf);
        await _client.WaitFor(id, ["waiting"]);

        var answer = await (await _client.PostJson($"/api/executions/{id}/events/aproval", """{ "payload": { "approved": true } }""")).Expect(HttpStatusCode.Accepted);
        Assert.False((bool)answer["waiting"]!);
        var detail = (string)answer["detail"]!;
        Assert.Contains("No step is waiting for event 'aproval'", detail);
        Assert.Contains("'approval'", detail);
        Assert.Equal("waiting", (string?)(await _client.GetExecution(id))["status"]);

        // A name with a control or bidi-override character is not an event name anything could wait for.
        var bad = await (await _client.PostJson($"/api/executions/{id}/events/{Uri.EscapeDataString("appro\u202Eval")}", "{}")).ExpectProblem(HttpStatusCode.BadRequest, "bad-request");
        Assert.Contains("U+202E", (string?)bad["detail"]);
        await (await _client.PostAsync($"/api/executions/{id}/cancel", null)).Expect(HttpStatusCode.Accepted);
    }

    [Fact]
    public async Task Execute_UnknownField_SaysWhichField_AndHintsAtTriggerData()
    {
        var wf = await _client.Publish(Workflows.Simple("unknown field"));
        var problem = await (await _client.PostJson($"/api/workflows/{wf}/execute", """{ "trigger": { "name": "Ada" } }"""))
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid-body");
        var detail = (string)problem["detail"]!;
        Assert.StartsWith("Unknown field 'trigger' in the request body; expected: triggerData", detail);
        Assert.DoesNotContain("Malformed", detail);
        Assert.DoesNotContain("FlowForge.", detail);
        Assert.Equal("trigger", (string?)problem["errors"]![0]!["field"]);
        var list = await (await _client.GetAsync($"/api/workflows/{wf}/executions")).Expect(HttpStatusCode.OK);
        Assert.Equal(0, (int?)list["total"]);
    }

    [Fact]
    public async Task WrongValueType_IsDescribedInPlainWords()
    {
        var wf = await _client.Publish(Workflows.Simple("wrong type"));
        var problem = await (await _client.PostJson($"/api/workflows/{wf}/test", """{ "live": "yes" }""")).ExpectProblem(HttpStatusCode.BadRequest, "invalid-body");
        var detail = (string)problem["detail"]!;
        Assert.Contains("live", detail);
        Assert.Contains("true or false", detail);
        Assert.DoesNotContain("System.", detail);
    }

    [Theory]
    [InlineData("page=2147483647")]
    [InlineData("page=1000001")]
    [InlineData("page=2147483648")]
    [InlineData("limit=2147483647")]
    public async Task OutOfRangePaging_Is400(string query)
    {
        var wf = await _client.Publish(Workflows.Simple("paging"));
        await _client.WaitFinished(await _client.Execute(wf, new { name = "x" }));
        foreach (var url in new[] { $"/api/workflows/{wf}/executions?{query}", $"/api/workflows?{query}", $"/api/outbox?{query}" })
        {
            var problem = await (await _client.GetAsync(url)).ExpectProblem(HttpStatusCode.BadRequest, "bad-request");
            Assert.Contains(query.Split('=')[0], (string?)problem["detail"]);
        }
        // The last page allowed is answered (empty), not wrapped round to page 1.
        var far = await (await _client.GetAsync($"/api/workflows/{wf}/executions?page=1000000&limit=100")).Expect(HttpStatusCode.OK);
        Assert.Empty(far["executions"]!.AsArray());
    }

    [Theory]
    [InlineData("name", "bad\u0000name")]
    [InlineData("name", "invoice\u202Egpj.exe")]
    [InlineData("description", "text\u0007bell")]
    [InlineData("description", "isolate\u2067")]
    [InlineData("nodes[0].id", "t\u0000")]
    [InlineData("nodes[1].id", "se\u202Dt")]
    [InlineData("edges[0].id", "e\u0001")]
    [InlineData("edges[0].sourceHandle", "out\u2066")]
    public async Task ControlAndBidiCharacters_InNamesAndIds_AreRefused_AndNothingIsStored(string field, string value)
    {
        var body = JsonNode.Parse(Workflows.Simple("chars"))!;
        switch (field)
        {
            case "name": body["name"] = value; break;
            case "description": body["description"] = value; break;
            case "nodes[0].id": body["nodes"]![0]!["id"] = value; body["edges"]![0]!["source"] = value; break;
            case "nodes[1].id": body["nodes"]![1]!["id"] = value; body["edges"]![0]!["target"] = value; break;
            case "edges[0].id": body["edges"]![0]!["id"] = value; break;
            case "edges[0].sourceHandle": body["edges"]![0]!["sourceHandle"] = value; break;
        }
        var before = (int)(await (await _client.GetAsync("/api/workflows?limit=1")).Expect(HttpStatusCode.OK))["total"]!;
        var problem = await (await _client.PostJson("/api/workflows", body.ToJsonString())).ExpectProblem(HttpStatusCode.BadRequest, "invalid-body");
        Assert.Contains(problem["errors"]!.AsArray(), e => (string?)e!["field"] == field && ((string?)e["message"])!.Contains("character U+"));
        Assert.Equal(before, (int)(await (await _client.GetAsync("/api/workflows?limit=1")).Expect(HttpStatusCode.OK))["total"]!);
    }

    [Fact]
    public async Task Description_KeepsLineBreaksAndTabs()
    {
        var body = JsonNode.Parse(Workflows.Simple("multi-line"))!;
        body["description"] = "first line\n\tsecond line\r\nthird";
        await (await _client.PostJson("/api/workflows", body.ToJsonString())).Expect(HttpStatusCode.Created);
    }

    [Fact]
    public async Task ControlCharacters_InAnApiKeyName_AreRefused()
    {
        var problem = await (await _client.PostJson("/api/keys", """{ "name": "ci\u0000key" }""")).ExpectProblem(HttpStatusCode.BadRequest, "invalid-body");
        Assert.Contains("U+0000", (string?)problem["detail"]);
    }

    [Fact]
    public async Task DuplicateEdgeIds_DoNotPublish()
    {
        var created = await (await _client.PostJson("/api/workflows", """
            { "name": "dup edges", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "a", "type": "logic_set_variable", "config": { "variables": { "x": 1 } } },
                { "id": "b", "type": "logic_set_variable", "config": { "variables": { "y": 1 } } } ],
              "edges": [ { "id": "e1", "source": "t", "target": "a" }, { "id": "e1", "source": "t", "target": "b" } ] }
            """)).Expect(HttpStatusCode.Created);
        var problem = await (await _client.PostAsync($"/api/workflows/{created["id"]}/publish", null)).ExpectProblem(HttpStatusCode.BadRequest, "validation-failed");
        Assert.Contains(problem["errors"]!.AsArray(), e => (string?)e!["code"] == "duplicate_edge_id");
    }

    [Fact]
    public async Task RetryMaxAttemptsOfABillion_DoesNotPublish()
    {
        var created = await (await _client.PostJson("/api/workflows", """
            { "name": "retry cap", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "call", "type": "action_http", "config": { "url": "https://example.com", "retry": { "maxAttempts": 1e9 } } } ],
              "edges": [ { "source": "t", "target": "call" } ] }
            """)).Expect(HttpStatusCode.Created);
        var problem = await (await _client.PostAsync($"/api/workflows/{created["id"]}/publish", null)).ExpectProblem(HttpStatusCode.BadRequest, "validation-failed");
        Assert.Contains(problem["errors"]!.AsArray(), e => (string?)e!["field"] == "retry.maxAttempts" && ((string?)e["message"])!.Contains("at most 100"));
    }

    [Fact]
    public async Task DelayUntilYear9999_DoesNotPublish()
    {
        var created = await (await _client.PostJson("/api/workflows", """
            { "name": "until cap", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "wait", "type": "logic_delay", "config": { "until": "9999-12-31T23:59:59Z" } } ],
              "edges": [ { "source": "t", "target": "wait" } ] }
            """)).Expect(HttpStatusCode.Created);
        var problem = await (await _client.PostAsync($"/api/workflows/{created["id"]}/publish", null)).ExpectProblem(HttpStatusCode.BadRequest, "validation-failed");
        Assert.Contains(problem["errors"]!.AsArray(), e => (string?)e!["field"] == "until");
    }

    [Fact]
    public async Task TemplatedDelayUntilYear9999_FailsTheStep_WithAMessage()
    {
        var wf = await _client.Publish("""
            { "name": "until cap run time", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "wait", "type": "logic_delay", "config": { "until": "{{trigger.at}}" } } ],
              "edges": [ { "source": "t", "target": "wait" } ] }
            """);
        var done = await _client.WaitFinished(await _client.Execute(wf, new { at = "9999-12-31T23:59:59Z" }));
        Assert.Equal("failed", (string?)done["status"]);
        Assert.Contains("at most 366 days", (string?)done["errorMessage"]);
    }
}
