using System.Text.Json.Nodes;
using FlowForge.Server.Tests.Infrastructure;

namespace FlowForge.Server.Tests.Live;

/// <summary>The hub end to end with the real JavaScript SignalR client over WebSockets.</summary>
public sealed class LiveHubTests(LiveFixture server) : IClassFixture<LiveFixture>
{
    private readonly HttpClient _client = server.Client();

    private static string Unique() => Guid.NewGuid().ToString("N")[..8];

    /// <summary>(name, stepId, status) of each event: what the exact-sequence assertions compare.</summary>
    private static List<string> Shape(IEnumerable<(string Name, JsonNode Data)> events) =>
        [.. events.Select(e => string.Join(" ", new[] { e.Name, (string?)e.Data["stepId"], (string?)e.Data["status"], e.Data["attempt"]?.ToString() }.Where(x => x is not null)))];

    [Fact]
    public async Task ExactEventSequence_ForAnExecution_LifecycleFromTheWorkflow_StepsFromTheExecution()
    {
        var wf = await _client.Publish($$$"""
            { "name": "live-seq", "nodes": [
                { "id": "start", "type": "trigger_manual" },
                { "id": "pause", "type": "logic_delay", "config": { "duration": "1s" } },
                { "id": "call", "type": "action_http", "config": { "method": "POST", "url": "{{{server.Fake.Url($"/ok/{Unique()}")}}}" } },
                { "id": "set", "type": "logic_set_variable", "config": { "variables": { "done": true } } } ],
              "edges": [ { "source": "start", "target": "pause" }, { "source": "pause", "target": "call" }, { "source": "call", "target": "set" } ] }
            """);
        await using var live = await NodeLiveClient.StartAsync(server.BaseAddress, ServerFixture.KeyA);
        Assert.Null(live.ConnectError);
        Assert.Null(await live.Invoke("Subscribe", wf));

        var id = await _client.Execute(wf);
        await live.WaitEvent(id, "execution:waiting");
        Assert.Null(await live.Invoke("SubscribeExecution", id)); // while the delay runs
        var completed = await live.WaitEvent(id, "execution:completed");
        await _client.WaitFinished(id);

        var events = live.EventsOf(id);
        // The workflow subscription does not carry step events: the trigger's inline step (before SubscribeExecution) is not there.
        Assert.Equal(
            [
                "execution:started",
                "execution:waiting pause",
                "execution:step pause completed 1",
                "execution:step call running 1",
                "execution:step call completed 1",
                "execution:step set completed 1",
                "execution:completed completed",
            ],
            Shape(events));

        var started = events[0].Data;
        Assert.Equal(wf, (string?)started["workflowId"]);
        Assert.NotNull((string?)started["startedAt"]);
        var waiting = events[1].Data;
        Assert.Equal("logic_delay", (string?)waiting["nodeType"]);
        Assert.True(DateTimeOffset.Parse((string)waiting["until"]!) > DateTimeOffset.Parse((string)started["startedAt"]!));
        Assert.NotNull((string?)events[2].Data["output"]!["waited_until"]);
        var call = events[4].Data;
        Assert.Equal("action_http", (string?)call["nodeType"]);
        Assert.True((bool)call["output"]!["body"]!["ok"]!);
        Assert.True((double)call["duration"]! >= 0);
        Assert.Equal(wf, (string?)completed["data"]!["workflowId"]);
        Assert.True((double)completed["data"]!["totalDuration"]! >= 1000, "the delay is part of the total");
        Assert.NotNull((string?)completed["data"]!["completedAt"]);

        // Each event once (the connection holds both subscriptions), in history order.
        var sequences = events.Select(e => (long)e.Data["sequence"]!).ToList();
        Assert.Equal(sequences.Order().Distinct(), sequences);
        Assert.All(events, e => Assert.NotNull((string?)e.Data["committedAt"]));
    }

    [Fact]
    public async Task RetryingStep_IsAnnounced_ThenTheNextAttempt()
    {
        var tag = Unique();
        var wf = await _client.Publish($$$"""
            { "name": "live-retry", "nodes": [
                { "id": "start", "type": "trigger_manual" },
                { "id": "pause", "type": "logic_delay", "config": { "duration": "700ms" } },
                { "id": "call", "type": "action_http", "config": { "method": "POST", "url": "{{{server.Fake.Url($"/flaky/{tag}?failures=1")}}}",
                  "retry": { "maxAttempts": 3, "initialInterval": "100ms" } } } ],
              "edges": [ { "source": "start", "target": "pause" }, { "source": "pause", "target": "call" } ] }
            """);
        await using var live = await NodeLiveClient.StartAsync(server.BaseAddress, ServerFixture.KeyA);
        Assert.Null(await live.Invoke("Subscribe", wf));
        var id = await _client.Execute(wf);
        await live.WaitEvent(id, "execution:waiting");
        Assert.Null(await live.Invoke("SubscribeExecution", id));
        await live.WaitEvent(id, "execution:completed");

        var steps = live.EventsOf(id).Where(e => e.Name == "execution:step").ToList();
        Assert.Equal(["execution:step pause completed 1", "execution:step call running 1", "execution:step call retrying 1", "execution:step call running 2", "execution:step call completed 2"], Shape(steps));
        Assert.Contains("500", (string?)steps[2].Data["error"]);
    }

    [Fact]
    public async Task FailedExecution_SendsStepFailed_AndExecutionFailed()
    {
        var wf = await _client.Publish($$$"""
            { "name": "live-fail", "nodes": [
                { "id": "start", "type": "trigger_manual" },
                { "id": "pause", "type": "logic_delay", "config": { "duration": "500ms" } },
                { "id": "call", "type": "action_http", "config": { "url": "{{{server.Fake.Url("/status/500")}}}", "retry": { "maxAttempts": 1 } } } ],
              "edges": [ { "source": "start", "target": "pause" }, { "source": "pause", "target": "call" } ] }
            """);
        await using var live = await NodeLiveClient.StartAsync(server.BaseAddress, ServerFixture.KeyA);
        Assert.Null(await live.Invoke("Subscribe", wf));
        var id = await _client.Execute(wf);
        await live.WaitEvent(id, "execution:waiting");
        Assert.Null(await live.Invoke("SubscribeExecution", id));
        var failed = await live.WaitEvent(id, "execution:failed");

        Assert.Equal(
            ["execution:started", "execution:waiting pause", "execution:step pause completed 1", "execution:step call running 1", "execution:step call failed 1", "execution:failed call failed"],
            Shape(live.EventsOf(id)));
        Assert.Equal(wf, (string?)failed["data"]!["workflowId"]);
        Assert.Contains("500", (string?)failed["data"]!["error"]);
        var http = await _client.WaitFinished(id);
        Assert.Equal((string?)http["errorMessage"], (string?)failed["data"]!["error"]);
    }

    [Fact]
    public async Task WithoutAKey_TheConnectionIsRefusedWith401()
    {
        await using var anonymous = await NodeLiveClient.StartAsync(server.BaseAddress, null);
        Assert.True(401 == (int?)anonymous.ConnectError?["statusCode"], string.Join("\n", anonymous.Lines.Select(l => l.ToJsonString())));
        await using var wrong = await NodeLiveClient.StartAsync(server.BaseAddress, "ffk_not_a_key");
        Assert.Equal(401, (int?)wrong.ConnectError?["statusCode"]);
    }

    [Fact]
    public async Task AnotherOrganisationsWorkflowOrExecution_IsRefused_LikeAMissingOne()
    {
        var wf = await _client.Publish(Workflows.Simple("live-tenancy"));
        var id = await _client.Execute(wf);
        await using var other = await NodeLiveClient.StartAsync(server.BaseAddress, ServerFixture.KeyB);
        Assert.Null(other.ConnectError);

        var foreignWorkflow = await other.Invoke("Subscribe", wf);
        var missingWorkflow = await other.Invoke("Subscribe", "wf_does_not_exist");
        Assert.Equal($"An unexpected error occurred invoking 'Subscribe' on the server. HubException: Workflow '{wf}' was not found.", foreignWorkflow);
        Assert.Equal("An unexpected error occurred invoking 'Subscribe' on the server. HubException: Workflow 'wf_does_not_exist' was not found.", missingWorkflow);

        var foreignExecution = await other.Invoke("SubscribeExecution", id);
        Assert.Equal($"An unexpected error occurred invoking 'SubscribeExecution' on the server. HubException: Execution '{id}' was not found.", foreignExecution);

        // Nothing of organisation A reaches B. B's own workflow is the witness: its execution, committed after A's,
        // reaches B after anything of A's would have.
        var otherHttp = server.Client(ServerFixture.KeyB);
        var own = await otherHttp.Publish(Workflows.Simple("live-tenancy-own"));
        Assert.Null(await other.Invoke("Subscribe", own));
        var second = await _client.Execute(wf);
        await _client.WaitFinished(second);
        var witness = await otherHttp.Execute(own);
        await other.WaitEvent(witness, "execution:completed");
        Assert.All(other.Events, e => Assert.Equal(witness, (string?)e.Data["executionId"]));
    }

    [Fact]
    public async Task ManyExecutions_EachInOrder_AndUnsubscribeStopsEvents()
    {
        var wf = await _client.Publish($$$"""
            { "name": "live-order", "nodes": [
                { "id": "start", "type": "trigger_manual" },
                { "id": "a", "type": "action_http", "config": { "method": "POST", "url": "{{{server.Fake.Url($"/ok/{Unique()}")}}}" } },
                { "id": "b", "type": "logic_set_variable", "config": { "variables": { "x": 1 } } } ],
              "edges": [ { "source": "start", "target": "a" }, { "source": "a", "target": "b" } ] }
            """);
        await using var live = await NodeLiveClient.StartAsync(server.BaseAddress, ServerFixture.KeyA);
        Assert.Null(await live.Invoke("Subscribe", wf));
        var ids = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => _client.Execute(wf)));
        foreach (var id in ids) await live.WaitEvent(id, "execution:completed");
        foreach (var id in ids)
        {
            var events = live.EventsOf(id);
            Assert.Equal(["execution:started", "execution:completed completed"], Shape(events));
            var sequences = events.Select(e => (long)e.Data["sequence"]!).ToList();
            Assert.True(sequences[0] < sequences[1], $"sequence increases: {string.Join(",", sequences)}");
        }

        Assert.Null(await live.Invoke("Unsubscribe", wf));
        // A witness subscription on the same connection: its execution, committed after `after`, arrives after
        // anything of `after` would have.
        var witnessWorkflow = await _client.Publish(Workflows.Simple("live-order-witness"));
        Assert.Null(await live.Invoke("Subscribe", witnessWorkflow));
        var after = await _client.Execute(wf);
        await _client.WaitFinished(after);
        var witness = await _client.Execute(witnessWorkflow);
        await live.WaitEvent(witness, "execution:completed");
        Assert.Empty(live.EventsOf(after));
    }

    [Fact]
    public async Task SubscriptionsPerConnection_AreLimited()
    {
        var wf = await _client.Publish(Workflows.Simple("live-limit"));
        await using var live = await NodeLiveClient.StartAsync(server.BaseAddress, ServerFixture.KeyA);
        Assert.Null(await live.Invoke("Subscribe", wf));
        Assert.Null(await live.Invoke("Subscribe", wf)); // idempotent: still one
        for (var i = 1; i < LiveFixture.MaxSubscriptions; i++)
        {
            Assert.Null(await live.Invoke("SubscribeExecution", await _client.Execute(wf)));
        }
        var refused = await live.Invoke("SubscribeExecution", await _client.Execute(wf));
        Assert.Contains("Too many subscriptions", refused);
        Assert.Null(await live.Invoke("Unsubscribe", wf));
        Assert.Null(await live.Invoke("SubscribeExecution", await _client.Execute(wf)));
    }
}
