using System.Net;
using System.Text.Json.Nodes;
using FlowForge.Server.Tests.Infrastructure;

namespace FlowForge.Server.Tests.Analytics;

/// <summary>A server that counts finished runs at once (no settle delay), so the tests need not wait the default 6 s.</summary>
public sealed class EagerAnalyticsServer() : ServerFixture(new Dictionary<string, string?>
{
    ["Analytics:SettleDelay"] = "00:00:00",
    ["Analytics:PollInterval"] = "00:00:00.100",
});

/// <summary>GET /api/analytics/...: real runs on the real server, counted by the roll-up service and read back per workflow and organisation.</summary>
public sealed class AnalyticsApiTests(EagerAnalyticsServer server) : IClassFixture<EagerAnalyticsServer>
{
    private readonly HttpClient _a = server.Client();
    private readonly HttpClient _b = server.Client(ServerFixture.KeyB);

    private static string Today => DateTime.UtcNow.ToString("yyyy-MM-dd");

    [Fact]
    public async Task RunsFailuresAndVariants_AreCounted_PerWorkflowAndOrganisation()
    {
        var split = await _a.Publish("""
            { "name": "analytics split", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "ab", "type": "logic_ab_split", "config": { "variants": [ { "name": "red", "weight": 1 }, { "name": "blue", "weight": 1 } ] } },
                { "id": "r", "type": "logic_set_variable", "config": { "variables": { "v": "red" } } },
                { "id": "b", "type": "logic_set_variable", "config": { "variables": { "v": "blue" } } } ],
              "edges": [ { "source": "t", "target": "ab" },
                         { "source": "ab", "target": "r", "sourceHandle": "red" },
                         { "source": "ab", "target": "b", "sourceHandle": "blue" } ] }
            """);
        var failing = await _a.Publish("""
            { "name": "analytics failing", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "call", "type": "action_http", "config": { "url": "http://127.0.0.1:9/down", "retry": { "maxAttempts": 1 } } } ],
              "edges": [ { "source": "t", "target": "call" } ] }
            """);
        var runs = new List<string>();
        for (var i = 0; i < 4; i++) runs.Add(await _a.Execute(split, new { i }));
        for (var i = 0; i < 2; i++) runs.Add(await _a.Execute(failing, new { i }));
        foreach (var id in runs) await _a.WaitFinished(id);

        var report = await WaitForRuns($"/api/analytics/workflows/{split}", 4);
        Assert.Equal((4, 4, 0), ((int)report["totals"]!["runs"]!, (int)report["totals"]!["completed"]!, (int)report["totals"]!["failed"]!));
        Assert.Equal(1.0, (double)report["totals"]!["successRate"]!);
        Assert.NotNull(report["totals"]!["durationP50Ms"]);
        Assert.NotNull(report["totals"]!["queueP95Ms"]);
        Assert.Equal(30, report["days"]!.AsArray().Count);
        Assert.Equal(Today, (string?)report["days"]!.AsArray()[^1]!["day"]);
        Assert.Equal(4, (int)report["days"]!.AsArray()[^1]!["completed"]!);
        var variants = report["variants"]!.AsArray();
        Assert.All(variants, v => Assert.Equal(("ab", 1.0), ((string?)v!["nodeId"], (double)v["successRate"]!)));
        Assert.Equal(4, variants.Sum(v => (int)v!["runs"]!));
        Assert.Empty(report["failingSteps"]!.AsArray());

        var failed = await WaitForRuns($"/api/analytics/workflows/{failing}", 2);
        Assert.Equal((2, 0.0), ((int)failed["totals"]!["failed"]!, (double)failed["totals"]!["successRate"]!));
        var step = Assert.Single(failed["failingSteps"]!.AsArray())!;
        Assert.Equal(("call", "action_http", 2, 2), ((string?)step["nodeId"], (string?)step["nodeType"], (int)step["failedRuns"]!, (int)step["failedAttempts"]!));
        Assert.Equal(2, (int)step["errors"]![0]!["count"]!);
        Assert.False(string.IsNullOrWhiteSpace((string?)step["errors"]![0]!["message"]));

        var organisation = await WaitForRuns("/api/analytics/organization", 6);
        Assert.Equal(failing, (string?)Assert.Single(organisation["failingSteps"]!.AsArray())!["workflowId"]);
        Assert.NotNull(organisation["countedUntil"]);
        Assert.True((double)organisation["percentileRelativeError"]! is > 0 and < 0.05);

        // Organisation B sees none of it, and cannot ask about A's workflow.
        var b = await (await _b.GetAsync("/api/analytics/organization")).Expect(HttpStatusCode.OK);
        Assert.Equal(0, (int)b["totals"]!["runs"]!);
        Assert.Empty(b["failingSteps"]!.AsArray());
        await (await _b.GetAsync($"/api/analytics/workflows/{split}")).ExpectProblem(HttpStatusCode.NotFound, "not-found");
    }

    [Theory]
    [InlineData("from=2030-02-01&to=2030-01-01", "after")]
    [InlineData("from=yesterday", "yyyy-MM-dd")]
    [InlineData("to=2030-13-01", "yyyy-MM-dd")]
    [InlineData("from=2028-01-01&to=2030-01-01", "at most 366")]
    public async Task BadRanges_AreProblems(string query, string detail)
    {
        foreach (var path in new[] { "/api/analytics/organization", "/api/analytics/workflows/wf_none" })
        {
            var problem = await (await _a.GetAsync($"{path}?{query}")).ExpectProblem(HttpStatusCode.BadRequest, "bad-request");
            Assert.Contains(detail, (string?)problem["detail"]);
        }
    }

    [Fact]
    public async Task ARange_IsEveryDayOfIt_AndAnUnknownWorkflow_IsNotFound()
    {
        var report = await (await _a.GetAsync("/api/analytics/organization?from=2030-01-30&to=2030-02-02")).Expect(HttpStatusCode.OK);
        Assert.Equal(["2030-01-30", "2030-01-31", "2030-02-01", "2030-02-02"], report["days"]!.AsArray().Select(d => (string?)d!["day"]));
        Assert.All(report["days"]!.AsArray(), d => Assert.Null(d!["successRate"]?.GetValue<double?>()));
        await (await _a.GetAsync("/api/analytics/workflows/wf_none")).ExpectProblem(HttpStatusCode.NotFound, "not-found");
    }

    private async Task<JsonNode> WaitForRuns(string path, int runs)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        JsonNode body;
        do
        {
            body = await (await _a.GetAsync(path)).Expect(HttpStatusCode.OK);
            if ((int)body["totals"]!["runs"]! >= runs) return body;
            await Task.Delay(100);
        } while (DateTime.UtcNow < deadline);
        throw new TimeoutException($"{path} never counted {runs} runs: {body.ToJsonString()}");
    }
}
