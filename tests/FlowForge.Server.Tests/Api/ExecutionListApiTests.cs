using System.Net;
using System.Text.Json.Nodes;
using FlowForge.Server.Tests.Infrastructure;

namespace FlowForge.Server.Tests.Api;

/// <summary><c>GET /api/executions</c>: across workflows, by cursor, with filters; and the per-workflow list's cursor.</summary>
public abstract class ExecutionListApiSuite<TStorage>(ServerFixture<TStorage> server) : IClassFixture<ServerFixture<TStorage>>
    where TStorage : ServerStorage, new()
{
    private readonly HttpClient _client = server.Client();

    private static string Unique() => Guid.NewGuid().ToString("N")[..8];

    private async Task<JsonNode> Page(string query, HttpClient? client = null) =>
        await (await (client ?? _client).GetAsync("/api/executions?" + query)).Expect(HttpStatusCode.OK);

    private static List<string> Ids(JsonNode page) => [.. page["executions"]!.AsArray().Select(e => (string)e!["executionId"]!)];

    [Fact]
    public async Task List_AcrossWorkflows_NewestFirst_PagesByCursor_WithWorkflowNames()
    {
        var tag = Unique();
        var a = await _client.Publish(Workflows.Simple($"Orders {tag}"));
        var b = await _client.Publish(Workflows.Simple($"Refunds {tag}"));
        var started = new List<string>();
        foreach (var wf in new[] { a, b, a, b, a })
        {
            started.Add(await _client.Execute(wf, new { name = "n" + started.Count }));
            await Task.Delay(2);
        }
        started.Reverse(); // newest first

        var first = await Page("limit=3");
        var ids = Ids(first);
        // Other tests of the class start executions too: ours are the newest, in order.
        Assert.Equal(started.Take(3), ids);
        Assert.Equal(3, (int)first["limit"]!);
        var row = first["executions"]![0]!;
        Assert.Equal(a, (string?)row["workflowId"]);
        Assert.Equal($"Orders {tag}", (string?)row["workflowName"]);
        Assert.Equal(1, (int?)row["version"]);
        Assert.Null((string?)row["trigger"]);
        Assert.NotNull((string?)row["startedAt"]);

        var second = await Page($"limit=3&cursor={first["nextCursor"]}");
        Assert.Equal(started.Skip(3).Take(2), Ids(second).Take(2));
        Assert.Empty(Ids(first).Intersect(Ids(second)));
    }

    [Fact]
    public async Task List_FiltersByWorkflow_Status_Text_AndDates()
    {
        var tag = Unique();
        var wf = await _client.Publish(Workflows.Simple($"Filters {tag}"));
        var ada = await _client.Execute(wf, new { name = $"Ada {tag}" });
        var bob = await _client.Execute(wf, new { name = $"Bob {tag}" });
        await _client.WaitFinished(ada);
        await _client.WaitFinished(bob);

        Assert.Equal([bob, ada], Ids(await Page($"workflowId={wf}")));
        Assert.Equal([ada], Ids(await Page($"q=ada%20{tag}")));
        Assert.Equal([bob, ada], Ids(await Page($"workflowId={wf}&status=completed&status=failed")));
        Assert.Equal([bob, ada], Ids(await Page($"workflowId={wf}&status=failed,completed")));
        Assert.Empty(Ids(await Page($"workflowId={wf}&status=failed")));
        var tomorrow = DateTimeOffset.UtcNow.AddDays(1).ToString("yyyy-MM-dd");
        Assert.Equal([bob, ada], Ids(await Page($"workflowId={wf}&from=2020-01-01&to={tomorrow}")));
        Assert.Empty(Ids(await Page($"workflowId={wf}&from={tomorrow}")));
        var done = (await Page($"workflowId={wf}"))["executions"]![0]!;
        Assert.Equal("completed", (string?)done["status"]);
        Assert.True((double)done["totalDuration"]! >= 0);
        Assert.NotNull((string?)done["completedAt"]);
    }

    [Fact]
    public async Task List_ShowsOnlyTheCallersOrganisation()
    {
        var wf = await _client.Publish(Workflows.Simple($"Mine {Unique()}"));
        var mine = await _client.Execute(wf);

        var theirs = await Page($"limit=100", server.Client(ServerFixture.KeyB));
        Assert.DoesNotContain(mine, Ids(theirs));
        Assert.Empty(Ids(await Page($"workflowId={wf}", server.Client(ServerFixture.KeyB))));
    }

    [Theory]
    [InlineData("cursor=not-a-cursor", "invalid-cursor")]
    [InlineData("cursor=MS5ub3QtdGlja3MuZXhfMQ", "invalid-cursor")] // "1.not-ticks.ex_1"
    [InlineData("status=done", "bad-request")]
    [InlineData("from=yesterday", "bad-request")]
    [InlineData("from=2025-06-02&to=2025-06-01", "bad-request")]
    [InlineData("limit=0", "bad-request")]
    [InlineData("limit=101", "bad-request")]
    public async Task List_BadQuery_IsAProblem(string query, string slug)
    {
        var problem = await (await _client.GetAsync("/api/executions?" + query)).ExpectProblem(HttpStatusCode.BadRequest, slug);
        Assert.False(string.IsNullOrEmpty((string?)problem["detail"]));
    }

    [Fact]
    public async Task PerWorkflowList_KeepsItsPages_AndGivesACursorToGoOnByKeyset()
    {
        var wf = await _client.Publish(Workflows.Simple($"Legacy {Unique()}"));
        var started = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            started.Add(await _client.Execute(wf));
            await Task.Delay(2);
        }
        started.Reverse();

        var page = await (await _client.GetAsync($"/api/workflows/{wf}/executions?limit=2")).Expect(HttpStatusCode.OK);
        Assert.Equal(3, (int)page["total"]!);
        Assert.Equal(2, (int)page["pages"]!);
        var rest = await Page($"workflowId={wf}&cursor={page["nextCursor"]}");
        Assert.Equal([started[2]], Ids(rest));
        Assert.Null(rest["nextCursor"]);
        var last = await (await _client.GetAsync($"/api/workflows/{wf}/executions?limit=2&page=2")).Expect(HttpStatusCode.OK);
        Assert.Null(last["nextCursor"]);
    }
}

public sealed class SqliteExecutionListApiTests(ServerFixture<SqliteStorage> server) : ExecutionListApiSuite<SqliteStorage>(server);

public sealed class PostgresExecutionListApiTests(ServerFixture<PostgresStorage> server) : ExecutionListApiSuite<PostgresStorage>(server);
