using System.Text.Json.Nodes;
using FlowForge.Core.Engine;
using FlowForge.Core.Engine.History;
using FlowForge.Core.Storage;
using static FlowForge.Core.Tests.Engine.DeciderHarness;

namespace FlowForge.Core.Tests.Engine;

/// <summary>
/// The decider is a pure function of the history: for every workflow run here, replaying any prefix of the
/// final history and deciding again gives exactly what was decided the first time.
/// </summary>
public class DeciderDeterminismTests
{
    private static readonly string[] ScenarioNames =
    [
        "sequence", "diamond", "conditionJoin", "abSplit", "loop", "parallelLoop", "nestedLoop", "retry", "retryExhausted",
        "onErrorError", "approval", "approvalBuffered", "approvalTimeout", "delay", "delayJoin", "subworkflow", "cancelWaiting", "resume",
    ];

    public static TheoryData<string> Scenarios => new(ScenarioNames);

    private static DeciderHarness Run(string scenario)
    {
        DeciderHarness h;
        switch (scenario)
        {
            case "sequence":
                h = For(DeciderRoutingTests.Sequence);
                h.Start(new JsonObject { ["name"] = "ann" });
                h.RunActivities();
                break;
            case "diamond":
                h = For(DeciderBranchAndLoopTests.Diamond);
                h.Start();
                h.Answer("c", s => Ok(s));
                h.Answer("a", s => Ok(s));
                h.Answer("b", s => Ok(s));
                h.RunActivities();
                break;
            case "conditionJoin":
                h = For(DeciderBranchAndLoopTests.ConditionJoin);
                h.Start(new JsonObject { ["vip"] = false });
                h.RunActivities();
                break;
            case "abSplit":
                h = For("""
                    {"nodes":[
                      {"id":"t","type":"trigger_manual"},
                      {"id":"ab","type":"logic_ab_split","config":{"variants":[{"name":"a","weight":1},{"name":"b","weight":1}]}},
                      {"id":"va","type":"action_http","config":{"url":"https://x/a"}},
                      {"id":"vb","type":"action_http","config":{"url":"https://x/b"}}
                    ],"edges":[{"source":"t","target":"ab"},{"source":"ab","target":"va","sourceHandle":"a"},{"source":"ab","target":"vb","sourceHandle":"b"}]}
                    """);
                h.Start();
                h.RunActivities();
                break;
            case "loop":
                h = For(DeciderBranchAndLoopTests.NestedLoops.Replace("\"items\":\"{{vars.item.members}}\"", "\"items\":[]"));
                h.Start();
                h.RunActivities();
                h = For("""
                    {"nodes":[
                      {"id":"t","type":"trigger_manual"},
                      {"id":"loop","type":"logic_loop","config":{"items":["x","y","z"]}},
                      {"id":"c","type":"logic_condition","config":{"condition":"{{vars.index}} == 1"}},
                      {"id":"body","type":"action_http","config":{"url":"https://x/{{item}}"}},
                      {"id":"v","type":"logic_set_variable","config":{"variables":{"seen":"{{item}}"}}},
                      {"id":"end","type":"action_http","config":{"url":"https://x/end","body":"{{steps.loop.results}}"}}
                    ],"edges":[
                      {"source":"t","target":"loop"},{"source":"loop","target":"c","sourceHandle":"item"},
                      {"source":"c","target":"body","sourceHandle":"false"},{"source":"c","target":"v","sourceHandle":"true"},
                      {"source":"body","target":"loop"},{"source":"v","target":"loop"},{"source":"loop","target":"end","sourceHandle":"done"}
                    ]}
                    """);
                h.Start();
                h.RunActivities();
                break;
            case "parallelLoop":
                h = For("""
                    {"nodes":[
                      {"id":"t","type":"trigger_manual"},
                      {"id":"loop","type":"logic_loop","config":{"items":[1,2,3,4,5],"mode":"parallel","maxParallelism":2}},
                      {"id":"body","type":"action_http","config":{"url":"https://x/{{item}}","retry":{"maxAttempts":2}}}
                    ],"edges":[{"source":"t","target":"loop"},{"source":"loop","target":"body","sourceHandle":"item"},{"source":"body","target":"loop"}]}
                    """);
                h.Start();
                while (h.OpenActivities() is { Count: > 0 } open)
                {
                    h.Answer(open[^1].StepKey, s => s.StepKey == "body/loop[2]" && s.Attempt == 1 ? Fail(s) : Ok(s));
                    h.FireDueTimers(TimeSpan.FromSeconds(1));
                }
                break;
            case "nestedLoop":
                h = For(DeciderBranchAndLoopTests.NestedLoops);
                h.Start();
                h.RunActivities();
                break;
            case "retry":
                h = For(DeciderFailureTests.Retrying);
                h.Start();
                h.RunToQuiescence(s => s.StepKey == "flaky" && s.Attempt < 3 ? Fail(s) : Ok(s));
                break;
            case "retryExhausted":
                h = For(DeciderFailureTests.Retrying);
                h.Start();
                h.RunToQuiescence(s => s.StepKey == "flaky" ? Fail(s) : Ok(s));
                break;
            case "onErrorError":
                h = For(DeciderFailureTests.Retrying.Replace("\"maxInterval\":\"1m\"}", "\"maxInterval\":\"1m\"},\"onError\":\"error\""));
                h.Start();
                h.RunToQuiescence(s => s.StepKey == "flaky" ? Fail(s) : Ok(s));
                break;
            case "approval":
                h = For(DeciderWaitTests.ApprovalFlow);
                h.Start(new JsonObject { ["amount"] = 3 });
                h.RunActivities();
                h.Now += TimeSpan.FromHours(3);
                h.Raise("approval", new JsonObject { ["approved"] = true, ["by"] = "bob" });
                h.RunActivities();
                break;
            case "approvalBuffered":
                h = For(DeciderWaitTests.ApprovalFlow);
                h.Start();
                h.Raise("approval", new JsonObject { ["approved"] = false });
                h.RunActivities();
                break;
            case "approvalTimeout":
                h = For(DeciderWaitTests.ApprovalFlow);
                h.Start();
                h.RunActivities();
                h.FireDueTimers(TimeSpan.FromDays(3));
                h.RunActivities();
                break;
            case "delay":
                h = For("""
                    {"nodes":[
                      {"id":"t","type":"trigger_manual"},
                      {"id":"d","type":"logic_delay","config":{"duration":"{{trigger.wait}}"}},
                      {"id":"a","type":"action_http","config":{"url":"https://x/{{steps.d.waited_until}}"}}
                    ],"edges":[{"source":"t","target":"d"},{"source":"d","target":"a"}]}
                    """);
                h.Start(new JsonObject { ["wait"] = "90s" });
                h.FireDueTimers(TimeSpan.FromMinutes(2));
                h.RunActivities();
                break;
            case "delayJoin":
                // The delay's output is read by a step scheduled in a later turn, from the stored history.
                h = For("""
                    {"nodes":[
                      {"id":"t","type":"trigger_manual"},
                      {"id":"d","type":"logic_delay","config":{"duration":"1m"}},
                      {"id":"a","type":"action_http","config":{"url":"https://x/a"}},
                      {"id":"j","type":"action_http","config":{"url":"https://x/j","body":{"at":"{{steps.d.waited_until}}","started":"{{execution.startedAt}}"}}}
                    ],"edges":[{"source":"t","target":"d"},{"source":"t","target":"a"},{"source":"d","target":"j"},{"source":"a","target":"j"}]}
                    """);
                h.Start();
                h.FireDueTimers(TimeSpan.FromMinutes(1));
                h.RunActivities();
                break;
            case "subworkflow":
                h = For("""
                    {"nodes":[
                      {"id":"t","type":"trigger_manual"},
                      {"id":"sub","type":"logic_subworkflow","config":{"workflowId":"wf_child","input":{"x":"{{trigger.x}}"}}},
                      {"id":"a","type":"action_http","config":{"url":"https://x/{{steps.sub.y}}"}}
                    ],"edges":[{"source":"t","target":"sub"},{"source":"sub","target":"a"}]}
                    """);
                h.Start(new JsonObject { ["x"] = 1 });
                h.Deliver(new ChildCompleted("sub", h.Events<ChildRequested>().Single().ChildExecutionId, new JsonObject { ["y"] = 2 }));
                h.RunActivities();
                break;
            case "cancelWaiting":
                h = For(DeciderWaitTests.ApprovalFlow);
                h.Start();
                h.RunActivities();
                h.Cancel();
                break;
            case "resume":
                h = For(DeciderBranchAndLoopTests.Diamond.Replace("\"url\":\"https://x/b\"", "\"url\":\"https://x/b\",\"retry\":{\"maxAttempts\":1}"));
                h.Start();
                h.Answer("a", s => Ok(s));
                h.Answer("b", s => Fail(s));
                h.Resume();
                h.RunActivities();
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(scenario));
        }
        Assert.True(ExecutionStatus.IsTerminal(h.Status), $"{scenario} ended {h.Status}");
        return h;
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void EveryPrefix_TheWaitEventsAlone_GiveTheSameAwaitedEventsAsTheWholeHistory(string scenario)
    {
        // What RaiseEvent reads (only ExecutionState.WaitEventTypes, not every step's output) must answer as the whole history does.
        var h = Run(scenario);
        for (var n = 0; n <= h.History.Count; n++)
        {
            var prefix = h.History.Take(n).ToList();
            var whole = ExecutionState.Replay(h.ExecutionId, prefix).Steps
                .Where(s => s.Phase == StepPhase.Waiting && s.EventName is not null).Select(s => s.EventName!).Distinct().ToList();
            var partial = ExecutionState.AwaitedEvents(h.ExecutionId, prefix.Where(e => ExecutionState.WaitEventTypes.Contains(e.GetType())));
            Assert.Equal(whole, partial);
        }
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void EveryTurnBoundary_ReplayThenDecide_ReproducesTheRecordedDecisions(string scenario)
    {
        var h = Run(scenario);
        Assert.True(h.Turns.Count > 1);
        foreach (var turn in h.Turns)
        {
            // Just before the turn's decisions (its accepted messages applied): the same decisions, byte for byte.
            var before = RoundTrip(h.History.Take(turn.DecisionsStart));
            var r = Decider.Decide(h.Graph, ExecutionState.Replay(h.ExecutionId, before), []);
            Assert.Equal(Json(h.History.Skip(turn.DecisionsStart).Take(turn.End - turn.DecisionsStart)), Json(r.Decisions));
            Assert.Equal(turn.Status, r.Status);

            // At the end of the turn: nothing more to decide until a message comes.
            var after = RoundTrip(h.History.Take(turn.End));
            var idle = Decider.Decide(h.Graph, ExecutionState.Replay(h.ExecutionId, after), []);
            Assert.Empty(idle.Decisions);
            Assert.Equal(turn.Status, idle.Status);
            Assert.Equal(turn.Status, ExecutionState.Replay(h.ExecutionId, after).Status);
        }
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void EveryPrefix_ReplaysWithoutThrowing_AndDecidesTheSameTwice(string scenario)
    {
        var h = Run(scenario);
        for (var n = 0; n <= h.History.Count; n++)
        {
            var prefix = h.History.Take(n).ToList();
            var first = Decider.Decide(h.Graph, ExecutionState.Replay(h.ExecutionId, prefix), []);
            var second = Decider.Decide(h.Graph, ExecutionState.Replay(h.ExecutionId, RoundTrip(prefix)), []);
            Assert.Equal(Json(first.Decisions), Json(second.Decisions));
            Assert.Equal(first.Status, second.Status);
        }
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void FullHistory_ReplayedAndDecided_YieldsNothingNew(string scenario)
    {
        var h = Run(scenario);
        var state = ExecutionState.Replay(h.ExecutionId, RoundTrip(h.History));
        var r = Decider.Decide(h.Graph, state, []);
        Assert.Empty(r.Decisions);
        Assert.Equal(h.Status, r.Status);
        Assert.Equal(h.History.Count, state.EventCount);
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void CachedState_AcrossTurns_DecidesLikeAFreshReplay(string scenario)
    {
        // The dispatcher may keep one state between turns and only apply new events: same result.
        var h = Run(scenario);
        var state = new ExecutionState(h.ExecutionId);
        foreach (var turn in h.Turns)
        {
            var inbox = h.History.Skip(turn.Start).Take(turn.DecisionsStart - turn.Start).ToList();
            var r = Decider.Decide(h.Graph, state, inbox);
            Assert.Equal(Json(inbox), Json(r.Accepted));
            Assert.Equal(Json(h.History.Skip(turn.DecisionsStart).Take(turn.End - turn.DecisionsStart)), Json(r.Decisions));
        }
    }

    [Fact]
    public void EveryHistoryEventType_RoundTripsThroughJson()
    {
        var types = new HashSet<Type>();
        foreach (var scenario in ScenarioNames)
        {
            var h = Run(scenario);
            Assert.Equal(Json(h.History), Json(RoundTrip(h.History)));
            types.UnionWith(h.History.Select(e => e.GetType()));
        }
        // The scenarios exercise every kind of event but ChildFailed.
        var all = typeof(HistoryEvent).Assembly.GetTypes().Where(t => t.IsSubclassOf(typeof(HistoryEvent)) && !t.IsAbstract).ToHashSet();
        all.ExceptWith(types);
        Assert.Equal([typeof(ChildFailed)], all);
    }
}
