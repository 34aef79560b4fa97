using System.Net;
using System.Text.Json.Nodes;
using FlowForge.Core.Storage;
using FlowForge.Server.Engine;
using FlowForge.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace FlowForge.Server.Tests.Engine;

/// <summary>A server that dispatches but runs no workers, so tests can play the part of workers that crash.</summary>
public class NoWorkersFixture<TStorage> : ServerFixture
    where TStorage : ServerStorage, new()
{
    public NoWorkersFixture() : base(new Dictionary<string, string?>
    {
        ["Engine:Workers"] = "false",
        ["Engine:ActivityLeaseGrace"] = "00:00:00",
        ["Engine:MaxActivityClaims"] = "3",
        ["Engine:StuckAfter"] = "00:00:01",
    }, new TStorage())
    {
    }
}

public abstract class WorkerFailureSuite<TStorage>(NoWorkersFixture<TStorage> server) : IClassFixture<NoWorkersFixture<TStorage>>
    where TStorage : ServerStorage, new()
{
    private readonly HttpClient _client = server.Client();

    private static string SlowWorkflow(string name) => $$$"""
        { "name": "{{{name}}}", "nodes": [
            { "id": "t", "type": "trigger_manual" },
            { "id": "call", "type": "action_http", "config": { "url": "http://127.0.0.1:9/never", "timeout": "200ms" } } ],
          "edges": [ { "source": "t", "target": "call" } ] }
        """;

    [Fact]
    public async Task ActivityClaimedTooOftenWithoutResult_FailsAsPoison()
    {
        var store = server.Services.GetRequiredService<IExecutionStore>();
        var wf = await _client.Publish(SlowWorkflow("poison"));
        var id = await _client.Execute(wf);
        await _client.WaitFor(id, ["running"]);

        // Three workers claim the activity and die without a result; each lease (200 ms timeout + 0 grace) expires.
        ActivityWorkItem? item = null;
        for (var claim = 1; claim <= 4; claim++)
        {
            var deadline = DateTime.UtcNow.AddSeconds(10);
            IReadOnlyList<ActivityWorkItem> claimed;
            do
            {
                claimed = (await store.ClaimActivitiesAsync($"crashing-worker-{claim}", 100, TimeSpan.Zero, DateTimeOffset.UtcNow))
                    .Where(a => a.Request.ExecutionId == id).ToList();
                if (claimed.Count == 0) await Task.Delay(50);
            } while (claimed.Count == 0 && DateTime.UtcNow < deadline);
            item = Assert.Single(claimed);
            Assert.Equal(claim, item.ClaimCount);
        }

        // The fourth claimant is a real worker: it sees the claim count over the limit and fails the step as poison.
        var worker = ActivatorUtilities.CreateInstance<ActivityWorker>(server.Services);
        var result = await worker.RunAsync(item!, CancellationToken.None);
        Assert.NotNull(result);
        await store.CompleteActivitiesAsync([new ActivityCompletion(item!.Id, "crashing-worker-4", id, result!)], DateTimeOffset.UtcNow);
        server.Services.GetRequiredService<EngineSignals>().WakeDispatcher();

        var done = await _client.WaitFinished(id);
        Assert.Equal("failed", (string?)done["status"]);
        Assert.Contains("poison", (string?)done["errorMessage"]);
        Assert.Equal(1, (int?)done.Step("call")["attempts"]);
    }

    [Fact]
    public async Task ExecutionWithoutProgress_IsFlaggedStuck()
    {
        var wf = await _client.Publish(SlowWorkflow("stuck"));
        var id = await _client.Execute(wf);
        await _client.WaitFor(id, ["running"]);
        // No worker runs the step, so nothing moves the execution on: once Engine__StuckAfter (1 s) has passed since
        // its last progress it is flagged, in its detail and in the list. Not asserted "not stuck yet" first: a machine
        // that stalls for a second would fail that; the threshold itself is checked without a clock (StuckThresholdTests).
        var deadline = DateTime.UtcNow.AddSeconds(30);
        JsonNode detail;
        while (!(bool)(detail = await _client.GetExecution(id))["stuck"]! && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.True((bool)detail["stuck"]!, detail.ToJsonString());
        Assert.Equal("running", (string?)detail["status"]);
        var list = await (await _client.GetAsync($"/api/workflows/{wf}/executions")).Expect(HttpStatusCode.OK);
        Assert.True((bool)list["executions"]![0]!["stuck"]!);
    }

    [Fact]
    public async Task UnimplementedNodeType_FailsItsStepWithAClearError()
    {
        // A server without the handler (every catalog type has one once the node library is complete).
        var runner = ActivatorUtilities.CreateInstance<ActivityRunner>(server.Services, new FlowForge.Server.Nodes.NodeHandlerRegistry([]));
        var worker = ActivatorUtilities.CreateInstance<ActivityWorker>(server.Services, runner);
        var item = new ActivityWorkItem(1, new ActivityRequest("ex_x", "org-a", "send", "send", "action_whatsapp", 1, null, TimeSpan.FromSeconds(1)), 1, DateTimeOffset.UtcNow);
        var result = Assert.IsType<FlowForge.Core.Engine.History.StepFailed>(await worker.RunAsync(item, CancellationToken.None));
        Assert.False(result.Retryable);
        Assert.Contains("no handler", result.Error);
    }
}

public sealed class SqliteWorkerFailureTests(NoWorkersFixture<SqliteStorage> server) : WorkerFailureSuite<SqliteStorage>(server);

public sealed class PostgresWorkerFailureTests(NoWorkersFixture<PostgresStorage> server) : WorkerFailureSuite<PostgresStorage>(server);
