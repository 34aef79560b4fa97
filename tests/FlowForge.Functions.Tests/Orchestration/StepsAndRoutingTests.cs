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
        Assert.Contains("Ada", (string?)done.Step("call").Output!["body"]!["echo"]);
        Assert.IsType<ExecutionStarted>(done.History[0]);
        Assert.IsType<ExecutionCompleted>(done.History[^1]);
        Assert.Equal(done.History.Count, done.Record.LastSequence);
    }
}
