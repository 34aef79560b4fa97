using System.Net;
using System.Text.Json.Nodes;
using FlowForge.Server.Tests.Infrastructure;

namespace FlowForge.Server.Tests.Engine;

/// <summary>The execution API's contract: shapes, idempotency, retry, resume, purge, test runs, listing and tenancy.</summary>
public abstract class ExecutionsApiSuite<TStorage>(EngineFixture<TStorage> server) : IClassFixture<EngineFixture<TStorage>>
    where TStorage : ServerStorage, new()
{
    private readonly HttpClient _client = server.Client();
    private FakeService Fake => server.Fake;

    private static string Unique() => Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task Execute_Returns202WithLocationAndLinks()
    {
        var wf = await _client.Publish(Workflows.Simple("exec shape"));
        var response = await _client.PostJson($"/api/workflows/{wf}/execute", """{ "triggerData": { "name": "x" } }""");
        var body = await response.Expect(HttpStatusCode.Accepted);
        var id = (string)body["executionId"]!;
        Assert.StartsWith("ex_", id);
        Assert.Equal($"/api/executions/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal(wf, (string?)body["workflowId"]);
        Assert.Equal(1, (int?)body["version"]);
        // Committed before the answer: pending, or already finished when the start's commit also wrote its first turn (this
        // workflow's steps all run inline), as it does when the start is alone in its batch.
        Assert.Contains((string?)body["status"], new[] { "pending", "completed" });
        Assert.NotNull(body["startedAt"]);
        Assert.Equal($"/api/executions/{id}/history", (string?)body["links"]!["history"]);
        Assert.Equal($"/api/executions/{id}/cancel", (string?)body["links"]!["cancel"]);
        var done = await _client.WaitFinished(id);
        Assert.Equal("hi x", (string?)done["finalOutput"]!["greeting"]);
        Assert.Equal("x", (string?)done["triggerData"]!["name"]);
    }

    [Fact]
    public async Task Execute_Unpublished_Is409_Unknown_Is404_OtherOrg_Is404()
    {
        var draft = (string)(await (await _client.PostJson("/api/workflows", Workflows.Simple("draft"))).Expect(HttpStatusCode.Created))["id"]!;
        await (await _client.PostJson($"/api/workflows/{draft}/execute", "{}")).ExpectProblem(HttpStatusCode.Conflict, "not-published");
        await (await _client.PostJson("/api/workflows/wf_nope/execute", "{}")).ExpectProblem(HttpStatusCode.NotFound, "not-found");
        var wf = await _client.Publish(Workflows.Simple("org a only"));
        await (await server.Client(ServerFixture.KeyB).PostJson($"/api/workflows/{wf}/execute", "{}")).ExpectProblem(HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task Execute_RightAfterAStart_SeesAnUnpublishAndADelete()
    {
        // The starter remembers the version it last read published and lets the insert check it: the next start must still see
        // the workflow unpublished (409), published again (runs), deleted (404).
        var wf = await _client.Publish(Workflows.Simple("remembered"));
        Assert.Equal("completed", (string?)(await _client.WaitFinished(await _client.Execute(wf, new { name = "a" })))["status"]);

        await (await _client.PostAsync($"/api/workflows/{wf}/unpublish", null)).Expect(HttpStatusCode.OK);
        await (await _client.PostJson($"/api/workflows/{wf}/execute", "{}")).ExpectProblem(HttpStatusCode.Conflict, "not-published");
        await (await _client.PostAsync($"/api/workflows/{wf}/publish", null)).Expect(HttpStatusCode.OK);
        Assert.Equal("completed", (string?)(await _client.WaitFinished(await _client.Execute(wf, new { name = "b" })))["status"]);
        await (await _client.DeleteAsync($"/api/workflows/{wf}")).Expect(HttpStatusCode.NoContent);
        await (await _client.PostJson($"/api/workflows/{wf}/execute", "{}")).ExpectProblem(HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task Execute_MalformedBody_Is400AndStartsNothing()
    {
        var wf = await _client.Publish(Workflows.Simple("malformed"));
        await (await _client.PostJson($"/api/workflows/{wf}/execute", """{ "triggerData": """)).ExpectProblem(HttpStatusCode.BadRequest, "invalid-body");
        await (await _client.PostJson($"/api/workflows/{wf}/execute", """{ "trigger": {} }""")).ExpectProblem(HttpStatusCode.BadRequest, "invalid-body");
        var list = await (await _client.GetAsync($"/api/workflows/{wf}/executions")).Expect(HttpStatusCode.OK);
        Assert.Equal(0, (int?)list["total"]);
    }

    [Fact]
    public async Task IdempotencyKey_RepeatedRequestReturnsTheFirstExecution()
    {
        var wf = await _client.Publish(Workflows.Simple("idem"));
        var key = "order-" + Unique();
        var first = await _client.Execute(wf, new { name = "a" }, key);
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/workflows/{wf}/execute") { Content = Http.Json(new { triggerData = new { name = "b" } }) };
        request.Headers.Add("Idempotency-Key", key);
        var response = await _client.SendAsync(request);
        var second = await response.Expect(HttpStatusCode.Accepted);
        Assert.Equal(first, (string?)second["executionId"]);
        Assert.Equal("true", response.Headers.GetValues("Idempotent-Replayed").Single());
        var list = await (await _client.GetAsync($"/api/workflows/{wf}/executions")).Expect(HttpStatusCode.OK);
        Assert.Equal(1, (int?)list["total"]);
        // The key is per organisation: org B using it for its own workflow starts its own execution.
        var b = server.Client(ServerFixture.KeyB);
        var wfB = await b.Publish(Workflows.Simple("idem b"));
        Assert.NotEqual(first, await b.Execute(wfB, null, key));
    }

    [Fact]
    public async Task ExecutionOfAnotherOrganisation_Is404Everywhere()
    {
        var wf = await _client.Publish(Workflows.Simple("tenancy exec"));
        var id = await _client.Execute(wf);
        await _client.WaitFinished(id);
        var b = server.Client(ServerFixture.KeyB);
        await (await b.GetAsync($"/api/executions/{id}")).ExpectProblem(HttpStatusCode.NotFound, "not-found");
        await (await b.GetAsync($"/api/executions/{id}/history")).ExpectProblem(HttpStatusCode.NotFound, "not-found");
        await (await b.PostAsync($"/api/executions/{id}/cancel", null)).ExpectProblem(HttpStatusCode.NotFound, "not-found");
        await (await b.PostAsync($"/api/executions/{id}/events/approval", null)).ExpectProblem(HttpStatusCode.NotFound, "not-found");
        await (await b.PostAsync($"/api/executions/{id}/retry", null)).ExpectProblem(HttpStatusCode.NotFound, "not-found");
        await (await b.PostAsync($"/api/executions/{id}/resume", null)).ExpectProblem(HttpStatusCode.NotFound, "not-found");
        await (await b.DeleteAsync($"/api/executions/{id}")).ExpectProblem(HttpStatusCode.NotFound, "not-found");
        await (await b.GetAsync($"/api/workflows/{wf}/executions")).ExpectProblem(HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task History_IsTheRawAppendOnlyEventList()
    {
        var wf = await _client.Publish(Workflows.Simple("history"));
        var id = await _client.Execute(wf);
        await _client.WaitFinished(id);
        var history = await (await _client.GetAsync($"/api/executions/{id}/history")).Expect(HttpStatusCode.OK);
        var events = history["events"]!.AsArray();
        Assert.Equal(["executionStarted", "stepCompleted", "stepCompleted", "executionCompleted"], events.Select(e => (string)e!["type"]!));
        Assert.Equal(Enumerable.Range(1, events.Count), events.Select(e => (int)e!["sequence"]!));
        Assert.Equal(1, (int?)events[0]!["version"]);
    }

    [Fact]
    public async Task Retry_StartsANewLinkedExecutionWithTheSameTriggerData()
    {
        var wf = await _client.Publish($$$"""
            { "name": "retry-exec", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "call", "type": "action_http", "config": { "url": "{{{Fake.Url("/status/503")}}}", "retry": { "maxAttempts": 1 } } } ],
              "edges": [ { "source": "t", "target": "call" } ] }
            """);
        var id = await _client.Execute(wf, new { order = 42 });
        Assert.Equal("failed", (string?)(await _client.WaitFinished(id))["status"]);

        var retry = await (await _client.PostAsync($"/api/executions/{id}/retry", null)).Expect(HttpStatusCode.Accepted);
        var retryId = (string)retry["executionId"]!;
        Assert.NotEqual(id, retryId);
        var second = await _client.WaitFinished(retryId);
        Assert.Equal(id, (string?)second["retryOf"]);
        Assert.Equal(42, (int?)second["triggerData"]!["order"]);
    }

    [Fact]
    public async Task Retry_OfRunningExecution_Is409()
    {
        var wf = await _client.Publish("""
            { "name": "running", "nodes": [ { "id": "t", "type": "trigger_manual" }, { "id": "w", "type": "logic_delay", "config": { "duration": "1h" } } ],
              "edges": [ { "source": "t", "target": "w" } ] }
            """);
        var id = await _client.Execute(wf);
        await _client.WaitFor(id, ["waiting"]);
        await (await _client.PostAsync($"/api/executions/{id}/retry", null)).ExpectProblem(HttpStatusCode.Conflict, "execution-not-finished");
        await (await _client.DeleteAsync($"/api/executions/{id}")).ExpectProblem(HttpStatusCode.Conflict, "execution-not-finished");
        await (await _client.PostAsync($"/api/executions/{id}/resume", null)).ExpectProblem(HttpStatusCode.Conflict, "execution-not-failed");
        await (await _client.PostAsync($"/api/executions/{id}/cancel", null)).Expect(HttpStatusCode.Accepted);
        Assert.Equal("cancelled", (string?)(await _client.WaitFinished(id))["status"]);
    }

    [Fact]
    public async Task Resume_ContinuesFromTheFailedStep_KeepingFinishedSteps()
    {
        var tag = Unique();
        Fake.Broken[tag] = true;
        var wf = await _client.Publish($$$"""
            { "name": "resume", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "first", "type": "action_http", "config": { "method": "POST", "url": "{{{Fake.Url($"/ok/{tag}-first")}}}" } },
                { "id": "second", "type": "action_http", "config": { "method": "POST", "url": "{{{Fake.Url($"/broken/{tag}")}}}", "retry": { "maxAttempts": 2, "initialInterval": "50ms" } } },
                { "id": "third", "type": "logic_set_variable", "config": { "variables": { "first": "{{steps.first.body.call}}", "second": "{{steps.second.body.ok}}" } } } ],
              "edges": [ { "source": "t", "target": "first" }, { "source": "first", "target": "second" }, { "source": "second", "target": "third" } ] }
            """);
        var id = await _client.Execute(wf);
        var failed = await _client.WaitFinished(id);
        Assert.Equal("failed", (string?)failed["status"]);
        Assert.Equal(2, Fake.Calls($"/broken/{tag}"));

        Fake.Broken[tag] = false;
        await (await _client.PostAsync($"/api/executions/{id}/resume", null)).Expect(HttpStatusCode.Accepted);
        // Resume only queues a message: until the dispatcher takes it the row still says failed, so wait for the outcome itself.
        var done = await _client.WaitFor(id, ["completed"]);
        Assert.Equal("completed", (string?)done["status"]);
        Assert.Null(done["errorMessage"]);
        Assert.Equal(1, Fake.Calls($"/ok/{tag}-first"));
        Assert.Equal(3, Fake.Calls($"/broken/{tag}"));
        Assert.Equal(3, (int?)done.Step("second")["attempts"]);
        Assert.Equal("1", (string?)done["finalOutput"]!["first"]?.ToString());
        Assert.Single(done["logs"]!.AsArray(), l => (string?)l!["stepId"] == "first");
    }

    [Fact]
    public async Task Purge_DeletesAFinishedExecution()
    {
        var wf = await _client.Publish(Workflows.Simple("purge"));
        var id = await _client.Execute(wf);
        await _client.WaitFinished(id);
        await (await _client.DeleteAsync($"/api/executions/{id}")).Expect(HttpStatusCode.NoContent);
        await (await _client.GetAsync($"/api/executions/{id}")).ExpectProblem(HttpStatusCode.NotFound, "not-found");
        await (await _client.GetAsync($"/api/executions/{id}/history")).ExpectProblem(HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task List_FiltersByStatusAndDateRange_NewestFirst()
    {
        var wf = await _client.Publish($$$"""
            { "name": "list", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "c", "type": "logic_condition", "config": { "condition": "{{trigger.ok}} == true" } },
                { "id": "bad", "type": "action_http", "config": { "url": "{{{Fake.Url("/status/400")}}}" } },
                { "id": "good", "type": "logic_set_variable", "config": { "variables": { "a": 1 } } } ],
              "edges": [ { "source": "t", "target": "c" }, { "source": "c", "target": "good", "sourceHandle": "true" }, { "source": "c", "target": "bad", "sourceHandle": "false" } ] }
            """);
        var ids = new List<string>();
        foreach (var ok in new[] { true, false, true })
        {
            var id = await _client.Execute(wf, new { ok });
            await _client.WaitFinished(id);
            ids.Add(id);
        }
        var all = await (await _client.GetAsync($"/api/workflows/{wf}/executions?dateRange=24h")).Expect(HttpStatusCode.OK);
        Assert.Equal(3, (int?)all["total"]);
        Assert.Equal(ids.AsEnumerable().Reverse(), all["executions"]!.AsArray().Select(e => (string)e!["executionId"]!));
        var failed = await (await _client.GetAsync($"/api/workflows/{wf}/executions?status=failed")).Expect(HttpStatusCode.OK);
        Assert.Equal(ids[1], (string?)Assert.Single(failed["executions"]!.AsArray())!["executionId"]);
        var paged = await (await _client.GetAsync($"/api/workflows/{wf}/executions?limit=2&page=2")).Expect(HttpStatusCode.OK);
        Assert.Equal(2, (int?)paged["pages"]);
        Assert.Single(paged["executions"]!.AsArray());
        await (await _client.GetAsync($"/api/workflows/{wf}/executions?dateRange=1y")).ExpectProblem(HttpStatusCode.BadRequest, "bad-request");
        await (await _client.GetAsync($"/api/workflows/{wf}/executions?status=done")).ExpectProblem(HttpStatusCode.BadRequest, "bad-request");
    }

    [Fact]
    public async Task Test_RunsTheDraftInMemory_PreviewingSideEffects()
    {
        var tag = Unique();
        var created = await (await _client.PostJson("/api/workflows", $$$"""
            { "name": "test-run", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "wait", "type": "logic_delay", "config": { "duration": "2d" } },
                { "id": "call", "type": "action_http", "config": { "method": "POST", "url": "{{{Fake.Url($"/ok/{tag}")}}}", "body": { "n": "{{trigger.n}}" } } } ],
              "edges": [ { "source": "t", "target": "wait" }, { "source": "wait", "target": "call" } ] }
            """)).Expect(HttpStatusCode.Created);
        var id = (string)created["id"]!;

        var preview = await (await _client.PostJson($"/api/workflows/{id}/test", """{ "testData": { "n": 7 } }""")).Expect(HttpStatusCode.OK);
        Assert.Equal(id, (string?)preview["workflowId"]);
        Assert.Equal(7, (int?)preview["testData"]!["n"]);
        Assert.Equal("completed", (string?)preview["status"]);
        Assert.Equal(["t", "wait", "call"], preview["steps"]!.AsArray().Select(s => (string)s!["stepId"]!));
        var call = preview["steps"]!.AsArray().Single(s => (string?)s!["stepId"] == "call")!;
        Assert.True((bool)call["preview"]!);
        Assert.Equal(7, (int?)call["output"]!["input"]!["body"]!["n"]);
        Assert.Equal(0, Fake.Calls($"/ok/{tag}"));
        Assert.True((double)preview["totalDuration"]! < 60_000, "the 2-day delay is skipped");

        var live = await (await _client.PostJson($"/api/workflows/{id}/test", """{ "testData": { "n": 7 }, "live": true }""")).Expect(HttpStatusCode.OK);
        Assert.Equal("completed", (string?)live["status"]);
        Assert.Equal(1, Fake.Calls($"/ok/{tag}"));

        // Nothing was persisted.
        var list = await (await _client.GetAsync($"/api/workflows/{id}/executions")).Expect(HttpStatusCode.OK);
        Assert.Equal(0, (int?)list["total"]);
    }

    [Fact]
    public async Task Test_ApprovalTakesTheGivenEvent()
    {
        var created = await (await _client.PostJson("/api/workflows", """
            { "name": "test-approval", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "a", "type": "logic_approval", "config": {} },
                { "id": "yes", "type": "logic_set_variable", "config": { "variables": { "r": "yes" } } },
                { "id": "no", "type": "logic_set_variable", "config": { "variables": { "r": "no" } } } ],
              "edges": [ { "source": "t", "target": "a" }, { "source": "a", "target": "yes", "sourceHandle": "approved" },
                         { "source": "a", "target": "no", "sourceHandle": "rejected" }, { "source": "a", "target": "no", "sourceHandle": "timeout" } ] }
            """)).Expect(HttpStatusCode.Created);
        var result = await (await _client.PostJson($"/api/workflows/{created["id"]}/test", """{ "events": { "approval": { "approved": true } } }""")).Expect(HttpStatusCode.OK);
        Assert.Equal("yes", (string?)result["finalOutput"]!["r"]);
        var timedOut = await (await _client.PostJson($"/api/workflows/{created["id"]}/test", "{}")).Expect(HttpStatusCode.OK);
        Assert.Equal("no", (string?)timedOut["finalOutput"]!["r"]);
    }

    [Fact]
    public async Task Test_StartsFromTheNamedTrigger_AndRefusesAStepThatIsNotATrigger()
    {
        var created = await (await _client.PostJson("/api/workflows", """
            { "name": "test-two-triggers", "nodes": [
                { "id": "chat", "type": "trigger_manual" },
                { "id": "mail", "type": "trigger_manual" },
                { "id": "fromChat", "type": "logic_set_variable", "config": { "variables": { "via": "chat" } } },
                { "id": "fromMail", "type": "logic_set_variable", "config": { "variables": { "via": "mail" } } } ],
              "edges": [ { "source": "chat", "target": "fromChat" }, { "source": "mail", "target": "fromMail" } ] }
            """)).Expect(HttpStatusCode.Created);
        var id = (string)created["id"]!;

        var first = await (await _client.PostJson($"/api/workflows/{id}/test", "{}")).Expect(HttpStatusCode.OK);
        Assert.Equal("chat", (string?)first["finalOutput"]!["via"]);
        var second = await (await _client.PostJson($"/api/workflows/{id}/test", """{ "triggerNodeId": "mail" }""")).Expect(HttpStatusCode.OK);
        Assert.Equal("mail", (string?)second["finalOutput"]!["via"]);
        Assert.Equal(["mail", "fromMail"], second["steps"]!.AsArray().Select(s => (string)s!["stepId"]!));

        await (await _client.PostJson($"/api/workflows/{id}/test", """{ "triggerNodeId": "fromChat" }""")).ExpectProblem(HttpStatusCode.BadRequest, "bad-request");
    }

    [Fact]
    public async Task Test_InvalidDraft_Is400WithValidationErrors()
    {
        var created = await (await _client.PostJson("/api/workflows", Workflows.NoTrigger())).Expect(HttpStatusCode.Created);
        await (await _client.PostJson($"/api/workflows/{created["id"]}/test", "{}")).ExpectProblem(HttpStatusCode.BadRequest, "validation-failed");
    }

    [Fact]
    public async Task Execution_PinsItsVersion_WhenTheWorkflowIsRepublished()
    {
        var wf = await _client.Publish("""
            { "name": "pin", "nodes": [ { "id": "t", "type": "trigger_manual" }, { "id": "w", "type": "logic_delay", "config": { "duration": "1s" } },
              { "id": "v", "type": "logic_set_variable", "config": { "variables": { "version": "one" } } } ],
              "edges": [ { "source": "t", "target": "w" }, { "source": "w", "target": "v" } ] }
            """);
        var id = await _client.Execute(wf);
        await _client.WaitFor(id, ["waiting"]);
        var current = await (await _client.GetAsync($"/api/workflows/{wf}")).Expect(HttpStatusCode.OK);
        var edit = JsonNode.Parse(current.ToJsonString())!;
        edit["nodes"]![2]!["config"]!["variables"]!["version"] = "two";
        foreach (var readOnly in new[] { "id", "status", "version", "publishedVersion", "hasUnpublishedChanges", "createdAt", "updatedAt" }) edit.AsObject().Remove(readOnly);
        await (await _client.PutAsync($"/api/workflows/{wf}", Http.Json(edit.ToJsonString()))).Expect(HttpStatusCode.OK);
        await (await _client.PostAsync($"/api/workflows/{wf}/publish", null)).Expect(HttpStatusCode.OK);

        var done = await _client.WaitFinished(id);
        Assert.Equal("one", (string?)done["finalOutput"]!["version"]);
        Assert.Equal(1, (int?)done["version"]);
        var next = await _client.WaitFinished(await _client.Execute(wf));
        Assert.Equal("two", (string?)next["finalOutput"]!["version"]);
        Assert.Equal(2, (int?)next["version"]);
    }
}

public sealed class SqliteExecutionsApiTests(EngineFixture<SqliteStorage> server) : ExecutionsApiSuite<SqliteStorage>(server);

public sealed class PostgresExecutionsApiTests(EngineFixture<PostgresStorage> server) : ExecutionsApiSuite<PostgresStorage>(server);
