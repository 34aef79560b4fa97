using FlowForge.Core.Engine.History;
using FlowForge.Core.Storage;
using FlowForge.Server.Engine;
using FlowForge.Server.Tests.Infrastructure;
using FlowForge.Storage.Sqlite;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Data.Sqlite;

namespace FlowForge.Server.Tests.Engine;

/// <summary>A server over the real SQLite store wrapped in <see cref="FaultyExecutionStore"/>.</summary>
public class FaultyStoreFixture : FakeServiceFixture
{
    public FaultyStoreFixture() : this("00:00:00.200")
    {
    }

    protected FaultyStoreFixture(string pollInterval) : base(new Dictionary<string, string?>
    {
        ["Engine:PollInterval"] = pollInterval,
        ["Logging:LogLevel:FlowForge"] = "Information",
        // The cross-process feed too (it polls the database directly), so an outage test sees that loop as well.
        ["Live:CrossProcess"] = "true",
    })
    {
    }

    /// <summary>Every log entry the server wrote (FlowForge categories from Information up).</summary>
    public LogCapture Logs { get; } = new();

    public FaultyExecutionStore Store => (FaultyExecutionStore)Services.GetRequiredService<IExecutionStore>();

    internal Dispatcher Dispatcher => Services.GetServices<IHostedService>().OfType<Dispatcher>().Single();

    protected override void Configure(WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<IExecutionStore>(sp => new FaultyExecutionStore(new SqliteExecutionStore(sp.GetRequiredService<SqliteDatabase>(), TimeProvider.System)));
        builder.Logging.AddProvider(Logs);
    }
}

/// <summary>
/// The isolation itself, whatever makes a turn unstorable (here an out-of-memory or a stack guard thrown while the
/// store serialises it): that execution fails with a clear error and is counted; the others in the batch commit.
/// </summary>
public class PoisonIsolationTests(FaultyStoreFixture server) : IClassFixture<FaultyStoreFixture>
{
    private readonly HttpClient _a = server.Client(ServerFixture.KeyA);
    private readonly HttpClient _b = server.Client(ServerFixture.KeyB);

    [Fact]
    public async Task TurnThatThrowsOutOfMemoryWhenStored_FailsAlone_AndIsCounted()
    {
        server.Store.Poison = () => new OutOfMemoryException("Simulated: out of memory while serialising.");
        var poisoned = await _a.Publish($$"""
            { "name": "oom", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "s", "type": "logic_set_variable", "config": { "variables": { "v": "{{FaultyExecutionStore.Marker}}" } } } ],
              "edges": [ { "source": "t", "target": "s" } ] }
            """);
        var healthy = await _b.Publish(Workflows.Simple("healthy"));
        var before = server.Dispatcher.PoisonTurns;

        var bad = await _a.Execute(poisoned);
        var good = await _b.Execute(healthy);

        Assert.Equal("completed", (string?)(await _b.WaitFinished(good, TimeSpan.FromSeconds(20)))["status"]);
        var failed = await _a.WaitFinished(bad, TimeSpan.FromSeconds(20));
        Assert.Equal("failed", (string?)failed["status"]);
        Assert.Contains("could not be stored (OutOfMemoryException", (string?)failed["errorMessage"]);
        Assert.True(server.Dispatcher.PoisonTurns > before);
    }

    [Fact]
    public async Task ActivityResultThatCannotBeStored_FailsItsExecution_OthersComplete()
    {
        server.Store.Poison = () => new InsufficientExecutionStackException("Simulated: too deep to serialise.");
        var poisoned = await _a.Publish($$"""
            { "name": "bad result", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "call", "type": "action_http", "config": { "url": "{{server.Fake.Url("/ok/" + FaultyExecutionStore.Marker)}}", "method": "GET" } } ],
              "edges": [ { "source": "t", "target": "call" } ] }
            """);
        var healthy = await _b.Publish(Workflows.Simple("healthy 2"));

        var bad = await _a.Execute(poisoned);
        var good = await _b.Execute(healthy);

        Assert.Equal("completed", (string?)(await _b.WaitFinished(good, TimeSpan.FromSeconds(20)))["status"]);
        var failed = await _a.WaitFinished(bad, TimeSpan.FromSeconds(20));
        Assert.Equal("failed", (string?)failed["status"]);
        Assert.Contains("InsufficientExecutionStackException", (string?)failed["errorMessage"]);
    }

    [Fact]
    public async Task WorkerRecording_ResultThatCannotBeStored_BecomesAFailedStep_AndTheRestOfTheBatchIsRecorded()
    {
        var good = new ActivityCompletion(1_000_001, "w", "ex_good", new StepCompleted("a", "a", "action_http", 1, null, "main"));
        var bad = new ActivityCompletion(1_000_002, "w", "ex_bad",
            new StepCompleted("b", "b", "action_http", 1, System.Text.Json.Nodes.JsonValue.Create(FaultyExecutionStore.Marker), "main"));

        var poisoned = await PoisonIsolation.CompleteActivitiesAsync(server.Store, [good, bad], DateTimeOffset.UtcNow, NullLogger.Instance, CancellationToken.None);

        Assert.Equal(1, poisoned);
        var recorded = server.Store.Recorded.Where(c => c.ActivityId >= 1_000_001).ToList();
        Assert.Contains(recorded, c => c.ExecutionId == "ex_good" && c.Result is StepCompleted);
        var failure = Assert.IsType<StepFailed>(Assert.Single(recorded, c => c.ExecutionId == "ex_bad").Result);
        Assert.False(failure.Retryable);
        Assert.Contains("could not be stored", failure.Error);
    }

    [Fact]
    public async Task Outage_IsNotTakenForPoison_TheBatchIsKept()
    {
        var completion = new ActivityCompletion(1_000_003, "w", "ex_outage", new StepCompleted("a", "a", "action_http", 1, null, "main"));
        server.Store.Outage = () => new TimeoutException("Simulated outage.");
        server.Store.Down = true;
        try
        {
            await Assert.ThrowsAsync<TimeoutException>(() => PoisonIsolation.CompleteActivitiesAsync(server.Store, [completion], DateTimeOffset.UtcNow, NullLogger.Instance, CancellationToken.None));
        }
        finally
        {
            server.Store.Down = false;
        }
        Assert.DoesNotContain(server.Store.Recorded, c => c.ActivityId == 1_000_003);
    }
}

/// <summary>Poison judged by outcome as well as by type: a failure every turn shares is an outage, not poison.</summary>
public class PoisonOutcomeTests(FaultyStoreFixture server) : IClassFixture<FaultyStoreFixture>
{
    private readonly HttpClient _a = server.Client(ServerFixture.KeyA);
    private readonly HttpClient _b = server.Client(ServerFixture.KeyB);

    [Fact]
    public async Task WhenEveryTurnFailsToCommitAlone_ItIsTakenForAnOutage_AndTheExecutionsCompleteAfterwards()
    {
        var a = await _a.Publish(Workflows.Simple("outage a"));
        var b = await _b.Publish(Workflows.Simple("outage b"));
        var before = server.Dispatcher.PoisonTurns;
        string first, second;
        // An error whose type does not say "data" (what a dropped connection may look like) on every commit.
        server.Store.CommitFault = () => new InvalidOperationException("Simulated: the connection was reset.");
        try
        {
            first = await _a.Execute(a);
            second = await _b.Execute(b);
            await Task.Delay(TimeSpan.FromSeconds(2));
        }
        finally
        {
            server.Store.CommitFault = null;
        }

        Assert.Equal("completed", (string?)(await _a.WaitFinished(first, TimeSpan.FromSeconds(20)))["status"]);
        Assert.Equal("completed", (string?)(await _b.WaitFinished(second, TimeSpan.FromSeconds(20)))["status"]);
        Assert.Equal(before, server.Dispatcher.PoisonTurns);
    }

    [Fact]
    public async Task DatabaseErrorCausedByOneTurnsData_FailsThatExecution_WhenTheOthersInItsBatchCommit()
    {
        // A non-transient database error (say a value out of range) that only one turn causes: isolated like any poison.
        server.Store.Poison = () => new SqliteException("Simulated: value out of range.", 20);
        var poisoned = await _a.Publish($$"""
            { "name": "db poison", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "s", "type": "logic_set_variable", "config": { "variables": { "v": "{{FaultyExecutionStore.Marker}}" } } } ],
              "edges": [ { "source": "t", "target": "s" } ] }
            """);
        var healthy = await _b.Publish(Workflows.Simple("healthy beside db poison"));
        string bad;
        var good = new List<string>();
        server.Store.HoldClaims = true;
        try
        {
            bad = await _a.Execute(poisoned);
            for (var i = 0; i < 3; i++) good.Add(await _b.Execute(healthy));
        }
        finally
        {
            server.Store.HoldClaims = false;
        }

        foreach (var id in good) Assert.Equal("completed", (string?)(await _b.WaitFinished(id, TimeSpan.FromSeconds(20)))["status"]);
        var failed = await _a.WaitFinished(bad, TimeSpan.FromSeconds(20));
        Assert.Equal("failed", (string?)failed["status"]);
        Assert.Contains("could not be stored (SqliteException", (string?)failed["errorMessage"]);
    }

    [Fact]
    public async Task WorkerRecording_WhenEveryResultFailsAlone_ItIsAnOutage_NothingIsFailed()
    {
        server.Store.Poison = () => new InvalidOperationException("Simulated: the connection was reset.");
        var one = new ActivityCompletion(1_000_101, "w", "ex_all_1",
            new StepCompleted("a", "a", "action_http", 1, System.Text.Json.Nodes.JsonValue.Create(FaultyExecutionStore.Marker), "main"));
        var two = new ActivityCompletion(1_000_102, "w", "ex_all_2",
            new StepCompleted("b", "b", "action_http", 1, System.Text.Json.Nodes.JsonValue.Create(FaultyExecutionStore.Marker), "main"));

        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            PoisonIsolation.CompleteActivitiesAsync(server.Store, [one, two], DateTimeOffset.UtcNow, NullLogger.Instance, CancellationToken.None));

        Assert.DoesNotContain(server.Store.Recorded, c => c.ActivityId is 1_000_101 or 1_000_102);
    }

    [Fact]
    public async Task WorkerRecording_DatabaseErrorOfOneResult_IsPoison_WhenTheOthersAreRecorded()
    {
        server.Store.Poison = () => new SqliteException("Simulated: value out of range.", 20);
        var good = new ActivityCompletion(1_000_111, "w", "ex_db_good", new StepCompleted("a", "a", "action_http", 1, null, "main"));
        var bad = new ActivityCompletion(1_000_112, "w", "ex_db_bad",
            new StepCompleted("b", "b", "action_http", 1, System.Text.Json.Nodes.JsonValue.Create(FaultyExecutionStore.Marker), "main"));

        var poisoned = await PoisonIsolation.CompleteActivitiesAsync(server.Store, [good, bad], DateTimeOffset.UtcNow, NullLogger.Instance, CancellationToken.None);

        Assert.Equal(1, poisoned);
        Assert.Contains(server.Store.Recorded, c => c.ActivityId == 1_000_111 && c.Result is StepCompleted);
        Assert.Contains("SqliteException", Assert.IsType<StepFailed>(Assert.Single(server.Store.Recorded, c => c.ActivityId == 1_000_112).Result).Error);
    }
}
