using System.Net;
using System.Text.Json.Nodes;
using FlowForge.Server.Tests.Infrastructure;
using FlowForge.Server.Tests.Triggers;

namespace FlowForge.Server.Tests.Engine;

/// <summary>
/// Each semantic of the design, end to end: HTTP API → store → dispatcher → workers → HTTP API. Written once and
/// enrolled by every storage backend with an empty subclass over its server fixture (as Marten's compliance
/// suites are), so SQLite and PostgreSQL cannot drift apart: <see cref="SqliteExecutionSemanticsTests"/> and
/// <see cref="Postgres.PostgresExecutionSemanticsTests"/>.
/// </summary>
/// <typeparam name="TFixture">A server with a fake outside service, on the backend under test.</typeparam>
public abstract class ExecutionSemanticsSuite<TFixture>(TFixture server) : IClassFixture<TFixture>
    where TFixture : FakeServiceFixture
{
    private readonly HttpClient _client = server.Client();
    private FakeService Fake => server.Fake;

    private static string Unique() => Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task Sequence_WithHttpAction_CompletesWithParsedBodyAndLogsInOrder()
    {
        var tag = Unique();
        var wf = await _client.Publish($$$"""
            { "name": "seq", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "call", "type": "action_http", "config": { "method": "POST", "url": "{{{Fake.Url($"/ok/{tag}")}}}", "body": { "who": "{{trigger.name}}" } } },
                { "id": "set", "type": "logic_set_variable", "config": { "variables": { "answer": "{{steps.call.body.name}} for {{trigger.name}}" } } } ],
              "edges": [ { "source": "t", "target": "call" }, { "source": "call", "target": "set" } ] }
            """);
        var id = await _client.Execute(wf, new { name = "Ada" });
        var done = await _client.WaitFinished(id);

        Assert.Equal("completed", (string?)done["status"]);
        Assert.Equal($"{tag} for Ada", (string?)done["finalOutput"]!["answer"]);
        Assert.Equal(["t", "call", "set"], done["logs"]!.AsArray().Select(l => (string)l!["stepId"]!));
        Assert.Equal([1, 2, 3], done["logs"]!.AsArray().Select(l => (int)l!["stepOrder"]!));
        var call = done.Step("call");
        Assert.Equal(200, (int?)call["output"]!["status"]);
        Assert.True((bool)call["output"]!["body"]!["ok"]!);
        Assert.Equal("Ada", (string?)call["input"]!["body"]!["who"]);
        Assert.Equal("action", (string?)call["stepType"]);
        Assert.Equal(1, Fake.Calls($"/ok/{tag}"));
        // The provider saw the step's idempotency key.
        Assert.Contains(Fake.Requests, r => r.Path == $"/ok/{tag}" && r.IdempotencyKey == $"{id}:call:1");
        Assert.NotNull(done["completedAt"]);
        Assert.True((double)done["totalDuration"]! >= 0);
    }

    [Fact]
    public async Task Condition_RoutesByPort_AndSkipsTheOtherBranch()
    {
        var wf = await _client.Publish("""
            { "name": "cond", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "c", "type": "logic_condition", "config": { "condition": "{{trigger.score}} > 5 AND {{trigger.kind}} == 'vip'" } },
                { "id": "yes", "type": "logic_set_variable", "config": { "variables": { "route": "yes" } } },
                { "id": "no", "type": "logic_set_variable", "config": { "variables": { "route": "no" } } } ],
              "edges": [ { "source": "t", "target": "c" }, { "source": "c", "target": "yes", "sourceHandle": "yes" }, { "source": "c", "target": "no", "sourceHandle": "false" } ] }
            """);
        var high = await _client.WaitFinished(await _client.Execute(wf, new { score = 9, kind = "vip" }));
        Assert.Equal("yes", (string?)high["finalOutput"]!["route"]);
        Assert.False(high.HasStep("no"));
        var low = await _client.WaitFinished(await _client.Execute(wf, new { score = 2, kind = "vip" }));
        Assert.Equal("no", (string?)low["finalOutput"]!["route"]);
        Assert.False(low.HasStep("yes"));
        Assert.Equal("false", (string?)low.Step("c")["port"]);
    }

    [Fact]
    public async Task Skipped_ListsTheBranchNotTakenAndWhatOnlyItLeadsTo_NotTheStepsAfterAFailure()
    {
        var wf = await _client.Publish($$$"""
            { "name": "skipped", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "other", "type": "trigger_webhook", "config": { "auth": "none" } },
                { "id": "c", "type": "logic_condition", "config": { "condition": "{{trigger.ok}} == true" } },
                { "id": "yes", "type": "logic_set_variable", "config": { "variables": { "route": "yes" } } },
                { "id": "yes2", "type": "logic_set_variable", "config": { "variables": { "route": "yes2" } } },
                { "id": "bad", "type": "action_http", "config": { "url": "{{{Fake.Url("/status/400")}}}" } },
                { "id": "join", "type": "logic_set_variable", "config": { "variables": { "joined": true } } } ],
              "edges": [ { "source": "t", "target": "c" }, { "source": "other", "target": "c" },
                         { "source": "c", "target": "yes", "sourceHandle": "true" }, { "source": "yes", "target": "yes2" },
                         { "source": "c", "target": "bad", "sourceHandle": "false" },
                         { "source": "yes2", "target": "join" }, { "source": "bad", "target": "join" } ] }
            """);
        static string[] Skipped(JsonNode detail) => [.. detail["skipped"]!.AsArray().Select(s => (string)s!["nodeId"]!).Order()];

        var taken = await _client.WaitFinished(await _client.Execute(wf, new { ok = true }));
        Assert.Equal("completed", (string?)taken["status"]);
        // The unused trigger, and the false branch up to the join (which the true branch still reaches, so it ran).
        Assert.Equal(["bad", "other"], Skipped(taken));
        Assert.True(taken.HasStep("join"));
        var history = await (await _client.GetAsync($"/api/executions/{(string)taken["executionId"]!}/history")).Expect(HttpStatusCode.OK);
        Assert.Equal(history["events"]!.AsArray().Count, (int?)taken["sequence"]);

        var failed = await _client.WaitFinished(await _client.Execute(wf, new { ok = false }));
        Assert.Equal("failed", (string?)failed["status"]);
        // The join after the failed step is not skipped: resuming the run may still reach it.
        Assert.Equal(["other", "yes", "yes2"], Skipped(failed));
    }

    [Fact]
    public async Task ParallelBranches_JoinWaitsForBoth()
    {
        var tag = Unique();
        var wf = await _client.Publish($$$"""
            { "name": "join", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "fast", "type": "action_http", "config": { "method": "POST", "url": "{{{Fake.Url($"/slow/{tag}-fast?ms=10")}}}" } },
                { "id": "slow", "type": "action_http", "config": { "method": "POST", "url": "{{{Fake.Url($"/slow/{tag}-slow?ms=400")}}}" } },
                { "id": "join", "type": "logic_set_variable", "config": { "variables": { "both": "{{steps.fast.body.name}}+{{steps.slow.body.name}}" } } } ],
              "edges": [ { "source": "t", "target": "fast" }, { "source": "t", "target": "slow" },
                         { "source": "fast", "target": "join" }, { "source": "slow", "target": "join" } ] }
            """);
        var done = await _client.WaitFinished(await _client.Execute(wf));
        Assert.Equal("completed", (string?)done["status"]);
        Assert.Equal($"{tag}-fast+{tag}-slow", (string?)done["finalOutput"]!["both"]);
        Assert.Single(done["logs"]!.AsArray(), l => (string?)l!["stepId"] == "join");
        Assert.True(DateTimeOffset.Parse((string)done.Step("join")["startedAt"]!) >= DateTimeOffset.Parse((string)done.Step("slow")["completedAt"]!));
    }

    [Fact]
    public async Task Loop_OverArray_RunsBodyPerItem_AndCollectsResults()
    {
        var tag = Unique();
        var wf = await _client.Publish($$$"""
            { "name": "loop", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "each", "type": "logic_loop", "config": { "items": "{{trigger.names}}", "mode": "parallel", "maxParallelism": 2 } },
                { "id": "greet", "type": "action_http", "config": { "method": "POST", "url": "{{{Fake.Url($"/ok/{tag}")}}}", "body": { "n": "{{vars.item}}", "i": "{{vars.index}}" } } },
                { "id": "after", "type": "logic_set_variable", "config": { "variables": { "count": "{{steps.each.count}}" } } } ],
              "edges": [ { "source": "t", "target": "each" }, { "source": "each", "target": "greet", "sourceHandle": "item" },
                         { "source": "greet", "target": "each" }, { "source": "each", "target": "after", "sourceHandle": "done" } ] }
            """);
        var done = await _client.WaitFinished(await _client.Execute(wf, new { names = new[] { "a", "b", "c" } }));
        Assert.Equal("completed", (string?)done["status"]);
        Assert.Equal(3, Fake.Calls($"/ok/{tag}"));
        Assert.Equal(3, (int)done.Step("each")["output"]!["count"]!);
        Assert.Equal(3, done.Step("each")["output"]!["results"]!.AsArray().Count);
        Assert.Equal(3, done["logs"]!.AsArray().Count(l => (string?)l!["nodeId"] == "greet"));
        var bodies = Fake.Requests.Where(r => r.Path == $"/ok/{tag}").Select(r => JsonNode.Parse(r.Body)!["n"]!.GetValue<string>()).Order();
        Assert.Equal(["a", "b", "c"], bodies);
    }

    [Fact]
    public async Task Retry_WithBackoff_SucceedsOnThirdAttempt()
    {
        var tag = Unique();
        var wf = await _client.Publish($$$"""
            { "name": "retry", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "call", "type": "action_http", "config": { "method": "POST", "url": "{{{Fake.Url($"/flaky/{tag}?failures=2")}}}",
                  "retry": { "maxAttempts": 3, "initialInterval": "100ms", "backoffCoefficient": 2 } } } ],
              "edges": [ { "source": "t", "target": "call" } ] }
            """);
        var id = await _client.Execute(wf);
        var done = await _client.WaitFinished(id);
        Assert.Equal("completed", (string?)done["status"]);
        Assert.Equal(3, (int?)done.Step("call")["attempts"]);
        Assert.Equal(3, Fake.Calls($"/flaky/{tag}"));
        var history = await (await _client.GetAsync($"/api/executions/{id}/history")).Expect(HttpStatusCode.OK);
        var timers = history["events"]!.AsArray().Where(e => (string?)e!["type"] == "timerCreated").ToList();
        Assert.Equal(2, timers.Count);
        Assert.All(timers, t => Assert.Equal("Retry", (string?)t!["purpose"]));
        Assert.Equal(2, history["events"]!.AsArray().Count(e => (string?)e!["type"] == "stepFailed"));
    }

    [Fact]
    public async Task TooManyRequests_IsRetried_AfterTheProvidersRetryAfter()
    {
        var tag = Unique();
        var wf = await _client.Publish($$$"""
            { "name": "retry-after", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "call", "type": "action_http", "config": { "url": "{{{Fake.Url($"/flaky/{tag}?failures=1&status=429&retryAfter=1")}}}",
                  "retry": { "maxAttempts": 2, "initialInterval": "10ms" } } } ],
              "edges": [ { "source": "t", "target": "call" } ] }
            """);
        var done = await _client.WaitFinished(await _client.Execute(wf));
        Assert.Equal("completed", (string?)done["status"]);
        var times = Fake.Times.Where(t => t.Path == $"/flaky/{tag}").Select(t => t.At).ToList();
        Assert.Equal(2, times.Count);
        Assert.True(times[1] - times[0] >= TimeSpan.FromMilliseconds(950), $"second attempt came {times[1] - times[0]} after the first");
    }

    /// <summary>
    /// Both organisations hold the same key, then both repeat it: each repeat is found among its own organisation's
    /// executions only. The repeats travel with other starts; none of those may fail with them.
    /// </summary>
    [Fact]
    public async Task IdempotencyKey_UsedByTwoOrganisations_EachRepeatGetsItsOwnExecution()
    {
        var b = server.Client(ServerFixture.KeyB);
        var wfA = await _client.Publish(Workflows.Simple("idem shared a"));
        var wfB = await b.Publish(Workflows.Simple("idem shared b"));
        var key = "shared-" + Unique();
        var firstA = await _client.Execute(wfA, null, key);
        var firstB = await b.Execute(wfB, null, key);
        Assert.NotEqual(firstA, firstB);

        var repeatA = _client.Execute(wfA, null, key);
        var repeatB = b.Execute(wfB, null, key);
        var others = Enumerable.Range(0, 4).Select(i => _client.Execute(wfA, new { i })).ToList();
        Assert.Equal(firstA, await repeatA);
        Assert.Equal(firstB, await repeatB);
        Assert.Equal(4, (await Task.WhenAll(others)).Distinct().Count());

        Assert.Equal(5, (int?)(await (await _client.GetAsync($"/api/workflows/{wfA}/executions")).Expect(HttpStatusCode.OK))["total"]);
        Assert.Equal(1, (int?)(await (await b.GetAsync($"/api/workflows/{wfB}/executions")).Expect(HttpStatusCode.OK))["total"]);
    }

    /// <summary>A hostile Retry-After (three years) is honoured up to a day: the retry timer is at most a day away, not years.</summary>
    [Fact]
    public async Task HostileRetryAfter_IsCappedAtOneDay()
    {
        var tag = Unique();
        var wf = await _client.Publish($$$"""
            { "name": "retry-after-hostile", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "call", "type": "action_http", "config": { "url": "{{{Fake.Url($"/flaky/{tag}?failures=1&status=429&retryAfter=99999999")}}}",
                  "retry": { "maxAttempts": 2, "initialInterval": "10ms" } } } ],
              "edges": [ { "source": "t", "target": "call" } ] }
            """);
        var before = DateTimeOffset.UtcNow;
        var id = await _client.Execute(wf);

        JsonNode? timer = null;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (timer is null && DateTime.UtcNow < deadline)
        {
            var history = await (await _client.GetAsync($"/api/executions/{id}/history")).Expect(HttpStatusCode.OK);
            timer = history["events"]!.AsArray().FirstOrDefault(e => (string?)e!["type"] == "timerCreated" && (string?)e["purpose"] == "Retry");
            if (timer is null) await Task.Delay(50);
        }
        Assert.NotNull(timer);
        var fireAt = DateTimeOffset.Parse((string)timer["fireAt"]!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(fireAt, before + TimeSpan.FromDays(1) - TimeSpan.FromMinutes(5), DateTimeOffset.UtcNow + TimeSpan.FromDays(1));
        // Not left parked for a day on the shared server.
        await (await _client.PostAsync($"/api/executions/{id}/cancel", null)).Expect(HttpStatusCode.Accepted);
        Assert.Equal("cancelled", (string?)(await _client.WaitFinished(id))["status"]);
    }

    [Fact]
    public async Task NonRetryableFailure_FailsExecutionAtOnce_WithClearError()
    {
        var tag = Unique();
        var wf = await _client.Publish($$$"""
            { "name": "fail", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "call", "type": "action_http", "config": { "url": "{{{Fake.Url("/status/404")}}}?x={{{tag}}}" } },
                { "id": "never", "type": "logic_set_variable", "config": { "variables": { "a": 1 } } } ],
              "edges": [ { "source": "t", "target": "call" }, { "source": "call", "target": "never" } ] }
            """);
        var done = await _client.WaitFinished(await _client.Execute(wf));
        Assert.Equal("failed", (string?)done["status"]);
        Assert.Contains("404", (string?)done["errorMessage"]);
        Assert.Contains("'call'", (string?)done["errorMessage"]);
        Assert.Equal(1, (int?)done.Step("call")["attempts"]);
        Assert.Equal("failed", (string?)done.Step("call")["status"]);
        Assert.False(done.HasStep("never"));
    }

    [Fact]
    public async Task OnErrorContinue_AndErrorPort_KeepTheRunGoing()
    {
        var wf = await _client.Publish($$$"""
            { "name": "onerror", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "soft", "type": "action_http", "config": { "url": "{{{Fake.Url("/status/400")}}}", "onError": "continue" } },
                { "id": "routed", "type": "action_http", "config": { "url": "{{{Fake.Url("/status/400")}}}", "onError": "error" } },
                { "id": "handler", "type": "logic_set_variable", "config": { "variables": { "handled": "{{steps.routed.error}}" } } },
                { "id": "happy", "type": "logic_set_variable", "config": { "variables": { "happy": true } } } ],
              "edges": [ { "source": "t", "target": "soft" }, { "source": "soft", "target": "routed" },
                         { "source": "routed", "target": "handler", "sourceHandle": "error" }, { "source": "routed", "target": "happy" } ] }
            """);
        var done = await _client.WaitFinished(await _client.Execute(wf));
        Assert.Equal("completed", (string?)done["status"]);
        Assert.Equal("failed", (string?)done.Step("soft")["status"]);
        Assert.Contains("400", (string?)done.Step("soft")["output"]!["error"]);
        Assert.Contains("400", (string?)done["finalOutput"]!["handled"]);
        Assert.False(done.HasStep("happy"));
    }

    [Fact]
    public async Task StepWhoseOutputSaysFailed_IsCompleted_OnlyOnErrorMakesAStepFailed()
    {
        // The status comes from the recorded outcome, not from the output's shape: a variable named "failed" is data.
        var wf = await _client.Publish("""
            { "name": "failed-is-data", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "mark", "type": "logic_set_variable", "config": { "variables": { "failed": true, "error": "none" } } } ],
              "edges": [ { "source": "t", "target": "mark" } ] }
            """);
        var done = await _client.WaitFinished(await _client.Execute(wf));
        Assert.Equal("completed", (string?)done["status"]);
        Assert.Equal("completed", (string?)done.Step("mark")["status"]);
    }

    [Fact]
    public async Task StepTimeout_FailsTheAttempt()
    {
        var tag = Unique();
        var wf = await _client.Publish($$$"""
            { "name": "timeout", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "slow", "type": "action_http", "config": { "method": "POST", "url": "{{{Fake.Url($"/slow/{tag}?ms=3000")}}}", "timeout": "300ms", "retry": { "maxAttempts": 1 } } } ],
              "edges": [ { "source": "t", "target": "slow" } ] }
            """);
        var done = await _client.WaitFinished(await _client.Execute(wf));
        Assert.Equal("failed", (string?)done["status"]);
        Assert.Contains("Timed out", (string?)done["errorMessage"]);
    }

    [Fact]
    public async Task Delay_WaitsOnADurableTimer()
    {
        var wf = await _client.Publish("""
            { "name": "delay", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "wait", "type": "logic_delay", "config": { "duration": "1s" } },
                { "id": "after", "type": "logic_set_variable", "config": { "variables": { "done": true } } } ],
              "edges": [ { "source": "t", "target": "wait" }, { "source": "wait", "target": "after" } ] }
            """);
        var id = await _client.Execute(wf);
        var waiting = await _client.WaitFor(id, ["waiting"]);
        Assert.Equal("waiting", (string?)waiting.Step("wait")["status"]);
        var done = await _client.WaitFinished(id);
        Assert.Equal("completed", (string?)done["status"]);
        var step = done.Step("wait");
        var waited = DateTimeOffset.Parse((string)step["completedAt"]!) - DateTimeOffset.Parse((string)step["startedAt"]!);
        Assert.True(waited >= TimeSpan.FromMilliseconds(950), $"waited {waited}");
    }

    [Fact]
    public async Task Approval_WaitsForEvent_ThenTakesApprovedPort()
    {
        var wf = await _client.Publish(Workflows.Approval("1h"));
        var id = await _client.Execute(wf);
        await _client.WaitFor(id, ["waiting"]);
        await (await _client.PostJson($"/api/executions/{id}/events/approval", """{ "payload": { "approved": true, "approvedBy": "maria", "comment": "ok" } }"""))
            .Expect(HttpStatusCode.Accepted);
        var done = await _client.WaitFinished(id);
        Assert.Equal("approved", (string?)done["finalOutput"]!["route"]);
        Assert.Equal("maria", (string?)done.Step("approve")["output"]!["approved_by"]);
    }

    [Fact]
    public async Task Approval_TimesOut_ToTimeoutPort()
    {
        var wf = await _client.Publish(Workflows.Approval("1s"));
        var done = await _client.WaitFinished(await _client.Execute(wf));
        Assert.Equal("timeout", (string?)done["finalOutput"]!["route"]);
    }

    [Fact]
    public async Task Cancel_WhileWaiting_CancelsAndRefusesLaterEvents()
    {
        var wf = await _client.Publish(Workflows.Approval("1h"));
        var id = await _client.Execute(wf);
        await _client.WaitFor(id, ["waiting"]);
        await (await _client.PostJson($"/api/executions/{id}/cancel", """{ "reason": "customer left" }""")).Expect(HttpStatusCode.Accepted);
        var done = await _client.WaitFinished(id);
        Assert.Equal("cancelled", (string?)done["status"]);
        Assert.Contains("customer left", (string?)done["errorMessage"]);
        await (await _client.PostJson($"/api/executions/{id}/events/approval", """{ "payload": { "approved": true } }"""))
            .ExpectProblem(HttpStatusCode.Conflict, "execution-finished");
        await (await _client.PostAsync($"/api/executions/{id}/cancel", null)).ExpectProblem(HttpStatusCode.Conflict, "execution-finished");
    }

    [Fact]
    public async Task Subworkflow_RunsAsChild_AndItsOutputFlowsBack()
    {
        var child = await _client.Publish("""
            { "name": "child", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "double", "type": "logic_set_variable", "config": { "variables": { "greeting": "hi {{trigger.who}}" } } } ],
              "edges": [ { "source": "t", "target": "double" } ] }
            """);
        var parent = await _client.Publish($$$"""
            { "name": "parent", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "sub", "type": "logic_subworkflow", "config": { "workflowId": "{{{child}}}", "input": { "who": "{{trigger.name}}" } } },
                { "id": "use", "type": "logic_set_variable", "config": { "variables": { "got": "{{steps.sub.greeting}}" } } } ],
              "edges": [ { "source": "t", "target": "sub" }, { "source": "sub", "target": "use" } ] }
            """);
        var id = await _client.Execute(parent, new { name = "Lin" });
        var done = await _client.WaitFinished(id);
        Assert.Equal("completed", (string?)done["status"]);
        Assert.Equal("hi Lin", (string?)done["finalOutput"]!["got"]);

        var children = await (await _client.GetAsync($"/api/workflows/{child}/executions")).Expect(HttpStatusCode.OK);
        var childRun = Assert.Single(children["executions"]!.AsArray())!;
        Assert.Equal(id, (string?)childRun["parentExecutionId"]);
        Assert.Equal("completed", (string?)childRun["status"]);
    }

    [Fact]
    public async Task Subworkflow_OfUnpublishedWorkflow_FailsTheStep()
    {
        var draft = (string)(await (await _client.PostJson("/api/workflows", Workflows.Simple("draft child"))).Expect(HttpStatusCode.Created))["id"]!;
        var parent = await _client.Publish($$$"""
            { "name": "parent2", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "sub", "type": "logic_subworkflow", "config": { "workflowId": "{{{draft}}}" } } ],
              "edges": [ { "source": "t", "target": "sub" } ] }
            """);
        var done = await _client.WaitFinished(await _client.Execute(parent));
        Assert.Equal("failed", (string?)done["status"]);
        Assert.Contains("no published version", (string?)done["errorMessage"]);
    }

    [Fact]
    public async Task WebhookTrigger_StartsTheWorkflow_DuplicateDeliveriesStartOne_UnpublishStopsIt()
    {
        var anonymous = server.Client(key: null);
        var (id, published) = await _client.CreateAndPublish(TriggerTestSupport.Workflow("hook", "trigger_webhook", """{ "auth": "none" }"""));
        var path = published.Trigger().HookPath();

        var ids = new List<string>();
        foreach (var _ in Enumerable.Range(0, 3))
        {
            var request = TriggerTestSupport.JsonRequest(path, """{"name":"Ada"}""");
            request.Headers.Add("Idempotency-Key", "order-42");
            ids.Add((string)(await (await anonymous.SendAsync(request)).Expect(HttpStatusCode.Accepted))["executionId"]!);
        }
        var executionId = Assert.Single(ids.Distinct());
        var done = await _client.WaitFinished(executionId);
        Assert.Equal("completed", (string?)done["status"]);
        Assert.Equal("Ada", (string?)done["finalOutput"]!["got"]);
        Assert.Equal(1, await _client.ExecutionCount(id));

        // Re-publishing keeps the URL; unpublishing makes it 404.
        var again = await (await _client.PostAsync($"/api/workflows/{id}/publish", null)).Expect(HttpStatusCode.OK);
        Assert.Equal((string?)published.Trigger()["url"], (string?)again.Trigger()["url"]);
        await (await _client.PostAsync($"/api/workflows/{id}/unpublish", null)).Expect(HttpStatusCode.OK);
        await (await anonymous.SendAsync(TriggerTestSupport.JsonRequest(path, """{"name":"Ada"}"""))).ExpectProblem(HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task WhatsApp_WithNoProvider_DeliversIntoTheOutbox_AndCredentialsWork()
    {
        var wf = await _client.Publish("""
            { "name": "outbox", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "wa", "type": "action_whatsapp", "config": { "recipient": "trigger", "messageTemplate": "Hi {{trigger.name}}" } } ],
              "edges": [ { "source": "t", "target": "wa" } ] }
            """);
        var id = await _client.Execute(wf, new { name = "Ada", phone_number = "+15551230000" });
        var done = await _client.WaitFinished(id);
        Assert.Equal("completed", (string?)done["status"]);
        var wa = done.Step("wa")["output"]!;
        Assert.True((bool)wa["message_sent"]!);
        Assert.Equal("outbox", (string?)wa["delivery"]);

        var list = await (await _client.GetAsync($"/api/outbox?executionId={id}")).Expect(HttpStatusCode.OK);
        Assert.Equal(1, (int)list["total"]!);
        var message = list["messages"]!.AsArray().Single()!;
        Assert.Equal((string?)wa["message_id"], (string?)message["id"]);
        Assert.Equal("15551230000", (string?)message["recipient"]);
        Assert.Equal("Hi Ada", (string?)message["body"]);
        Assert.Equal("whatsapp", (string?)message["payload"]!["messaging_product"]);
        Assert.Equal(0, (int)(await (await server.Client(ServerFixture.KeyB).GetAsync($"/api/outbox?executionId={id}")).Expect(HttpStatusCode.OK))["total"]!);

        // Credentials: stored encrypted in PostgreSQL, unique per organisation and name.
        var name = "wa-" + Unique();
        await (await _client.PostJson("/api/credentials", new { name, kind = "whatsapp", values = new { accessToken = "EAAG-secret", phoneNumberId = "555" } }))
            .Expect(HttpStatusCode.Created);
        await (await _client.PostJson("/api/credentials", new { name, kind = "whatsapp", values = new { accessToken = "x", phoneNumberId = "1" } }))
            .ExpectProblem(HttpStatusCode.Conflict, "credential-exists");
        var one = await (await _client.GetAsync($"/api/credentials/{name}")).Expect(HttpStatusCode.OK);
        Assert.DoesNotContain("EAAG-secret", one.ToJsonString());
        await (await _client.DeleteAsync($"/api/credentials/{name}")).Expect(HttpStatusCode.NoContent);
    }
}
