using FlowForge.Core.Engine.History;
using FlowForge.Core.Storage;
using Microsoft.DurableTask.Client;

namespace FlowForge.Functions.Tests.Orchestration;

/// <summary>Steps, routing and data flow through the orchestration: real handlers over loopback, the decider's routing.</summary>
[Collection(OrchestrationCollection.Name)]
public sealed class StepsAndRoutingTests(OrchestrationHost host)
{
    private static string Tag() => Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task Sequence_RunsTheHttpStepThroughTheHandler_AndTemplatesCarryItsOutputToTheNextStep()
    {
        var tag = Tag();
        var wf = await host.PublishAsync($$$"""
            { "name": "seq", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "call", "type": "action_http", "config": { "method": "POST", "url": "{{{host.Provider.Url($"/ok/{tag}")}}}", "body": { "who": "{{trigger.name}}" } } },
                { "id": "set", "type": "logic_set_variable", "config": { "variables": { "answer": "{{steps.call.body.name}} for {{trigger.name}}" } } } ],
              "edges": [ { "source": "t", "target": "call" }, { "source": "call", "target": "set" } ] }
            """);
        var id = await host.StartAsync(wf, new { name = "Ada" });
        var done = await host.WaitAsync(id);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.Instance.RuntimeStatus);
        Assert.Equal(ExecutionStatus.Completed, done.Outcome!.Status);
        Assert.Equal(ExecutionStatus.Completed, done.Record.Status);
        Assert.Equal($"{tag} for Ada", (string?)done.Output!["answer"]);
        Assert.Equal($"{tag} for Ada", (string?)done.Outcome.Output!["answer"]);
        Assert.Equal(["t", "call", "set"], done.Completed.Select(c => c.NodeId));
        // The handler ran once, with the step's idempotency key, and its body template was resolved.
        Assert.Equal(1, host.Provider.Calls($"/ok/{tag}"));
        Assert.Contains(host.Provider.Requests, r => r.Path == $"/ok/{tag}" && r.IdempotencyKey == $"{id}:call:1");
        Assert.Contains(host.Provider.Requests, r => r.Path == $"/ok/{tag}" && r.Body.Contains("Ada", StringComparison.Ordinal));
        Assert.IsType<ExecutionStarted>(done.History[0]);
        Assert.IsType<ExecutionCompleted>(done.History[^1]);
        Assert.Equal(done.History.Count, done.Record.LastSequence);
    }

    [Fact]
    public async Task Condition_TakesTheMatchingPort_OnBothSides_AndNeverRunsTheOtherBranch()
    {
        var wf = await host.PublishAsync("""
            { "name": "cond", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "c", "type": "logic_condition", "config": { "condition": "{{trigger.score}} > 5 AND {{trigger.kind}} == 'vip'" } },
                { "id": "yes", "type": "logic_set_variable", "config": { "variables": { "route": "yes" } } },
                { "id": "no", "type": "logic_set_variable", "config": { "variables": { "route": "no" } } } ],
              "edges": [ { "source": "t", "target": "c" }, { "source": "c", "target": "yes", "sourceHandle": "true" }, { "source": "c", "target": "no", "sourceHandle": "false" } ] }
            """);
        var high = await host.WaitAsync(await host.StartAsync(wf, new { score = 9, kind = "vip" }));
        Assert.Equal("yes", (string?)high.Output!["route"]);
        Assert.Equal("true", high.Step("c").Port);
        Assert.False(high.Ran("no"));
        var low = await host.WaitAsync(await host.StartAsync(wf, new { score = 2, kind = "vip" }));
        Assert.Equal("no", (string?)low.Output!["route"]);
        Assert.Equal("false", low.Step("c").Port);
        Assert.False(low.Ran("yes"));
    }

    [Fact]
    public async Task Variables_SetByOneStep_AreReadByTheNext()
    {
        var wf = await host.PublishAsync("""
            { "name": "vars", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "a", "type": "logic_set_variable", "config": { "variables": { "greeting": "hi {{trigger.name}}" } } },
                { "id": "b", "type": "logic_set_variable", "config": { "variables": { "shout": "{{vars.greeting}}!" } } } ],
              "edges": [ { "source": "t", "target": "a" }, { "source": "a", "target": "b" } ] }
            """);
        var done = await host.WaitAsync(await host.StartAsync(wf, new { name = "Lin" }));
        Assert.Equal("hi Lin!", (string?)done.Output!["shout"]);
    }

    [Fact]
    public async Task AbSplit_TakesOneVariant_TheSameOneOnEveryReplay()
    {
        var wf = await host.PublishAsync("""
            { "name": "ab", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "split", "type": "logic_ab_split", "config": { "variants": [ { "name": "a", "weight": 1 }, { "name": "b", "weight": 1 } ] } },
                { "id": "va", "type": "logic_set_variable", "config": { "variables": { "variant": "a" } } },
                { "id": "vb", "type": "logic_set_variable", "config": { "variables": { "variant": "b" } } } ],
              "edges": [ { "source": "t", "target": "split" }, { "source": "split", "target": "va", "sourceHandle": "a" }, { "source": "split", "target": "vb", "sourceHandle": "b" } ] }
            """);
        var done = await host.WaitAsync(await host.StartAsync(wf));
        var port = done.Step("split").Port;
        Assert.Contains(port, new[] { "a", "b" });
        Assert.Equal(port, (string?)done.Output!["variant"]);
        // Only the chosen branch ran.
        Assert.False(done.Ran(port == "a" ? "vb" : "va"));
    }

    [Fact]
    public async Task Loop_FansOutItsBody_AndJoinsOnDone()
    {
        var tag = Tag();
        var wf = await host.PublishAsync($$$"""
            { "name": "loop", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "each", "type": "logic_loop", "config": { "items": "{{trigger.names}}", "mode": "parallel", "maxParallelism": 3 } },
                { "id": "greet", "type": "action_http", "config": { "method": "POST", "url": "{{{host.Provider.Url($"/ok/{tag}")}}}", "body": { "n": "{{vars.item}}" } } },
                { "id": "after", "type": "logic_set_variable", "config": { "variables": { "count": "{{steps.each.count}}" } } } ],
              "edges": [ { "source": "t", "target": "each" }, { "source": "each", "target": "greet", "sourceHandle": "item" },
                         { "source": "greet", "target": "each" }, { "source": "each", "target": "after", "sourceHandle": "done" } ] }
            """);
        var id = await host.StartAsync(wf, new { names = new[] { "a", "b", "c" } });
        var done = await host.WaitAsync(id);
        Assert.Equal(ExecutionStatus.Completed, done.Record.Status);
        Assert.Equal(3, host.Provider.Calls($"/ok/{tag}"));
        Assert.Equal(3, done.Completed.Count(c => c.NodeId == "greet"));
        Assert.Equal(3, (int)done.Step("each").Output!["count"]!);
        Assert.Equal("3", done.Output!["count"]!.ToString());
        // Parallel: the three iterations were scheduled in one turn, before any of them completed.
        var firstResult = done.History.ToList().FindIndex(e => e is StepCompleted { NodeId: "greet" });
        Assert.Equal(3, done.History.Take(firstResult).Count(e => e is StepScheduled { NodeId: "greet" }));
    }

    [Fact]
    public async Task ParallelBranches_JoinAfterBoth_AndTheBranchNotTakenIsEliminated()
    {
        var tag = Tag();
        var wf = await host.PublishAsync($$$"""
            { "name": "join", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "left", "type": "action_http", "config": { "method": "POST", "url": "{{{host.Provider.Url($"/ok/{tag}-left")}}}" } },
                { "id": "c", "type": "logic_condition", "config": { "condition": "{{trigger.ok}} == true" } },
                { "id": "right", "type": "action_http", "config": { "method": "POST", "url": "{{{host.Provider.Url($"/ok/{tag}-right")}}}" } },
                { "id": "dead", "type": "action_http", "config": { "method": "POST", "url": "{{{host.Provider.Url($"/ok/{tag}-dead")}}}" } },
                { "id": "join", "type": "logic_set_variable", "config": { "variables": { "both": "{{steps.left.body.name}}+{{steps.right.body.name}}" } } } ],
              "edges": [ { "source": "t", "target": "left" }, { "source": "t", "target": "c" },
                         { "source": "c", "target": "right", "sourceHandle": "true" }, { "source": "c", "target": "dead", "sourceHandle": "false" },
                         { "source": "left", "target": "join" }, { "source": "right", "target": "join" }, { "source": "dead", "target": "join" } ] }
            """);
        var done = await host.WaitAsync(await host.StartAsync(wf, new { ok = true }));
        Assert.Equal(ExecutionStatus.Completed, done.Record.Status);
        Assert.Equal($"{tag}-left+{tag}-right", (string?)done.Output!["both"]);
        Assert.Equal(0, host.Provider.Calls($"/ok/{tag}-dead"));
        // The join ran once, after both live branches, and did not wait for the eliminated one.
        Assert.Single(done.Completed, c => c.NodeId == "join");
        var order = done.Completed.Select(c => c.NodeId).ToList();
        Assert.True(order.IndexOf("join") > order.IndexOf("left") && order.IndexOf("join") > order.IndexOf("right"));
    }

    [Fact]
    public async Task OnError_ContinueAndErrorPort_KeepTheRunGoing()
    {
        var wf = await host.PublishAsync($$$"""
            { "name": "onerror", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "soft", "type": "action_http", "config": { "url": "{{{host.Provider.Url("/status/400")}}}", "onError": "continue" } },
                { "id": "routed", "type": "action_http", "config": { "url": "{{{host.Provider.Url("/status/400")}}}", "onError": "error" } },
                { "id": "handler", "type": "logic_set_variable", "config": { "variables": { "handled": "{{steps.routed.error}}" } } },
                { "id": "happy", "type": "logic_set_variable", "config": { "variables": { "happy": true } } } ],
              "edges": [ { "source": "t", "target": "soft" }, { "source": "soft", "target": "routed" },
                         { "source": "routed", "target": "handler", "sourceHandle": "error" }, { "source": "routed", "target": "happy" } ] }
            """);
        var done = await host.WaitAsync(await host.StartAsync(wf));
        Assert.Equal(ExecutionStatus.Completed, done.Record.Status);
        Assert.True(done.Step("soft").SettledByOnError);
        Assert.Contains("400", (string?)done.Step("soft").Output!["error"]);
        Assert.Equal("error", done.Step("routed").Port);
        Assert.Contains("400", (string?)done.Output!["handled"]);
        Assert.False(done.Ran("happy"));
    }

    [Fact]
    public async Task OnErrorStop_FailsTheExecution_WhichEndsItsDurableInstanceCompletedWithTheFailure()
    {
        var wf = await host.PublishAsync($$$"""
            { "name": "fail", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "call", "type": "action_http", "config": { "url": "{{{host.Provider.Url("/status/404")}}}" } },
                { "id": "never", "type": "logic_set_variable", "config": { "variables": { "a": 1 } } } ],
              "edges": [ { "source": "t", "target": "call" }, { "source": "call", "target": "never" } ] }
            """);
        var done = await host.WaitAsync(await host.StartAsync(wf));
        Assert.Equal(ExecutionStatus.Failed, done.Record.Status);
        Assert.Contains("404", done.Record.Error);
        Assert.Contains("'call'", done.Record.Error);
        // Not retryable (a 4xx): one attempt, and the next step never ran.
        Assert.Single(done.History.OfType<StepFailed>());
        Assert.False(done.Ran("never"));
        // The failure is the log's record; the Durable instance completes normally with it as its outcome.
        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.Instance.RuntimeStatus);
        Assert.Equal(ExecutionStatus.Failed, done.Outcome!.Status);
        Assert.Equal(done.Record.Error, done.Outcome.Error);
    }

    [Fact]
    public async Task Triggers_TheRunStartsFromItsTrigger_AndAnotherTriggerIsNotRun()
    {
        var wf = await host.PublishAsync("""
            { "name": "triggers", "nodes": [
                { "id": "manual", "type": "trigger_manual" },
                { "id": "hook", "type": "trigger_webhook", "config": { "auth": "none" } },
                { "id": "set", "type": "logic_set_variable", "config": { "variables": { "from": "{{trigger.from}}" } } } ],
              "edges": [ { "source": "manual", "target": "set" }, { "source": "hook", "target": "set" } ] }
            """);
        var done = await host.WaitAsync(await host.StartAsync(wf, new { from = "manual" }));
        Assert.Equal("manual", (string?)done.Output!["from"]);
        Assert.True(done.Ran("manual"));
        Assert.False(done.Ran("hook"));
        // The trigger step's output is the trigger data.
        Assert.Equal("manual", (string?)done.Step("manual").Output!["from"]);
    }
}
