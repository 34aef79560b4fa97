using FlowForge.Core.Engine.History;
using FlowForge.Core.Storage;
using FlowForge.Server.Engine;
using FlowForge.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FlowForge.Server.Tests.Engine;

/// <summary>A server over the backend's real store wrapped in <see cref="FaultyExecutionStore"/>.</summary>
public class FaultyStoreFixture<TStorage> : FakeServiceFixture
    where TStorage : ServerStorage, new()
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
    }, new TStorage())
    {
    }

    /// <summary>Every log entry the server wrote (FlowForge categories from Information up).</summary>
    public LogCapture Logs { get; } = new();

    public FaultyExecutionStore Store => (FaultyExecutionStore)Services.GetRequiredService<IExecutionStore>();

    internal Dispatcher Dispatcher => Services.GetServices<IHostedService>().OfType<Dispatcher>().Single();

    protected override void Configure(WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<IExecutionStore>(sp => new FaultyExecutionStore(Storage.ExecutionStore(sp)));
        builder.Logging.AddProvider(Logs);
    }
}

/// <summary>
/// The isolation itself, whatever makes a turn unstorable (here an out-of-memory or a stack guard thrown while the
/// store serialises it): that execution fails with a clear error and is counted; the others in the batch commit.
/// </summary>
public abstract class PoisonIsolationSuite<TStorage>(FaultyStoreFixture<TStorage> server) : IClassFixture<FaultyStoreFixture<TStorage>>
    where TStorage : ServerStorage, new()
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
public abstract class PoisonOutcomeSuite<TStorage>(FaultyStoreFixture<TStorage> server) : IClassFixture<FaultyStoreFixture<TStorage>>
    where TStorage : ServerStorage, new()
{
    private readonly HttpClient _a = server.Client(ServerFixture.KeyA);
    private readonly HttpClient _b = server.Client(ServerFixture.KeyB);

    private int Hits(string executionId) => server.Store.CommitFaultHits.GetValueOrDefault(executionId);

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
            // Until each execution's turn was refused more than once: the engine met the failure, judged it, and came
            // back to the turn (poison would have failed it at the first judgement).
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!(Hits(first) >= 2 && Hits(second) >= 2) && DateTime.UtcNow < deadline) await Task.Delay(50);
            Assert.True(Hits(first) >= 2 && Hits(second) >= 2, $"refused turns: {Hits(first)} and {Hits(second)}");
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
        server.Store.Poison = () => server.Storage.DataError("Simulated: value out of range.");
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
        Assert.Contains($"could not be stored ({server.Storage.DataError("").GetType().Name}", (string?)failed["errorMessage"]);
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
        server.Store.Poison = () => server.Storage.DataError("Simulated: value out of range.");
        var good = new ActivityCompletion(1_000_111, "w", "ex_db_good", new StepCompleted("a", "a", "action_http", 1, null, "main"));
        var bad = new ActivityCompletion(1_000_112, "w", "ex_db_bad",
            new StepCompleted("b", "b", "action_http", 1, System.Text.Json.Nodes.JsonValue.Create(FaultyExecutionStore.Marker), "main"));

        var poisoned = await PoisonIsolation.CompleteActivitiesAsync(server.Store, [good, bad], DateTimeOffset.UtcNow, NullLogger.Instance, CancellationToken.None);

        Assert.Equal(1, poisoned);
        Assert.Contains(server.Store.Recorded, c => c.ActivityId == 1_000_111 && c.Result is StepCompleted);
        Assert.Contains(server.Storage.DataError("").GetType().Name, Assert.IsType<StepFailed>(Assert.Single(server.Store.Recorded, c => c.ActivityId == 1_000_112).Result).Error);
    }
}

/// <summary>The fault-injecting fixture on SQLite, for tests of SQLite's own loops (its polling feed).</summary>
public sealed class FaultyStoreFixture : FaultyStoreFixture<SqliteStorage>;

public sealed class SqlitePoisonIsolationTests(FaultyStoreFixture<SqliteStorage> server) : PoisonIsolationSuite<SqliteStorage>(server);

public sealed class PostgresPoisonIsolationTests(FaultyStoreFixture<PostgresStorage> server) : PoisonIsolationSuite<PostgresStorage>(server);

public sealed class SqlitePoisonOutcomeTests(FaultyStoreFixture<SqliteStorage> server) : PoisonOutcomeSuite<SqliteStorage>(server);

public sealed class PostgresPoisonOutcomeTests(FaultyStoreFixture<PostgresStorage> server) : PoisonOutcomeSuite<PostgresStorage>(server);
