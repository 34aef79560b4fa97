using System.Diagnostics;
using FlowForge.Core.Catalog;
using FlowForge.Core.Engine;
using FlowForge.Core.Engine.History;
using FlowForge.Core.Storage;
using Xunit.Abstractions;

namespace FlowForge.Functions.Tests.Orchestration;

/// <summary>
/// Replay determinism and the log's contents: every turn the orchestration recorded is exactly what the server's decider
/// decides from the same inbox (so the Table log holds the history the server would have stored), and the log row and live
/// progress follow the turns.
/// </summary>
[Collection(OrchestrationCollection.Name)]
public sealed class ReplayAndLogTests(OrchestrationHost host, ITestOutputHelper output)
{
    private static string Tag() => Guid.NewGuid().ToString("N")[..8];

    /// <summary>A workflow using most of the engine at once: a loop of HTTP calls, a retried call, a condition, a delay, an approval.</summary>
    private async Task<(string Id, int Version)> EverythingAsync(string tag) => await host.PublishAsync($$$"""
        { "name": "everything", "nodes": [
            { "id": "t", "type": "trigger_manual" },
            { "id": "each", "type": "logic_loop", "config": { "items": "{{trigger.names}}", "mode": "parallel", "maxParallelism": 2 } },
            { "id": "greet", "type": "action_http", "config": { "method": "POST", "url": "{{{host.Provider.Url($"/ok/{tag}")}}}", "body": { "n": "{{vars.item}}" } } },
            { "id": "flaky", "type": "action_http", "config": { "url": "{{{host.Provider.Url($"/flaky/{tag}?failures=1")}}}", "retry": { "maxAttempts": 2, "initialInterval": "50ms" } } },
            { "id": "c", "type": "logic_condition", "config": { "condition": "{{trigger.vip}} == true" } },
            { "id": "pause", "type": "logic_delay", "config": { "duration": "200ms" } },
            { "id": "approve", "type": "logic_approval", "config": { "timeout": "1h" } },
            { "id": "end", "type": "logic_set_variable", "config": { "variables": { "count": "{{steps.each.count}}", "flaky": "{{steps.flaky.body.ok}}" } } } ],
          "edges": [ { "source": "t", "target": "each" }, { "source": "each", "target": "greet", "sourceHandle": "item" },
                     { "source": "greet", "target": "each" }, { "source": "each", "target": "flaky", "sourceHandle": "done" },
                     { "source": "flaky", "target": "c" }, { "source": "c", "target": "pause", "sourceHandle": "true" },
                     { "source": "c", "target": "end", "sourceHandle": "false" },
                     { "source": "pause", "target": "approve" }, { "source": "approve", "target": "end", "sourceHandle": "approved" } ] }
        """);

    [Fact]
    public async Task EveryRecordedTurn_IsWhatTheServersDeciderDecides_FromTheSameInbox()
    {
        var tag = Tag();
        var wf = await EverythingAsync(tag);
        var id = await host.StartAsync(wf, new { names = new[] { "a", "b", "c" }, vip = true });
        await host.WaitForHistoryAsync(id, h => h.OfType<WaitStarted>().Any());
        await host.Client.RaiseEventAsync(id, "approval", new { approved = true, approvedBy = "ops" });
        var done = await host.WaitAsync(id);
        Assert.Equal(ExecutionStatus.Completed, done.Record.Status);
        Assert.Equal("3", done.Output!["count"]!.ToString());

        // Replay the recorded turns through the decider, as the server's dispatcher would: each turn is one accepted inbox
        // event (what a completed Durable task became) followed by the decisions it led to.
        var version = await ((IWorkflowStore)host.Services.GetService(typeof(IWorkflowStore))!).GetVersionAsync(OrchestrationHost.Org, wf.Id, wf.Version);
        var graph = new GraphIndex(version!.Definition.Graph, NodeCatalog.Default);
        var state = new ExecutionState(id);
        var turns = host.Log.Turns(id);
        // Start, three loop results, a failed and a retried attempt with its timer, the delay, the approval.
        Assert.Equal(9, turns.Count);
        foreach (var (afterSequence, events) in turns)
        {
            var result = Decider.Decide(graph, state, [events[0]]);
            Assert.Equal([RecordingExecutionLog.Json(events[0])], result.Accepted.Select(RecordingExecutionLog.Json));
            Assert.Equal(events.Skip(1).Select(RecordingExecutionLog.Json), result.Decisions.Select(RecordingExecutionLog.Json));
            Assert.Equal(afterSequence + events.Count, state.EventCount);
        }
        Assert.Equal(ExecutionStatus.Completed, state.TerminalStatus);
    }

    [Fact]
    public async Task TheLogRow_AndLiveProgress_FollowEveryTurn()
    {
        var tag = Tag();
        var wf = await EverythingAsync(tag);
        var id = await host.StartAsync(wf, new { names = new[] { "x" }, vip = false });
        var done = await host.WaitAsync(id);

        Assert.Equal(ExecutionStatus.Completed, done.Record.Status);
        Assert.Equal(done.History.Count, done.Record.LastSequence);
        Assert.Equal(done.Outcome!.Output!.ToJsonString(), done.Record.Output!.ToJsonString());
        Assert.NotNull(done.Record.CompletedAt);
        // vip false: the delay and approval branch was never entered.
        Assert.False(done.Ran("pause"));
        Assert.False(done.Ran("approve"));

        // One publish per recorded turn, contiguous, each after its append (the row's status already updated), the last one terminal.
        var turns = host.Log.Turns(id);
        var published = host.Publisher.Published[id].ToList();
        Assert.Equal(turns.Select(t => (t.AfterSequence, t.Events.Count)), published.Select(p => (p.AfterSequence, p.Count)));
        Assert.Equal(ExecutionStatus.Completed, published[^1].Status);
        Assert.Contains(published, p => p.Status == ExecutionStatus.Running);
    }

    /// <summary>The speed note for the README: a 10-step run on the in-process test host (not Azure). Reported, not asserted.</summary>
    [Fact]
    [Trait("Category", "Slow")]
    public async Task TenStepRun_Timing()
    {
        var tag = Tag();
        var nodes = string.Join(",", Enumerable.Range(1, 9).Select(i => i % 3 == 0
            ? $$$"""{ "id": "s{{{i}}}", "type": "action_http", "config": { "method": "POST", "url": "{{{host.Provider.Url($"/ok/{tag}")}}}" } }"""
            : $$$"""{ "id": "s{{{i}}}", "type": "logic_set_variable", "config": { "variables": { "v{{{i}}}": {{{i}}} } } }"""));
        var edges = string.Join(",", Enumerable.Range(1, 9).Select(i => $$"""{ "source": "{{(i == 1 ? "t" : $"s{i - 1}")}}", "target": "s{{i}}" }"""));
        var wf = await host.PublishAsync($$"""{ "name": "ten", "nodes": [ { "id": "t", "type": "trigger_manual" }, {{nodes}} ], "edges": [ {{edges}} ] }""");
        var times = new List<double>();
        for (var run = 0; run < 5; run++)
        {
            var watch = Stopwatch.StartNew();
            var done = await host.WaitAsync(await host.StartAsync(wf));
            times.Add(watch.Elapsed.TotalMilliseconds);
            Assert.Equal(ExecutionStatus.Completed, done.Record.Status);
            Assert.Equal(10, done.Completed.Count());
        }
        output.WriteLine($"10-step run (3 HTTP steps) on the in-process Durable Task test host: {string.Join(", ", times.Select(t => $"{t:0} ms"))}; median {times.Order().ElementAt(2):0} ms");
    }
}
