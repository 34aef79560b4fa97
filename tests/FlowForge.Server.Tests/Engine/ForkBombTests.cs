using System.Net;
using System.Text.Json.Nodes;
using FlowForge.Server.Tests.Infrastructure;
using FlowForge.Server.Tests.Triggers;

namespace FlowForge.Server.Tests.Engine;

/// <summary>The fork bomb: a workflow that loops over [1,2] in parallel and starts itself without waiting.</summary>
internal static class ForkBomb
{
    /// <summary>Creates the self-starting workflow (it must know its own id) and publishes it; <paramref name="park"/> makes each run wait afterwards.</summary>
    public static async Task<string> PublishAsync(HttpClient client, bool park)
    {
        var created = await (await client.PostJson("/api/workflows", Workflows.Simple("fork bomb"))).Expect(HttpStatusCode.Created);
        var id = (string)created["id"]!;
        var parked = park
            ? """, { "id": "park", "type": "logic_delay", "config": { "duration": "10m" } }"""
            : "";
        var parkEdge = park ? """, { "source": "each", "target": "park", "sourceHandle": "done" }""" : "";
        await (await client.PutAsync($"/api/workflows/{id}", Http.Json($$"""
            { "name": "fork bomb", "revision": {{(int)created["revision"]!}}, "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "each", "type": "logic_loop", "config": { "items": [1, 2], "mode": "parallel" } },
                { "id": "again", "type": "logic_subworkflow", "config": { "workflowId": "{{id}}", "waitForCompletion": false } }{{parked}} ],
              "edges": [ { "source": "t", "target": "each" }, { "source": "each", "target": "again", "sourceHandle": "item" },
                         { "source": "again", "target": "each" }{{parkEdge}} ] }
            """))).Expect(HttpStatusCode.OK);
        await (await client.PostAsync($"/api/workflows/{id}/publish", null)).Expect(HttpStatusCode.OK);
        return id;
    }

    public static async Task<List<JsonNode>> ExecutionsAsync(HttpClient client, string workflowId)
    {
        var all = new List<JsonNode>();
        for (var page = 1; ; page++)
        {
            var body = await (await client.GetAsync($"/api/workflows/{workflowId}/executions?limit=100&page={page}")).Expect(HttpStatusCode.OK);
            var items = body["executions"]?.AsArray() ?? body["items"]!.AsArray();
            all.AddRange(items.Select(i => i!));
            if (items.Count < 100) return all;
        }
    }

    /// <summary>
    /// Waits until the bomb is quiescent: <paramref name="settled"/> says every execution is in a state that starts no
    /// more children (finished, or parked after starting its own), so no execution can appear any more. Two reads in
    /// a row must agree, since a list read page by page while executions are being created is not one snapshot. A
    /// positive signal, not "nothing changed for two seconds".
    /// </summary>
    public static async Task<List<JsonNode>> SettledAsync(HttpClient client, string workflowId, Func<List<JsonNode>, bool> settled)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        List<JsonNode> executions;
        var lastCount = -1;
        do
        {
            await Task.Delay(200);
            executions = await ExecutionsAsync(client, workflowId);
            if (settled(executions) && executions.Count == lastCount) return executions;
            lastCount = settled(executions) ? executions.Count : -1;
        } while (DateTime.UtcNow < deadline);
        return executions;
    }
}

public class ShallowSubworkflowFixture<TStorage> : ServerFixture
    where TStorage : ServerStorage, new()
{
    public ShallowSubworkflowFixture() : base(new Dictionary<string, string?>
    {
        ["Engine:PollInterval"] = "00:00:00.200",
        ["Engine:MaxSubworkflowDepth"] = "3",
    }, new TStorage())
    {
    }
}

/// <summary>Engine__MaxSubworkflowDepth: the depth travels with each child, so the bomb stops at the limit.</summary>
public abstract class SubworkflowDepthSuite<TStorage>(ShallowSubworkflowFixture<TStorage> server) : IClassFixture<ShallowSubworkflowFixture<TStorage>>
    where TStorage : ServerStorage, new()
{
    private readonly HttpClient _a = server.Client(ServerFixture.KeyA);
    private readonly HttpClient _b = server.Client(ServerFixture.KeyB);

    [Fact]
    public async Task SelfStartingWorkflow_StopsAtTheDepthLimit_NamingTheSetting()
    {
        var bomb = await ForkBomb.PublishAsync(_a, park: false);
        var healthy = await _b.Publish(Workflows.Simple("healthy of org b"));

        await _a.Execute(bomb);
        Assert.Equal("completed", (string?)(await _b.WaitFinished(await _b.Execute(healthy), TimeSpan.FromSeconds(20)))["status"]);

        // Depth 0..3 run: 1 + 2 + 4 + 8 executions; those at depth 3 fail their step instead of going deeper.
        var executions = await ForkBomb.SettledAsync(_a, bomb, all => all.All(e => (string?)e["status"] is "completed" or "failed"));
        Assert.Equal(15, executions.Count);
        Assert.Equal(8, executions.Count(e => (string?)e["status"] == "failed"));
        var deepest = await _a.GetExecution((string)executions.First(e => (string?)e["status"] == "failed")["executionId"]!);
        Assert.Contains("exceeds Engine__MaxSubworkflowDepth (3)", (string?)deepest["errorMessage"]);
    }
}

public class TightQuotaFixture<TStorage> : ServerFixture
    where TStorage : ServerStorage, new()
{
    public TightQuotaFixture() : base(new Dictionary<string, string?>
    {
        ["Engine:PollInterval"] = "00:00:00.200",
        ["Limits:MaxRunningExecutionsPerOrganization"] = "6",
        ["Limits:StartsPerSecondPerOrganization"] = "1000",
    }, new TStorage())
    {
    }
}

/// <summary>Limits__MaxRunningExecutionsPerOrganization and Limits__StartsPerSecondPerOrganization hold one tenant's starts.</summary>
// Slow: lets a fork bomb park until the quota holds (about 10 s); the fast set (--filter "Category!=Slow") skips it, CI runs it.
[Trait("Category", "Slow")]
public abstract class OrganizationQuotaSuite<TStorage>(TightQuotaFixture<TStorage> server) : IClassFixture<TightQuotaFixture<TStorage>>
    where TStorage : ServerStorage, new()
{
    private readonly HttpClient _a = server.Client(ServerFixture.KeyA);
    private readonly HttpClient _b = server.Client(ServerFixture.KeyB);

    [Fact]
    public async Task ForkBombThatParks_IsHeldByTheRunningQuota_AndTheOrganisationsStartsAreRefusedWith429()
    {
        var bomb = await ForkBomb.PublishAsync(_a, park: true);
        var healthy = await _b.Publish(Workflows.Simple("healthy of org b"));

        await _a.Execute(bomb);
        Assert.Equal("completed", (string?)(await _b.WaitFinished(await _b.Execute(healthy), TimeSpan.FromSeconds(20)))["status"]);

        // Parked runs hold the quota; a run whose child is refused fails, naming the setting (which frees its slot, so
        // the bomb burns out). Without the quota it would go on to the depth limit: 2,047 executions.
        var executions = await ForkBomb.SettledAsync(_a, bomb, all => all.Any(e => (string?)e["status"] == "failed") && all.All(e => (string?)e["status"] is "waiting" or "failed"));
        var statuses = string.Join(",", executions.Select(e => (string?)e["status"]));
        Assert.True(executions.Count is >= 6 and <= 12, statuses);
        var failed = await _a.GetExecution((string)executions.First(e => (string?)e["status"] == "failed")["executionId"]!);
        Assert.Contains("Limits__MaxRunningExecutionsPerOrganization (6)", (string?)failed["errorMessage"]);

        // Filling the quota with parked runs: the API refuses the next start with 429, Retry-After and the setting's name.
        var parked = await _a.Publish("""
            { "name": "parked", "nodes": [ { "id": "t", "type": "trigger_manual" }, { "id": "wait", "type": "logic_delay", "config": { "duration": "10m" } } ],
              "edges": [ { "source": "t", "target": "wait" } ] }
            """);
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 10 && refused is null; i++)
        {
            var response = await _a.PostAsync($"/api/workflows/{parked}/execute", Http.Json(new { triggerData = new { } }));
            if (response.StatusCode == HttpStatusCode.TooManyRequests) refused = response;
            else Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }
        Assert.NotNull(refused);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Contains("Limits__MaxRunningExecutionsPerOrganization", await refused.Content.ReadAsStringAsync());
        // The other organisation is unaffected.
        Assert.Equal("completed", (string?)(await _b.WaitFinished(await _b.Execute(healthy), TimeSpan.FromSeconds(20)))["status"]);
    }
}

public class SlowStartsFixture<TStorage> : ServerFixture
    where TStorage : ServerStorage, new()
{
    public SlowStartsFixture() : base(new Dictionary<string, string?> { ["Limits:StartsPerSecondPerOrganization"] = "2" }, new TStorage())
    {
    }
}

public abstract class StartRateSuite<TStorage>(SlowStartsFixture<TStorage> server) : IClassFixture<SlowStartsFixture<TStorage>>
    where TStorage : ServerStorage, new()
{
    [Fact]
    public async Task StartsFasterThanTheRate_AreRefusedWith429AndRetryAfter_OtherOrganisationsStillStart()
    {
        var a = server.Client(ServerFixture.KeyA);
        var b = server.Client(ServerFixture.KeyB);
        var workflow = await a.Publish(Workflows.Simple("rate"));
        var other = await b.Publish(Workflows.Simple("rate b"));

        var responses = new List<HttpResponseMessage>();
        for (var i = 0; i < 6; i++) responses.Add(await a.PostAsync($"/api/workflows/{workflow}/execute", Http.Json(new { triggerData = new { } })));

        var refused = responses.FirstOrDefault(r => r.StatusCode == HttpStatusCode.TooManyRequests);
        Assert.NotNull(refused);
        Assert.NotNull(refused.Headers.RetryAfter);
        await refused.ExpectProblem(HttpStatusCode.TooManyRequests, "quota-exceeded");
        Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.TooManyRequests));
        Assert.Equal("completed", (string?)(await b.WaitFinished(await b.Execute(other), TimeSpan.FromSeconds(20)))["status"]);
    }

    [Fact]
    public async Task WebhookDeliveriesFasterThanTheRate_AreRefusedWith429AndRetryAfter()
    {
        var a = server.Client(ServerFixture.KeyA);
        var anonymous = server.Client(key: null);
        var (_, published) = await a.CreateAndPublish(TriggerTestSupport.Workflow("hook rate", "trigger_webhook", """{ "auth": "none" }"""));
        var path = published.Trigger().HookPath();

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 6; i++)
        {
            var response = await anonymous.SendAsync(TriggerTestSupport.JsonRequest(path, """{"name":"Ada"}"""));
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests) refused ??= response;
        }

        Assert.NotNull(refused);
        Assert.NotNull(refused.Headers.RetryAfter);
        var problem = await refused.ExpectProblem(HttpStatusCode.TooManyRequests, "quota-exceeded");
        Assert.Contains("Limits__StartsPerSecondPerOrganization (2)", (string?)problem["detail"]);
        Assert.All(statuses, s => Assert.True(s is HttpStatusCode.Accepted or HttpStatusCode.TooManyRequests, s.ToString()));
    }
}

public sealed class SqliteSubworkflowDepthTests(ShallowSubworkflowFixture<SqliteStorage> server) : SubworkflowDepthSuite<SqliteStorage>(server);

public sealed class PostgresSubworkflowDepthTests(ShallowSubworkflowFixture<PostgresStorage> server) : SubworkflowDepthSuite<PostgresStorage>(server);

[Trait("Category", "Slow")]
public sealed class SqliteOrganizationQuotaTests(TightQuotaFixture<SqliteStorage> server) : OrganizationQuotaSuite<SqliteStorage>(server);

[Trait("Category", "Slow")]
public sealed class PostgresOrganizationQuotaTests(TightQuotaFixture<PostgresStorage> server) : OrganizationQuotaSuite<PostgresStorage>(server);

public sealed class SqliteStartRateTests(SlowStartsFixture<SqliteStorage> server) : StartRateSuite<SqliteStorage>(server);

public sealed class PostgresStartRateTests(SlowStartsFixture<PostgresStorage> server) : StartRateSuite<PostgresStorage>(server);
