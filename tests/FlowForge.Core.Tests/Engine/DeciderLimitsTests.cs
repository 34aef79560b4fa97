using System.Text.Json.Nodes;
using FlowForge.Core.Catalog;
using FlowForge.Core.Engine;
using FlowForge.Core.Engine.History;
using FlowForge.Core.Storage;

namespace FlowForge.Core.Tests.Engine;

/// <summary>The limits the host gives the decider: part of its input, enforced deterministically.</summary>
public class DeciderLimitsTests
{
    private static readonly DateTimeOffset Epoch = new(2025, 1, 1, 9, 0, 0, TimeSpan.Zero);

    private const string SubworkflowGraph = """
        {"nodes":[{"id":"t","type":"trigger_manual"},
                  {"id":"sub","type":"logic_subworkflow","config":{"workflowId":"wf_child","waitForCompletion":false}}],
         "edges":[{"source":"t","target":"sub"}]}
        """;

    private static DeciderResult FirstTurn(string graphJson, EngineLimits limits, int depth = 0, JsonNode? trigger = null) =>
        Decider.Decide(new GraphIndex(Flow.Parse(graphJson), NodeCatalog.Default), ExecutionState.Replay("ex_1", []),
            [new ExecutionStarted("wf", 1, trigger ?? new JsonObject(), Depth: depth) { Timestamp = Epoch }], limits);

    [Fact]
    public void Subworkflow_BelowTheDepthLimit_StartsItsChild()
    {
        var r = FirstTurn(SubworkflowGraph, new EngineLimits(MaxSubworkflowDepth: 3), depth: 2);
        Assert.Single(r.Decisions.OfType<ChildRequested>());
        Assert.Equal(ExecutionStatus.Completed, r.Status);
    }

    [Fact]
    public void Subworkflow_AtTheDepthLimit_FailsItsStepNamingTheSetting_AndStartsNothing()
    {
        var r = FirstTurn(SubworkflowGraph, new EngineLimits(MaxSubworkflowDepth: 3), depth: 3);
        Assert.Empty(r.Decisions.OfType<ChildRequested>());
        var failed = Assert.Single(r.Decisions.OfType<StepFailed>());
        Assert.Contains("exceeds Engine__MaxSubworkflowDepth (3)", failed.Error);
        Assert.Equal(ExecutionStatus.Failed, r.Status);
    }

    [Fact]
    public void Subworkflow_WhenTheHostRefusesChildStarts_FailsItsStepWithTheHostsMessage()
    {
        var r = FirstTurn(SubworkflowGraph, new EngineLimits(ChildStartRefusal: "quota says no (Limits__X)"));
        Assert.Empty(r.Decisions.OfType<ChildRequested>());
        Assert.Contains("quota says no (Limits__X)", Assert.Single(r.Decisions.OfType<StepFailed>()).Error);
    }

    [Fact]
    public void SetVariable_LargerThanTheOutputLimit_FailsNamingTheSetting_TheSameEveryTime()
    {
        const string graph = """
            {"nodes":[{"id":"t","type":"trigger_manual"},
                      {"id":"v","type":"logic_set_variable","config":{"variables":{"x":"{{trigger.s}}{{trigger.s}}{{trigger.s}}"}}}],
             "edges":[{"source":"t","target":"v"}]}
            """;
        var trigger = new JsonObject { ["s"] = new string('a', 500) };

        var first = FirstTurn(graph, new EngineLimits(MaxStepOutputBytes: 1024), trigger: trigger);
        var again = FirstTurn(graph, new EngineLimits(MaxStepOutputBytes: 1024), trigger: trigger);

        Assert.Contains("exceeds Limits__MaxStepOutputBytes (1024)", Assert.Single(first.Decisions.OfType<StepFailed>()).Error);
        Assert.Equal(first.Decisions.Select(StoredEvent.Serialize), again.Decisions.Select(StoredEvent.Serialize));
        Assert.Equal(ExecutionStatus.Completed, FirstTurn(graph, new EngineLimits(MaxStepOutputBytes: 4096), trigger: trigger).Status);
    }

    [Fact]
    public void LoopWhoseResultsTogetherExceedTheLimit_FailsTheLoop()
    {
        const string graph = """
            {"nodes":[{"id":"t","type":"trigger_manual"},
                      {"id":"loop","type":"logic_loop","config":{"items":[1,2,3,4,5,6,7,8]}},
                      {"id":"body","type":"logic_set_variable","config":{"variables":{"x":"{{trigger.s}}"}}}],
             "edges":[{"source":"t","target":"loop"},{"source":"loop","target":"body","sourceHandle":"item"},{"source":"body","target":"loop"}]}
            """;
        var r = FirstTurn(graph, new EngineLimits(MaxStepOutputBytes: 2048), trigger: new JsonObject { ["s"] = new string('a', 500) });

        var failed = Assert.Single(r.Decisions.OfType<StepFailed>());
        Assert.Equal("loop", failed.NodeId);
        Assert.Contains("Limits__MaxStepOutputBytes (2048)", failed.Error);
    }
}
