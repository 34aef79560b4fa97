using System.Diagnostics;
using System.Net;
using FlowForge.Server.Telemetry;
using FlowForge.Server.Tests.Infrastructure;

namespace FlowForge.Server.Tests.Telemetry;

/// <summary>
/// One execution is one trace, whichever process runs its steps and however long it waits: a run retries a step, parks
/// on an approval, the server is restarted, and the run finishes on the new server.
/// </summary>
public sealed class ExecutionTraceTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "flowforge-tests", Guid.NewGuid().ToString("N"));
    private readonly SpanCollection _spans = new();
    private FakeService _fake = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        _fake = await FakeService.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _fake.DisposeAsync();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }

    private string Workflow(string tag) => $$$"""
        { "name": "traced", "nodes": [
            { "id": "t", "type": "trigger_manual" },
            { "id": "call", "type": "action_http", "config": { "method": "POST", "url": "{{{_fake.Url($"/flaky/{tag}?failures=1")}}}",
              "retry": { "maxAttempts": 2, "initialInterval": "10ms" } } },
            { "id": "approve", "type": "logic_approval", "config": { "message": "Go on?", "timeout": "3d" } },
            { "id": "notify", "type": "action_http", "config": { "method": "POST", "url": "{{{_fake.Url($"/ok/{tag}")}}}" } } ],
          "edges": [ { "source": "t", "target": "call" }, { "source": "call", "target": "approve" },
                     { "source": "approve", "target": "notify", "sourceHandle": "approved" } ] }
        """;

    [Fact]
    public async Task Execution_RetriedAndApprovedAcrossARestart_IsOneTrace_LinkedFromTheRequestThatStartedIt()
    {
        var database = Path.Combine(_directory, "flowforge.db");
        var tag = Guid.NewGuid().ToString("N");
        string id;
        var first = new TelemetryServer(database, _spans);
        await first.InitializeAsync();
        try
        {
            var client = first.Client();
            id = await client.Execute(await client.Publish(Workflow(tag)));
            await client.WaitFor(id, ["waiting"]);
        }
        finally
        {
            await first.DisposeAsync();
        }
        // The same database under a new server: the first one's state is gone, only what it committed remains.
        var second = new TelemetryServer(database, _spans);
        await second.InitializeAsync();
        try
        {
            var client = second.Client();
            await (await client.PostJson($"/api/executions/{id}/events/approval", """{ "payload": { "approved": true } }""")).Expect(HttpStatusCode.Accepted);
            var done = await client.WaitFinished(id);
            Assert.Equal("completed", (string?)done["status"]);
        }
        finally
        {
            await second.DisposeAsync();
        }

        var root = ExecutionTrace.ContextOf(id);
        var trace = _spans.InTrace(root.TraceId.ToHexString());

        // A span per attempt, each a child of the execution's root: the retried call twice, then the step run after the restart.
        var steps = trace.Where(s => s.Source.Name == FlowForgeTelemetry.Name && s.OperationName.StartsWith("step ", StringComparison.Ordinal)).ToList();
        Assert.Equal(["call#1:failed", "call#2:completed", "notify#1:completed"],
            steps.Select(s => $"{Tag(s, "flowforge.step.key")}#{Tag(s, "flowforge.step.attempt")}:{Tag(s, FlowForgeTelemetry.OutcomeTag)}").Order().ToList());
        Assert.All(steps, s => Assert.Equal(root.SpanId, s.ParentSpanId));
        Assert.All(steps, s => Assert.Equal(id, Tag(s, FlowForgeTelemetry.ExecutionTag)));
        Assert.Equal(ActivityStatusCode.Error, steps.Single(s => Tag(s, "flowforge.step.attempt") == "1" && Tag(s, "flowforge.step.key") == "call").Status);

        // Outgoing provider calls are children of the attempt that made them.
        var calls = trace.Where(s => s.Source.Name == "System.Net.Http").ToList();
        Assert.Equal(3, calls.Count);
        Assert.All(calls, c => Assert.Contains(steps, s => s.SpanId == c.ParentSpanId));

        // The run's own span covers it from acceptance to the end, with its outcome; its commits are in the trace too.
        var execution = Assert.Single(trace, s => s.OperationName == "flowforge.execution");
        Assert.Equal(ActivityStatusCode.Ok, execution.Status);
        Assert.Equal(root.SpanId, execution.ParentSpanId);
        Assert.Contains(trace, s => s.OperationName == "flowforge.commit");

        // The request that started it lives in its own trace and links to the execution's; the start links back to it.
        var request = Assert.Single(_spans.All(), s => s.Source.Name == "Microsoft.AspNetCore" && s.Links.Any(l => l.Context.TraceId == root.TraceId));
        Assert.EndsWith("/execute", Tag(request, "url.path"));
        Assert.NotEqual(root.TraceId, request.TraceId);
        var start = Assert.Single(trace, s => s.OperationName == "flowforge.execution.start");
        Assert.Contains(start.Links, l => l.Context.SpanId == request.SpanId && l.Context.TraceId == request.TraceId);
    }

    private static string? Tag(Activity span, string key) => span.TagObjects.FirstOrDefault(t => t.Key == key).Value is { } v
        ? Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture) : null;
}
