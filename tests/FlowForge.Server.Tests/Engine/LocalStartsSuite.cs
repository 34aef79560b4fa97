using System.Net;
using FlowForge.Core.Engine.History;
using FlowForge.Core.Storage;
using FlowForge.Server.Tests.Infrastructure;

namespace FlowForge.Server.Tests.Engine;

/// <summary>
/// Starts accepted by a process that runs a dispatcher are inserted already leased to it and handed over in memory:
/// the first turn needs no claim. Nothing is lost when the hand-off does not happen (the lease expires and any
/// dispatcher claims the execution), and a hand-off whose lease was lost meanwhile writes nothing.
/// </summary>
public abstract class LocalStartsSuite<TStorage>(FaultyStoreFixture<TStorage> server) : IClassFixture<FaultyStoreFixture<TStorage>>
    where TStorage : ServerStorage, new()
{
    private readonly HttpClient _client = server.Client(ServerFixture.KeyA);

    [Fact]
    public async Task Start_RunsToTheEnd_WithoutAnyClaimReturningIt()
    {
        var wf = await _client.Publish(Workflows.Simple("local start"));

        var id = await _client.Execute(wf, new { name = "ada" });

        Assert.Equal("completed", (string?)(await _client.WaitFinished(id))["status"]);
        Assert.Equal(0, server.Store.ClaimsOf(id));
    }

    [Fact]
    public async Task Start_WritesItsFirstTurnInItsOwnCommit_SoTheAnswerFindsTheFirstStepScheduled()
    {
        var wf = await _client.Publish($$$"""
            { "name": "first turn", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "call", "type": "action_http", "config": { "method": "GET", "url": "{{{server.Fake.Url("/ok/first-turn")}}}" } } ],
              "edges": [ { "source": "t", "target": "call" } ] }
            """);
        server.Store.CommitGate = new TaskCompletionSource();
        string id;
        try
        {
            id = await _client.Execute(wf, new { name = "ada" });

            // No turn could commit yet: the start's own commit holds the first turn, and the execution is running, not pending.
            Assert.Contains(id, server.Store.StartedWithFirstTurn.Keys);
            var history = (await (await _client.GetAsync($"/api/executions/{id}/history")).Expect(HttpStatusCode.OK))["events"]!.AsArray();
            Assert.Equal(["executionStarted", "stepCompleted", "stepScheduled"], history.Select(e => (string?)e!["type"]));
            Assert.Equal("running", (string?)(await (await _client.GetAsync($"/api/executions/{id}")).Expect(HttpStatusCode.OK))["status"]);
        }
        finally
        {
            server.Store.CommitGate.TrySetResult();
            server.Store.CommitGate = null;
        }

        Assert.Equal("completed", (string?)(await _client.WaitFinished(id))["status"]);
        Assert.Equal(0, server.Store.ClaimsOf(id));
        var events = (await (await _client.GetAsync($"/api/executions/{id}/history")).Expect(HttpStatusCode.OK))["events"]!.AsArray();
        Assert.Equal(["executionStarted", "stepCompleted", "stepScheduled", "stepCompleted", "executionCompleted"], events.Select(e => (string?)e!["type"]));
    }

    [Fact]
    public async Task StartOfAWorkflowOfInlineSteps_IsFinishedByTheStartItself()
    {
        var wf = await _client.Publish(Workflows.Simple("all inline"));

        var id = await _client.Execute(wf, new { name = "ada" });

        // Read at once, without waiting: the start's commit finished the execution.
        var execution = await (await _client.GetAsync($"/api/executions/{id}")).Expect(HttpStatusCode.OK);
        Assert.Equal("completed", (string?)execution["status"]);
        Assert.Equal("hi ada", (string?)execution["finalOutput"]!["greeting"]);
        Assert.Contains(id, server.Store.StartedWithFirstTurn.Keys);
    }

    [Fact]
    public async Task StartsWhoseFirstTurnSetsATimerOrStartsAChild_LeaveItToTheDispatcher_AndRunAsBefore()
    {
        var approval = await _client.Publish(Workflows.Approval(name: "timer first"));
        var child = await _client.Publish(Workflows.Simple("child"));
        var parent = await _client.Publish($$$"""
            { "name": "parent", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "sub", "type": "logic_subworkflow", "config": { "workflowId": "{{{child}}}", "input": { "name": "{{trigger.name}}" } } } ],
              "edges": [ { "source": "t", "target": "sub" } ] }
            """);

        var waiting = await _client.Execute(approval, new { name = "ada" });
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((string?)(await (await _client.GetAsync($"/api/executions/{waiting}")).Expect(HttpStatusCode.OK))["status"] != "waiting" && DateTime.UtcNow < deadline)
            await Task.Delay(20);
        Assert.Equal("waiting", (string?)(await (await _client.GetAsync($"/api/executions/{waiting}")).Expect(HttpStatusCode.OK))["status"]);
        Assert.DoesNotContain(waiting, server.Store.StartedWithFirstTurn.Keys);
        // Through the in-memory hand-off, not a claim (asked before other work wakes the dispatcher: a claim made while the start
        // waits in the hand-off returns it too, and leaves it there).
        Assert.Equal(0, server.Store.ClaimsOf(waiting));

        var parentRun = await _client.Execute(parent, new { name = "bo" });
        Assert.Equal("completed", (string?)(await _client.WaitFinished(parentRun))["status"]);
        Assert.DoesNotContain(parentRun, server.Store.StartedWithFirstTurn.Keys);
    }

    [Fact]
    public async Task StartLeasedToAProcessThatDied_IsClaimedOnceItsLeaseExpires_AndCompletes()
    {
        var wf = await _client.Publish(Workflows.Simple("dead starter"));
        var lease = TimeSpan.FromSeconds(1.5);
        var before = DateTimeOffset.UtcNow;
        string id;
        server.Store.LeaseStartsTo = ($"dead_{Guid.NewGuid():N}", lease);
        try
        {
            id = await _client.Execute(wf, new { name = "bob" });
        }
        finally
        {
            server.Store.LeaseStartsTo = null;
        }

        Assert.Equal("completed", (string?)(await _client.WaitFinished(id, TimeSpan.FromSeconds(20)))["status"]);
        // Taken by this process's dispatcher through a claim, and not before the dead owner's lease ran out.
        var claims = server.Store.Claimed[id].ToList();
        Assert.NotEmpty(claims);
        Assert.True(claims.Min() >= before + lease, $"claimed at {claims.Min():O}, lease until at least {before + lease:O}");
    }

    [Fact]
    public async Task StartWhoseLeaseWasLostBeforeItsFirstTurn_ConflictsAndWritesNothing()
    {
        var wf = await _client.Publish(Workflows.Simple("lost lease"));
        var other = $"other_{Guid.NewGuid():N}";
        // Another dispatcher takes the execution (as once the lease has expired) and commits its first turn, a cancel,
        // before the starter hands it to this process's dispatcher.
        server.Store.AfterStart = async started =>
        {
            if (started.FirstMessage is not { } first) return;
            var items = await server.Store.ClaimOrchestrationsAsync(other, 1_000, TimeSpan.FromMinutes(1), DateTimeOffset.UtcNow.AddHours(1));
            Assert.Contains(items, i => i.Execution.Id == started.Execution.Id);
            var outcome = await server.Store.CommitOrchestrationsAsync(other, [new OrchestrationCommit(started.Execution.Id, 0, [first.Id],
                [first.Event, new ExecutionCancelled("taken over") { Timestamp = DateTimeOffset.UtcNow }], ExecutionStatus.Cancelled, Error: "taken over")]);
            Assert.Equal(CommitOutcome.Committed, Assert.Single(outcome).Outcome);
            await server.Store.ReleaseOrchestrationsAsync(other);
        };
        string id;
        try
        {
            id = await _client.Execute(wf, new { name = "eve" });
        }
        finally
        {
            server.Store.AfterStart = null;
        }

        // The hand-off still reaches the dispatcher, whose turn conflicts on the last sequence.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!server.Store.Conflicts.ContainsKey(id) && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.Equal(1, server.Store.Conflicts.GetValueOrDefault(id));
        Assert.Equal("cancelled", (string?)(await _client.WaitFinished(id))["status"]);
        var history = (await (await _client.GetAsync($"/api/executions/{id}/history")).Expect(HttpStatusCode.OK))["events"]!.AsArray();
        Assert.Equal(["executionStarted", "executionCancelled"], history.Select(e => (string?)e!["type"]));
        // The dispatcher goes on: the next start runs as usual.
        Assert.Equal("completed", (string?)(await _client.WaitFinished(await _client.Execute(wf, new { name = "fay" })))["status"]);
    }
}

public sealed class SqliteLocalStartsTests(FaultyStoreFixture<SqliteStorage> server) : LocalStartsSuite<SqliteStorage>(server);

public sealed class PostgresLocalStartsTests(FaultyStoreFixture<PostgresStorage> server) : LocalStartsSuite<PostgresStorage>(server);
