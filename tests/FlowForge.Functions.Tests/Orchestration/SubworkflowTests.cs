using FlowForge.Core.Engine.History;
using FlowForge.Core.Storage;
using Microsoft.DurableTask.Client;

namespace FlowForge.Functions.Tests.Orchestration;

/// <summary>Sub-workflows as sub-orchestrations: instance id = the child execution id, the child's own log row, outcomes back to the parent.</summary>
[Collection(OrchestrationCollection.Name)]
public sealed class SubworkflowTests(OrchestrationHost host)
{
    private async Task<(string Id, int Version)> ParentOf(string childId) => await host.PublishAsync($$$"""
        { "name": "parent", "nodes": [
            { "id": "t", "type": "trigger_manual" },
            { "id": "sub", "type": "logic_subworkflow", "config": { "workflowId": "{{{childId}}}", "input": { "who": "{{trigger.name}}" } } },
            { "id": "use", "type": "logic_set_variable", "config": { "variables": { "got": "{{steps.sub.greeting}}" } } } ],
          "edges": [ { "source": "t", "target": "sub" }, { "source": "sub", "target": "use" } ] }
        """);

    [Fact]
    public async Task Child_RunsAsASubOrchestration_WithItsOwnLogRow_AndItsOutputFlowsBack()
    {
        var child = await host.PublishAsync("""
            { "name": "child", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "greet", "type": "logic_set_variable", "config": { "variables": { "greeting": "hi {{trigger.who}}" } } } ],
              "edges": [ { "source": "t", "target": "greet" } ] }
            """);
        var id = await host.StartAsync(await ParentOf(child.Id), new { name = "Lin" });
        var done = await host.WaitAsync(id);
        Assert.Equal(ExecutionStatus.Completed, done.Record.Status);
        Assert.Equal("hi Lin", (string?)done.Output!["got"]);

        var requested = Assert.Single(done.History.OfType<ChildRequested>());
        var completed = Assert.Single(done.History.OfType<ChildCompleted>());
        Assert.Equal(requested.ChildExecutionId, completed.ChildExecutionId);
        // The child's instance id is its execution id, and it wrote its own log row (the version published when it started).
        var instance = await host.Client.GetInstanceAsync(requested.ChildExecutionId);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, instance!.RuntimeStatus);
        var row = await host.Log.GetForHostAsync(requested.ChildExecutionId);
        Assert.NotNull(row);
        Assert.Equal(id, row.ParentExecutionId);
        Assert.Equal(child.Version, row.Version);
        Assert.Equal(ExecutionStatus.Completed, row.Status);
        var started = (ExecutionStarted)(await host.Log.GetHistoryAsync(requested.ChildExecutionId))[0];
        Assert.Equal((id, "sub", 1), (started.ParentExecutionId, started.ParentStepKey, started.Depth));
    }

    [Fact]
    public async Task ChildFailure_ReachesTheParentAsChildFailed_AndFailsItsStep()
    {
        var child = await host.PublishAsync($$$"""
            { "name": "failing child", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "call", "type": "action_http", "config": { "url": "{{{host.Provider.Url("/status/404")}}}" } } ],
              "edges": [ { "source": "t", "target": "call" } ] }
            """);
        var id = await host.StartAsync(await ParentOf(child.Id), new { name = "Lin" });
        var done = await host.WaitAsync(id);
        Assert.Equal(ExecutionStatus.Failed, done.Record.Status);
        var failed = Assert.Single(done.History.OfType<ChildFailed>());
        Assert.Contains($"Sub-workflow execution {failed.ChildExecutionId} failed", failed.Error);
        Assert.Contains("404", failed.Error);
        Assert.Contains("'sub'", done.Record.Error);
        Assert.False(done.Ran("use"));
        Assert.Equal(ExecutionStatus.Failed, (await host.Log.GetForHostAsync(failed.ChildExecutionId))!.Status);
    }

    [Fact]
    public async Task ChildOfAnUnpublishedWorkflow_FailsTheStep_WithoutALogRow()
    {
        var workflows = host.Services.GetService(typeof(IWorkflowStore)) as IWorkflowStore;
        var draft = await workflows!.CreateAsync(OrchestrationHost.Org, new WorkflowDefinition("draft", null, new Core.Model.WorkflowGraph([], []), null));
        var id = await host.StartAsync(await ParentOf(draft.Id));
        var done = await host.WaitAsync(id);
        Assert.Equal(ExecutionStatus.Failed, done.Record.Status);
        var failed = Assert.Single(done.History.OfType<ChildFailed>());
        Assert.Equal($"Workflow '{draft.Id}' has no published version.", failed.Error);
        Assert.Null(await host.Log.GetForHostAsync(failed.ChildExecutionId));
    }
}
