using System.Net;
using System.Text.Json.Nodes;
using FlowForge.Server.Tests.Infrastructure;

namespace FlowForge.Server.Tests.Engine;

/// <summary>Default Limits__TestRunMaxSteps (1000), and a 2 s Limits__TestRunTimeout so a slow live call hits it.</summary>
public class TestRunLimitsFixture<TStorage> : FakeServiceFixture
    where TStorage : ServerStorage, new()
{
    public TestRunLimitsFixture() : base(new Dictionary<string, string?>
    {
        ["Engine:PollInterval"] = "00:00:00.200",
        ["Limits:TestRunTimeout"] = "00:00:02",
    }, new TStorage())
    {
    }
}

/// <summary>
/// A test run executes children in memory and fires timers at once, so a loop that starts its own workflow grew
/// exponentially (10 items, 5 levels: 100,000 runs). One budget of steps and time covers the whole test run.
/// </summary>
public abstract class TestRunLimitsSuite<TStorage>(TestRunLimitsFixture<TStorage> server) : IClassFixture<TestRunLimitsFixture<TStorage>>
    where TStorage : ServerStorage, new()
{
    private readonly HttpClient _client = server.Client();

    private static string ForkBomb(string self) => $$"""
        { "name": "fan-out", "nodes": [
            { "id": "t", "type": "trigger_manual" },
            { "id": "loop", "type": "logic_loop", "config": { "items": [1,2,3,4,5,6,7,8,9,10], "mode": "parallel" } },
            { "id": "again", "type": "logic_subworkflow", "config": { "workflowId": "{{self}}", "waitForCompletion": true } } ],
          "edges": [ { "source": "t", "target": "loop" }, { "source": "loop", "target": "again", "sourceHandle": "item" },
                     { "source": "again", "target": "loop" } ] }
        """;

    [Fact]
    public async Task FanOutIntoItself_StopsAtTheStepBudget_WhileAnotherOrgsExecutionCompletes()
    {
        var created = await (await _client.PostJson("/api/workflows", ForkBomb("wf_placeholder"))).Expect(HttpStatusCode.Created);
        var id = (string)created["id"]!;
        var update = JsonNode.Parse(ForkBomb(id))!;
        update["revision"] = (long)created["revision"]!;
        await (await _client.PutAsync($"/api/workflows/{id}", Http.Json(update.ToJsonString()))).Expect(HttpStatusCode.OK);
        await (await _client.PostAsync($"/api/workflows/{id}/publish", null)).Expect(HttpStatusCode.OK);

        var testRun = _client.PostJson($"/api/workflows/{id}/test", "{}");

        var other = server.Client(ServerFixture.KeyB);
        var otherWf = await other.Publish(Workflows.Simple("other org"));
        var otherDone = await other.WaitFinished(await other.Execute(otherWf, new { name = "b" }), TimeSpan.FromSeconds(20));
        Assert.Equal("completed", (string?)otherDone["status"]);

        var result = await (await testRun).Expect(HttpStatusCode.OK);
        Assert.Equal("failed", (string?)result["status"]);
        Assert.Contains("Limits__TestRunMaxSteps", (string?)result["errorMessage"]);
        Assert.Contains("1000", (string?)result["errorMessage"]);
        Assert.NotEmpty(result["steps"]!.AsArray());
    }

    [Fact]
    public async Task SlowLiveStep_StopsAtTheTimeLimit()
    {
        var created = await (await _client.PostJson("/api/workflows", $$"""
            { "name": "slow", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "call", "type": "action_http", "config": { "method": "POST", "url": "{{server.Fake.Url("/slow/test-run?ms=10000")}}", "timeout": "60s" } } ],
              "edges": [ { "source": "t", "target": "call" } ] }
            """)).Expect(HttpStatusCode.Created);
        var result = await (await _client.PostJson($"/api/workflows/{created["id"]}/test", """{ "live": true }""")).Expect(HttpStatusCode.OK);
        Assert.Equal("failed", (string?)result["status"]);
        Assert.Contains("Limits__TestRunTimeout", (string?)result["errorMessage"]);
    }

    [Fact]
    public async Task SmallTestRun_IsUnaffected()
    {
        var created = await (await _client.PostJson("/api/workflows", Workflows.Simple("small"))).Expect(HttpStatusCode.Created);
        var result = await (await _client.PostJson($"/api/workflows/{created["id"]}/test", """{ "testData": { "name": "Ada" } }""")).Expect(HttpStatusCode.OK);
        Assert.Equal("completed", (string?)result["status"]);
        Assert.Equal("hi Ada", (string?)result["finalOutput"]!["greeting"]);
    }
}

public sealed class SqliteTestRunLimitsTests(TestRunLimitsFixture<SqliteStorage> server) : TestRunLimitsSuite<SqliteStorage>(server);

public sealed class PostgresTestRunLimitsTests(TestRunLimitsFixture<PostgresStorage> server) : TestRunLimitsSuite<PostgresStorage>(server);
