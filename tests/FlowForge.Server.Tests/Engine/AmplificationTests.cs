using System.Net;
using FlowForge.Server.Tests.Infrastructure;

namespace FlowForge.Server.Tests.Engine;

/// <summary>Limits__MaxStepOutputBytes: a template cannot amplify a small input into a huge value, and a step output cannot grow past what can be stored.</summary>
public abstract class AmplificationSuite<TStorage>(EngineFixture<TStorage> server) : IClassFixture<EngineFixture<TStorage>>
    where TStorage : ServerStorage, new()
{
    private readonly HttpClient _a = server.Client(ServerFixture.KeyA);
    private readonly HttpClient _b = server.Client(ServerFixture.KeyB);

    [Fact]
    public async Task TemplateRepeatedOverALargeInput_FailsTheStepNamingTheSetting_WithoutGrowingTheDatabase()
    {
        var template = string.Concat(Enumerable.Repeat("{{trigger.s}}", 1000));
        var amplifier = await _a.Publish($$"""
            { "name": "amplifier", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "big", "type": "logic_set_variable", "config": { "variables": { "v": "{{template}}" } } } ],
              "edges": [ { "source": "t", "target": "big" } ] }
            """);
        var healthy = await _b.Publish(Workflows.Simple("healthy of org b"));
        var sizeBefore = await server.Storage.DatabaseBytesAsync(server.Directory);

        var bad = await _a.Execute(amplifier, new { s = new string('x', 100 * 1024) });
        var good = await _b.Execute(healthy);

        Assert.Equal("completed", (string?)(await _b.WaitFinished(good, TimeSpan.FromSeconds(20)))["status"]);
        var failed = await _a.WaitFinished(bad, TimeSpan.FromSeconds(30));
        Assert.Equal("failed", (string?)failed["status"]);
        Assert.Contains("Limits__MaxStepOutputBytes (1048576)", (string?)failed.Step("big")["errorMessage"]);
        Assert.Equal(HttpStatusCode.OK, (await _a.GetAsync($"/api/executions/{bad}")).StatusCode);
        // The 100 KB input is stored (trigger data, its inbox message); nothing near the 100 MB the template would make.
        var grown = await server.Storage.DatabaseBytesAsync(server.Directory) - sizeBefore;
        Assert.True(grown < 20 * 1024 * 1024, $"the database grew by {grown} bytes");
    }

    [Fact]
    public async Task StepOutputNestedTooDeepToStore_FailsTheStepCleanly()
    {
        var deep = await _a.Publish($$"""
            { "name": "deep output", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "s1", "type": "logic_set_variable", "config": { "variables": { "v": {{PoisonCommitTests.Nest(22, "\"{{trigger.x}}\"")}} } } },
                { "id": "s2", "type": "logic_set_variable", "config": { "variables": { "w": {{PoisonCommitTests.Nest(22, "\"{{steps.s1.v}}\"")}} } } } ],
              "edges": [ { "source": "t", "target": "s1" }, { "source": "s1", "target": "s2" } ] }
            """);

        var failed = await _a.WaitFinished(await _a.Execute(deep, new { x = PoisonCommitTests.NestNode(24) }), TimeSpan.FromSeconds(20));

        Assert.Equal("failed", (string?)failed["status"]);
        Assert.Equal("completed", (string?)failed.Step("s1")["status"]);
        Assert.Contains("nested deeper than", (string?)failed.Step("s2")["errorMessage"]);
    }
}

public class SmallOutputFixture<TStorage> : FakeServiceFixture
    where TStorage : ServerStorage, new()
{
    public SmallOutputFixture() : base(new Dictionary<string, string?> { ["Limits:MaxStepOutputBytes"] = "2048" }, new TStorage())
    {
    }
}

/// <summary>A handler's output is held to the same limit as a resolved value.</summary>
public abstract class HandlerOutputLimitSuite<TStorage>(SmallOutputFixture<TStorage> server) : IClassFixture<SmallOutputFixture<TStorage>>
    where TStorage : ServerStorage, new()
{
    [Fact]
    public async Task HandlerOutputLargerThanTheLimit_FailsTheStepNamingTheSetting_WithoutRetrying()
    {
        var client = server.Client();
        var workflow = await client.Publish($$"""
            { "name": "large response", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "call", "type": "action_http", "config": { "method": "GET", "url": "{{server.Fake.Url("/ok/large?q=" + new string('q', 4000))}}" } } ],
              "edges": [ { "source": "t", "target": "call" } ] }
            """);

        var failed = await client.WaitFinished(await client.Execute(workflow), TimeSpan.FromSeconds(20));

        Assert.Equal("failed", (string?)failed["status"]);
        Assert.Contains("exceeds Limits__MaxStepOutputBytes (2048)", (string?)failed.Step("call")["errorMessage"]);
        Assert.Equal(1, server.Fake.Calls("/ok/large"));
    }

    [Fact]
    public async Task TestRun_UsesTheConfiguredLimit_NotTheDefault()
    {
        var client = server.Client();
        var created = await (await client.PostJson("/api/workflows", """
            { "name": "test-run amplifier", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "big", "type": "logic_set_variable", "config": { "variables": { "big": "{{trigger.s}}{{trigger.s}}" } } } ],
              "edges": [ { "source": "t", "target": "big" } ] }
            """)).Expect(System.Net.HttpStatusCode.Created);

        var run = await (await client.PostJson($"/api/workflows/{created["id"]}/test", new { testData = new { s = new string('x', 1500) } }))
            .Expect(System.Net.HttpStatusCode.OK);

        Assert.Equal("failed", (string?)run["status"]);
        Assert.Contains("Limits__MaxStepOutputBytes (2048)", run.ToJsonString());
    }
}

public class FewStepsFixture<TStorage> : ServerFixture
    where TStorage : ServerStorage, new()
{
    public FewStepsFixture() : base(new Dictionary<string, string?>
    {
        ["Engine:PollInterval"] = "00:00:00.200",
        ["Limits:MaxStepsPerExecution"] = "40",
    }, new TStorage())
    {
    }
}

/// <summary>Limits__MaxStepsPerExecution: a long loop cannot multiply bounded step outputs into an unbounded history.</summary>
public abstract class ExecutionStepBudgetSuite<TStorage>(FewStepsFixture<TStorage> server) : IClassFixture<FewStepsFixture<TStorage>>
    where TStorage : ServerStorage, new()
{
    [Fact]
    public async Task LoopMakingMoreStepsThanTheExecutionMayRecord_FailsTheExecutionNamingTheSetting_OthersComplete()
    {
        var a = server.Client(ServerFixture.KeyA);
        var b = server.Client(ServerFixture.KeyB);
        var looping = await a.Publish("""
            { "name": "long loop", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "each", "type": "logic_loop", "config": { "items": "{{trigger.items}}", "maxIterations": 10000 } },
                { "id": "v", "type": "logic_set_variable", "config": { "variables": { "x": "{{trigger.s}}" } } } ],
              "edges": [ { "source": "t", "target": "each" }, { "source": "each", "target": "v", "sourceHandle": "item" },
                         { "source": "v", "target": "each" } ] }
            """);
        var healthy = await b.Publish(Workflows.Simple("healthy beside the long loop"));

        var bad = await a.Execute(looping, new { items = Enumerable.Range(0, 1000).ToArray(), s = "payload" });
        var good = await b.Execute(healthy);

        Assert.Equal("completed", (string?)(await b.WaitFinished(good, TimeSpan.FromSeconds(20)))["status"]);
        var failed = await a.WaitFinished(bad, TimeSpan.FromSeconds(20));
        Assert.Equal("failed", (string?)failed["status"]);
        Assert.Contains("exceeds Limits__MaxStepsPerExecution (40)", (string?)failed["errorMessage"]);
    }
}

public sealed class SqliteAmplificationTests(EngineFixture<SqliteStorage> server) : AmplificationSuite<SqliteStorage>(server);

public sealed class PostgresAmplificationTests(EngineFixture<PostgresStorage> server) : AmplificationSuite<PostgresStorage>(server);

public sealed class SqliteHandlerOutputLimitTests(SmallOutputFixture<SqliteStorage> server) : HandlerOutputLimitSuite<SqliteStorage>(server);

public sealed class PostgresHandlerOutputLimitTests(SmallOutputFixture<PostgresStorage> server) : HandlerOutputLimitSuite<PostgresStorage>(server);

public sealed class SqliteExecutionStepBudgetTests(FewStepsFixture<SqliteStorage> server) : ExecutionStepBudgetSuite<SqliteStorage>(server);

public sealed class PostgresExecutionStepBudgetTests(FewStepsFixture<PostgresStorage> server) : ExecutionStepBudgetSuite<PostgresStorage>(server);
