using System.Net;
using FlowForge.Server.Api;
using FlowForge.Server.Engine;
using FlowForge.Server.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace FlowForge.Server.Tests.Engine;

/// <summary>
/// The start quota seen from a sub-workflow step: every refusal is decided in the decider (so it is in the history),
/// it is retryable after the refusal's Retry-After, and the quota's count never runs on the dispatcher's path.
/// </summary>
public abstract class SubworkflowQuotaSuite<TStorage>(SlowStartsFixture<TStorage> server) : IClassFixture<SlowStartsFixture<TStorage>>
    where TStorage : ServerStorage, new()
{
    private readonly HttpClient _a = server.Client(ServerFixture.KeyA);

    [Fact]
    public async Task LoopStartingMoreFireAndForgetChildrenThanTheRateAllows_StartsEveryChildItReports_RetryingTheRefusedOnes()
    {
        var child = await _a.Publish(Workflows.Simple("quota child"));
        var parent = await _a.Publish($$"""
            { "name": "fan out", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "each", "type": "logic_loop", "config": { "items": [1, 2, 3, 4, 5], "mode": "parallel" } },
                { "id": "sub", "type": "logic_subworkflow", "config": { "workflowId": "{{child}}", "waitForCompletion": false,
                    "retry": { "maxAttempts": 20, "initialInterval": "1s", "backoffCoefficient": 1 } } } ],
              "edges": [ { "source": "t", "target": "each" }, { "source": "each", "target": "sub", "sourceHandle": "item" },
                         { "source": "sub", "target": "each" } ] }
            """);

        // Limits__StartsPerSecondPerOrganization is 2: the parent's start and the first turn cannot start all five.
        var run = await _a.WaitFinished(await _a.Execute(parent), TimeSpan.FromSeconds(40));

        Assert.Equal("completed", (string?)run["status"]);
        // Each completed step names a child that exists: none was refused after its step had completed.
        var children = await ForkBomb.SettledAsync(_a, child, all => all.Count >= 5);
        Assert.Equal(5, children.Count);
        var history = await (await _a.GetAsync($"/api/executions/{(string)run["executionId"]!}/history")).Expect(HttpStatusCode.OK);
        Assert.Contains("Limits__StartsPerSecondPerOrganization", history.ToJsonString());
    }
}

public abstract class IdempotentStartQuotaSuite<TStorage>(SlowStartsFixture<TStorage> server) : IClassFixture<SlowStartsFixture<TStorage>>
    where TStorage : ServerStorage, new()
{
    [Fact]
    public async Task RepeatedStartWithTheSameIdempotencyKey_ReturnsTheFirstExecution_WhateverTheQuota_AndSpendsNoStart()
    {
        var a = server.Client(ServerFixture.KeyA);
        var workflow = await a.Publish(Workflows.Simple("idempotent under quota"));

        var first = await a.Execute(workflow, idempotencyKey: "order-42");
        for (var i = 0; i < 3; i++)
        {
            // Limits__StartsPerSecondPerOrganization is 2: were repeats counted, the second would be refused.
            Assert.Equal(first, await a.Execute(workflow, idempotencyKey: "order-42"));
        }
        var another = await a.Execute(workflow);
        Assert.NotEqual(first, another);

        // Over the quota now (the bucket is empty): a repeat still gets its execution, a new key is refused.
        HttpResponseMessage refused;
        do
        {
            refused = await a.PostAsync($"/api/workflows/{workflow}/execute", Http.Json(new { triggerData = new { } }));
        } while (refused.StatusCode == HttpStatusCode.Accepted);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(first, await a.Execute(workflow, idempotencyKey: "order-42"));
    }
}

/// <summary>Database errors that are not a turn's fault (the quota's count, reading a history) never fail an execution.</summary>
public abstract class DatabaseErrorsOffTheTurnSuite<TStorage>(FaultyStoreFixture<TStorage> server) : IClassFixture<FaultyStoreFixture<TStorage>>
    where TStorage : ServerStorage, new()
{
    private static async Task WaitUntil(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition() && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.True(condition(), $"timed out waiting for {what}");
    }

    [Fact]
    public async Task DatabaseErrorWhileCountingTheQuota_DoesNotFailAnExecutionStartingAChild()
    {
        var a = server.Client(ServerFixture.KeyA);
        var child = await a.Publish(Workflows.Simple("counted child"));
        var parent = await a.Publish($$"""
            { "name": "parent after a pause", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "pause", "type": "logic_delay", "config": { "duration": "2s" } },
                { "id": "sub", "type": "logic_subworkflow", "config": { "workflowId": "{{child}}" } } ],
              "edges": [ { "source": "t", "target": "pause" }, { "source": "pause", "target": "sub" } ] }
            """);
        var id = await a.Execute(parent);
        try
        {
            // From now on every count fails; the turn that starts the child comes after the cached count is stale.
            server.Store.CountFault = () => server.Storage.IoError("Simulated: disk I/O error.");
            var run = await a.WaitFinished(id, TimeSpan.FromSeconds(20));
            Assert.Equal("completed", (string?)run["status"]);
            Assert.True(server.Store.CountFaultHits > 0, "the child's start never counted the quota: the fault was not met");
        }
        finally
        {
            server.Store.CountFault = null;
        }
    }

    [Fact]
    public async Task DatabaseErrorWhileReadingAHistoryForATurn_IsRetried_NotTakenForABrokenTurn()
    {
        var a = server.Client(ServerFixture.KeyA);
        var workflow = await a.Publish(Workflows.Approval(name: "approval after a read error"));
        var id = await a.Execute(workflow);
        await a.WaitFor(id, ["waiting"]);
        // A failed dispatcher pass drops its cached states, so the next turn replays the history from the store.
        var outages = server.Store.OutageHits;
        server.Store.Down = true;
        try
        {
            await WaitUntil(() => server.Store.OutageHits > outages + 1, "the engine's loops to meet the outage");
        }
        finally
        {
            server.Store.Down = false;
        }
        try
        {
            server.Store.HistoryFault = () => server.Storage.IoError("Simulated: disk I/O error.");
            // Straight to the inbox: the API's own read of the history would fail first.
            var record = (await server.Store.GetForEngineAsync(id))!;
            var now = DateTimeOffset.UtcNow;
            Assert.True(await server.Store.SendAsync(record.OrgId, id,
                new FlowForge.Core.Engine.History.EventRaised("approval", new System.Text.Json.Nodes.JsonObject { ["approved"] = true }) { Timestamp = now }, now));
            // The dispatcher tried the turn, could not read its history, and came back to it: still not failed.
            var reads = server.Store.HistoryFaultHits;
            await WaitUntil(() => server.Store.HistoryFaultHits >= reads + 2, "the dispatcher to retry the history read");
            Assert.NotEqual("failed", (await server.Store.GetForEngineAsync(id))!.Status);
        }
        finally
        {
            server.Store.HistoryFault = null;
        }
        Assert.Equal("completed", (string?)(await a.WaitFinished(id, TimeSpan.FromSeconds(20)))["status"]);
    }

    [Fact]
    public async Task StartsMadeWhileTheCountRuns_AreStillCountedAfterIt()
    {
        // Not demonstrable against the old code through the API (it needs the count to be held mid-query): the quota alone.
        var quota = new StartQuota(server.Store,
            Options.Create(new RequestLimits { MaxRunningExecutionsPerOrganization = 2, StartsPerSecondPerOrganization = 100 }), TimeProvider.System);
        const string org = "org_quota_snapshot";
        Assert.Null(await quota.TryStartAsync(org, CancellationToken.None)); // counted: 0 in the database, 1 started since

        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.Store.CountGate = gate;
        Task refresh;
        try
        {
            refresh = quota.RefreshAsync(CancellationToken.None);
            Assert.Null(await quota.TryStartAsync(org, CancellationToken.None)); // made while the count runs (not in the database)
        }
        finally
        {
            server.Store.CountGate = null;
            gate.SetResult();
        }
        await refresh;

        // The count (0: these starts wrote no rows) includes what was started before it, not the start made during it:
        // 0 counted + 1 remembered, so one more fits and the next reaches the limit of 2.
        Assert.Null(await quota.TryStartAsync(org, CancellationToken.None));
        var refused = await quota.TryStartAsync(org, CancellationToken.None);
        Assert.NotNull(refused);
        Assert.Equal("Limits__MaxRunningExecutionsPerOrganization", refused.Setting);
    }
}

public sealed class SqliteSubworkflowQuotaTests(SlowStartsFixture<SqliteStorage> server) : SubworkflowQuotaSuite<SqliteStorage>(server);

public sealed class PostgresSubworkflowQuotaTests(SlowStartsFixture<PostgresStorage> server) : SubworkflowQuotaSuite<PostgresStorage>(server);

public sealed class SqliteIdempotentStartQuotaTests(SlowStartsFixture<SqliteStorage> server) : IdempotentStartQuotaSuite<SqliteStorage>(server);

public sealed class PostgresIdempotentStartQuotaTests(SlowStartsFixture<PostgresStorage> server) : IdempotentStartQuotaSuite<PostgresStorage>(server);

public sealed class SqliteDatabaseErrorsOffTheTurnTests(FaultyStoreFixture<SqliteStorage> server) : DatabaseErrorsOffTheTurnSuite<SqliteStorage>(server);

public sealed class PostgresDatabaseErrorsOffTheTurnTests(FaultyStoreFixture<PostgresStorage> server) : DatabaseErrorsOffTheTurnSuite<PostgresStorage>(server);
