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

    private const string FanOutGraph = """
        {"nodes":[{"id":"t","type":"trigger_manual"},
                  {"id":"each","type":"logic_loop","config":{"items":[1,2,3],"mode":"parallel"}},
                  {"id":"sub","type":"logic_subworkflow","config":{"workflowId":"wf_child","waitForCompletion":false}}],
         "edges":[{"source":"t","target":"each"},{"source":"each","target":"sub","sourceHandle":"item"},{"source":"sub","target":"each"}]}
        """;

    [Fact]
    public void Subworkflow_WhenTheHostAllowsNoChildStarts_FailsItsStepRetryably_WithTheRefusalsRetryAfter()
    {
        var r = FirstTurn(SubworkflowGraph, new EngineLimits(ChildStarts: new ChildStartAllowance(0, "quota says no (Limits__X)", TimeSpan.FromSeconds(7))));
        Assert.Empty(r.Decisions.OfType<ChildRequested>());
        var failed = Assert.Single(r.Decisions.OfType<StepFailed>());
        Assert.Contains("quota says no (Limits__X)", failed.Error);
        Assert.True(failed.Retryable);
        Assert.Equal(TimeSpan.FromSeconds(7), failed.RetryAfter);
        // The step's retry policy applies: a retry timer at least RetryAfter away, not a failed run.
        var timer = Assert.Single(r.Decisions.OfType<TimerCreated>());
        Assert.Equal(TimerPurpose.Retry, timer.Purpose);
        Assert.True(timer.FireAt >= Epoch + TimeSpan.FromSeconds(7));
        Assert.NotEqual(ExecutionStatus.Failed, r.Status);
    }

    [Fact]
    public void LoopStartingMoreChildrenThanTheTurnsAllowance_StartsExactlyThatMany_AndFailsTheRestRetryably()
    {
        var r = FirstTurn(FanOutGraph, new EngineLimits(ChildStarts: new ChildStartAllowance(2, "quota says no (Limits__X)", TimeSpan.FromSeconds(1))));

        // Every refusal is in the history: no fire-and-forget step shows completed with a child that was never started.
        var requested = r.Decisions.OfType<ChildRequested>().ToList();
        Assert.Equal(2, requested.Count);
        var completed = r.Decisions.OfType<StepCompleted>().Where(c => c.NodeId == "sub").ToList();
        Assert.Equal(requested.Select(c => c.StepKey).Order(), completed.Select(c => c.StepKey).Order());
        var refused = Assert.Single(r.Decisions.OfType<StepFailed>(), f => f.NodeId == "sub");
        Assert.True(refused.Retryable);
        Assert.DoesNotContain(requested, c => c.StepKey == refused.StepKey);
    }

    [Fact]
    public void RefusedSubworkflow_WhenItsRetryIsDue_AsksForANewChild()
    {
        var graph = new GraphIndex(Flow.Parse(SubworkflowGraph), NodeCatalog.Default); // default policy: 3 attempts
        var state = ExecutionState.Replay("ex_1", []);
        var first = Decider.Decide(graph, state, [new ExecutionStarted("wf", 1, new JsonObject()) { Timestamp = Epoch }],
            new EngineLimits(ChildStarts: new ChildStartAllowance(0, "no", TimeSpan.FromSeconds(2))));
        var timer = Assert.Single(first.Decisions.OfType<TimerCreated>());

        var second = Decider.Decide(graph, state, [new TimerFired(timer.TimerId) { Timestamp = timer.FireAt }],
            new EngineLimits(ChildStarts: new ChildStartAllowance(1, "no", TimeSpan.FromSeconds(2))));

        var child = Assert.Single(second.Decisions.OfType<ChildRequested>());
        Assert.Equal("sub", child.StepKey);
        Assert.Empty(second.Decisions.OfType<StepScheduled>());
        Assert.Equal(ExecutionStatus.Completed, second.Status);
    }

    [Fact]
    public void ExecutionRecordingMoreStepsThanTheLimit_FailsNamingTheSetting_TheSameEveryTime()
    {
        const string graph = """
            {"nodes":[{"id":"t","type":"trigger_manual"},
                      {"id":"loop","type":"logic_loop","config":{"items":"{{trigger.items}}","maxIterations":10000}},
                      {"id":"body","type":"logic_set_variable","config":{"variables":{"x":"{{trigger.s}}"}}}],
             "edges":[{"source":"t","target":"loop"},{"source":"loop","target":"body","sourceHandle":"item"},{"source":"body","target":"loop"}]}
            """;
        var trigger = new JsonObject { ["items"] = new JsonArray([.. Enumerable.Range(0, 100).Select(i => (JsonNode?)i)]), ["s"] = "v" };

        var first = FirstTurn(graph, new EngineLimits(MaxStepsPerExecution: 50), trigger: trigger);
        var again = FirstTurn(graph, new EngineLimits(MaxStepsPerExecution: 50), trigger: trigger);

        Assert.Equal(ExecutionStatus.Failed, first.Status);
        Assert.Contains("exceeds Limits__MaxStepsPerExecution (50)", Assert.Single(first.Decisions.OfType<ExecutionFailed>()).Error);
        Assert.True(first.Decisions.OfType<StepCompleted>().Count(c => c.NodeId == "body") < 50);
        Assert.Equal(first.Decisions.Select(StoredEvent.Serialize), again.Decisions.Select(StoredEvent.Serialize));
        Assert.Equal(ExecutionStatus.Completed, FirstTurn(graph, new EngineLimits(MaxStepsPerExecution: 500), trigger: trigger).Status);
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
