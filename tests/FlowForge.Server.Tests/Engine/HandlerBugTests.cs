using System.Net;
using FlowForge.Core.Catalog;
using FlowForge.Server.Nodes;
using FlowForge.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace FlowForge.Server.Tests.Engine;

/// <summary>A server whose sentiment handler has a bug: it throws an exception no handler is meant to throw.</summary>
public class BuggyHandlerFixture<TStorage>() : ServerFixture(new Dictionary<string, string?>(), new TStorage())
    where TStorage : ServerStorage, new()
{
    public const string Bug = "the handler has a bug";

    // Registered before the server's own registry (a TryAdd), so this one wins: the real registry, one handler swapped.
    protected override void Configure(WebApplicationBuilder builder) =>
        builder.Services.AddSingleton(sp => new NodeHandlerRegistry(
            sp.GetServices<INodeHandler>().Where(h => h.NodeType != NodeTypeNames.UtilitySentiment).Append(new Buggy())));

    private sealed class Buggy : INodeHandler
    {
        public string NodeType => NodeTypeNames.UtilitySentiment;

        public Task<NodeResult> RunAsync(NodeRunContext context, CancellationToken ct) => throw new InvalidOperationException(Bug);
    }
}

/// <summary>A handler's unexpected exception is a failed step, in a test run as in an execution.</summary>
public abstract class HandlerBugSuite<TStorage>(BuggyHandlerFixture<TStorage> server) : IClassFixture<BuggyHandlerFixture<TStorage>>
    where TStorage : ServerStorage, new()
{
    private readonly HttpClient _client = server.Client();

    private const string Workflow = """
        { "name": "buggy", "nodes": [
            { "id": "t", "type": "trigger_manual" },
            { "id": "mood", "type": "utility_sentiment", "config": { "inputText": "fine", "retry": { "maxAttempts": 2, "initialInterval": "100ms" } } } ],
          "edges": [ { "source": "t", "target": "mood" } ] }
        """;

    [Fact]
    public async Task TestRun_HandlerThrowsUnexpectedly_FailsTheStep_NotTheRequest()
    {
        var created = await (await _client.PostJson("/api/workflows", Workflow)).Expect(HttpStatusCode.Created);
        var result = await (await _client.PostJson($"/api/workflows/{created["id"]}/test", """{ "testData": {} }""")).Expect(HttpStatusCode.OK);

        Assert.Equal("failed", (string?)result["status"]);
        var step = result["steps"]!.AsArray().Single(s => (string?)s!["stepId"] == "mood")!;
        Assert.Equal("failed", (string?)step["status"]);
        Assert.Equal($"InvalidOperationException: {BuggyHandlerFixture<TStorage>.Bug}", (string?)step["error"]);
    }

    [Fact]
    public async Task Execution_HandlerThrowsUnexpectedly_FailsTheStepAfterItsRetries()
    {
        var wf = await _client.Publish(Workflow);
        var id = await _client.Execute(wf);
        var done = await _client.WaitFinished(id);

        Assert.Equal("failed", (string?)done["status"]);
        Assert.Equal(2, (int?)done.Step("mood")["attempts"]);
        Assert.Contains(BuggyHandlerFixture<TStorage>.Bug, (string?)done["errorMessage"]);
    }
}

public sealed class SqliteHandlerBugTests(BuggyHandlerFixture<SqliteStorage> server) : HandlerBugSuite<SqliteStorage>(server);

public sealed class PostgresHandlerBugTests(BuggyHandlerFixture<PostgresStorage> server) : HandlerBugSuite<PostgresStorage>(server);
