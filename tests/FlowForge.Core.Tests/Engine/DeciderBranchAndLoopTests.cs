using System.Text.Json.Nodes;
using FlowForge.Core.Engine;
using FlowForge.Core.Engine.History;
using FlowForge.Core.Storage;
using static FlowForge.Core.Tests.Engine.DeciderHarness;

namespace FlowForge.Core.Tests.Engine;

public class DeciderBranchAndLoopTests
{
    internal const string Diamond = """
        {"nodes":[
          {"id":"t","type":"trigger_manual"},
          {"id":"a","type":"action_http","config":{"url":"https://x/a"}},
          {"id":"b","type":"action_http","config":{"url":"https://x/b"}},
          {"id":"c","type":"action_http","config":{"url":"https://x/c"}},
          {"id":"j","type":"action_http","config":{"url":"https://x/j","body":"{{steps.a.input.url}} {{steps.b.input.url}} {{steps.c.input.url}}"}}
        ],"edges":[
          {"source":"t","target":"a"},{"source":"t","target":"b"},{"source":"t","target":"c"},
          {"source":"a","target":"j"},{"source":"b","target":"j"},{"source":"c","target":"j"}
        ]}
        """;

    [Fact]
    public void ParallelBranches_AllStartTogether_AndJoinWaitsForEveryLiveBranch()
    {
        var h = For(Diamond);
        var first = h.Start();
        Assert.Equal(["a", "b", "c"], first.Decisions.OfType<StepScheduled>().Select(s => s.StepKey));
        h.Answer("b", s => Ok(s));
        Assert.False(h.Ran("j"));
        h.Answer("a", s => Ok(s));
        Assert.False(h.Ran("j"));
        var last = h.Answer("c", s => Ok(s));
        var j = Assert.Single(last.Decisions.OfType<StepScheduled>());
        Assert.Equal("j", j.StepKey);
        Assert.Equal("https://x/a https://x/b https://x/c", j.Input!["body"]!.GetValue<string>());
        h.RunActivities();
        Assert.Single(h.Events<StepScheduled>(), s => s.StepKey == "j");
        Assert.Equal(ExecutionStatus.Completed, h.Status);
    }

    internal const string ConditionJoin = """
        {"nodes":[
          {"id":"t","type":"trigger_manual"},
          {"id":"c","type":"logic_condition","config":{"condition":"{{trigger.vip}} == true"}},
          {"id":"vip","type":"action_http","config":{"url":"https://x/vip"}},
          {"id":"std","type":"action_http","config":{"url":"https://x/std"}},
          {"id":"std2","type":"action_http","config":{"url":"https://x/std2"}},
          {"id":"j","type":"action_http","config":{"url":"https://x/join"}},
          {"id":"end","type":"action_http","config":{"url":"https://x/end"}}
        ],"edges":[
          {"source":"t","target":"c"},
          {"source":"c","target":"vip","sourceHandle":"true"},
          {"source":"c","target":"std","sourceHandle":"false"},
          {"source":"std","target":"std2"},
          {"source":"vip","target":"j"},{"source":"std2","target":"j"},
          {"source":"j","target":"end"}
        ]}
        """;

    [Theory]
    [InlineData(true, "vip,j,end")]
    [InlineData(false, "std,std2,j,end")]
    public void JoinAfterCondition_WithOneDeadBranch_RunsOnce(bool vip, string expected)
    {
        var h = For(ConditionJoin);
        h.Start(new JsonObject { ["vip"] = vip });
        h.RunActivities();
        Assert.Equal(expected.Split(','), h.ScheduledKeys());
        Assert.Equal(ExecutionStatus.Completed, h.Status);
    }

    [Fact]
    public void NodeWhoseIncomingAreAllDead_IsSkipped_AndItsSuccessorsToo()
    {
        var h = For("""
            {"nodes":[
              {"id":"t","type":"trigger_manual"},
              {"id":"c","type":"logic_condition","config":{"condition":"1 == 2"}},
              {"id":"x","type":"action_http","config":{"url":"https://x/x"}},
              {"id":"y","type":"action_http","config":{"url":"https://x/y"}},
              {"id":"z","type":"action_http","config":{"url":"https://x/z"}},
              {"id":"w","type":"action_http","config":{"url":"https://x/w"}}
            ],"edges":[
              {"source":"t","target":"c"},
              {"source":"c","target":"x","sourceHandle":"true"},
              {"source":"c","target":"y","sourceHandle":"true"},
              {"source":"x","target":"z"},{"source":"y","target":"z"},{"source":"z","target":"w"}
            ]}
            """);
        h.Start();
        Assert.Empty(h.ScheduledKeys());
        Assert.Equal(ExecutionStatus.Completed, h.Status);
        // The condition is the last leaf that completed (its false port leads nowhere).
        Assert.Equal("""{"result":false}""", h.Events<ExecutionCompleted>().Single().Output!.ToJsonString());
    }

    // ---------------- loops ----------------

    private static string LoopFlow(string loopConfig, string bodyUrl = "https://x/{{vars.item}}/{{vars.index}}/{{item}}") => $$$"""
        {"nodes":[
          {"id":"t","type":"trigger_manual"},
          {"id":"loop","type":"logic_loop","config":{{{loopConfig}}}},
          {"id":"body","type":"action_http","config":{"url":"{{{bodyUrl}}}","body":"{{steps.loop.item}}"}},
          {"id":"after","type":"action_http","config":{"url":"https://x/after","body":{"count":"{{steps.loop.count}}","results":"{{steps.loop.results}}"} } }
        ],"edges":[
          {"source":"t","target":"loop"},
          {"source":"loop","target":"body","sourceHandle":"item"},
          {"source":"body","target":"loop"},
          {"source":"loop","target":"after","sourceHandle":"done"}
        ]}
        """;

    [Fact]
    public void SequentialLoop_StartsIterationAfterThePreviousOne_WithItemTemplates()
    {
        var h = For(LoopFlow("""{"items":["a","b","c"]}"""));
        h.Start();
        Assert.Single(h.Events<LoopStarted>());
        Assert.Equal(["body/loop[0]"], h.OpenActivities().Select(a => a.StepKey));
        h.Answer("body/loop[0]", s => Ok(s));
        Assert.Equal(["body/loop[1]"], h.OpenActivities().Select(a => a.StepKey));
        h.Answer("body/loop[1]", s => Ok(s));
        Assert.Equal(["body/loop[2]"], h.OpenActivities().Select(a => a.StepKey));
        var s2 = h.Events<StepScheduled>().Single(s => s.StepKey == "body/loop[2]");
        Assert.Equal("https://x/c/2/c", s2.Input!["url"]!.GetValue<string>());
        Assert.Equal("c", s2.Input!["body"]!.GetValue<string>());
        Assert.Null(s2.Warnings);
        h.RunActivities();

        var loop = h.CompletedOf("loop");
        Assert.Equal("done", loop.Port);
        Assert.Equal(3, loop.Output!["count"]!.GetValue<int>());
        var results = loop.Output!["results"]!.AsArray();
        Assert.Equal(["https://x/a/0/a", "https://x/b/1/b", "https://x/c/2/c"], results.Select(r => r!["input"]!["url"]!.GetValue<string>()));
        var after = h.Events<StepScheduled>().Single(s => s.StepKey == "after");
        Assert.Equal(3, after.Input!["body"]!["count"]!.GetValue<int>());
        Assert.Equal(3, after.Input!["body"]!["results"]!.AsArray().Count);
        Assert.Equal(ExecutionStatus.Completed, h.Status);
        // Loop-scoped vars do not leak to the top level.
        Assert.False(h.State.Vars.ContainsKey("item"));
    }

    [Fact]
    public void ParallelLoop_IsBoundedByMaxParallelism()
    {
        var h = For(LoopFlow("""{"items":[1,2,3,4,5],"mode":"parallel","maxParallelism":2}"""));
        h.Start();
        Assert.Equal(["body/loop[0]", "body/loop[1]"], h.OpenActivities().Select(a => a.StepKey));
        // Finishing the second frees one slot: the third item starts while the first still runs.
        h.Answer("body/loop[1]", s => Ok(s));
        Assert.Equal(["body/loop[0]", "body/loop[2]"], h.OpenActivities().Select(a => a.StepKey));
        var maxInFlight = 0;
        while (h.OpenActivities() is { Count: > 0 } open)
        {
            maxInFlight = Math.Max(maxInFlight, open.Count);
            h.Answer(open[^1].StepKey, s => Ok(s, new JsonObject { ["i"] = s.Input!["body"]!.DeepClone() }));
        }
        Assert.Equal(2, maxInFlight);
        var loop = h.CompletedOf("loop");
        // Results are in item order, whatever order the iterations finished in.
        Assert.Equal([1, 2, 3, 4, 5], loop.Output!["results"]!.AsArray().Select(r => r!["i"] is { } i ? i.GetValue<int>() : r!["input"]!["body"]!.GetValue<int>()));
        h.RunActivities();
        Assert.Equal(ExecutionStatus.Completed, h.Status);
    }

    [Fact]
    public void ParallelLoop_DefaultsToTenInFlight()
    {
        var items = new JsonArray([.. Enumerable.Range(0, 15).Select(i => (JsonNode)i)]);
        var h = For(LoopFlow($$"""{"items":{{items.ToJsonString()}},"mode":"parallel"}"""));
        h.Start();
        Assert.Equal(10, h.OpenActivities().Count);
        h.RunActivities();
        Assert.Equal(15, h.CompletedOf("loop").Output!["count"]!.GetValue<int>());
    }

    [Fact]
    public void EmptyLoop_IsDoneAtOnce()
    {
        var h = For(LoopFlow("""{"items":[]}"""));
        h.Start();
        var loop = h.CompletedOf("loop");
        Assert.Equal("""{"results":[],"count":0}""", loop.Output!.ToJsonString());
        Assert.Equal(["after"], h.ScheduledKeys());
    }

    [Fact]
    public void LoopLongerThanMaxIterations_FailsTheStepWithAClearMessage()
    {
        var h = For(LoopFlow("""{"items":[1,2,3,4],"maxIterations":3}"""));
        h.Start();
        var failed = Assert.Single(h.Events<StepFailed>());
        Assert.Equal("loop", failed.StepKey);
        Assert.Contains("4 entries, more than maxIterations (3)", failed.Error);
        var ef = Assert.IsType<ExecutionFailed>(h.History[^1]);
        Assert.Contains("Step 'loop' (logic_loop) failed", ef.Error);
        Assert.Contains("maxIterations", ef.Error);
        Assert.Empty(h.ScheduledKeys());
    }

    [Fact]
    public void LoopItems_NotAList_FailsTheStep()
    {
        var h = For(LoopFlow("""{"items":"{{trigger.name}}"}"""));
        h.Start(new JsonObject { ["name"] = "ann" });
        Assert.Contains("'items' must be a list", Assert.Single(h.Events<StepFailed>()).Error);
        Assert.Equal(ExecutionStatus.Failed, h.Status);
    }

    [Fact]
    public void LoopItems_FromTemplate_OfAPreviousStep()
    {
        var h = For("""
            {"nodes":[
              {"id":"t","type":"trigger_manual"},
              {"id":"fetch","type":"action_http","config":{"url":"https://x/list"}},
              {"id":"loop","type":"logic_loop","config":{"items":"{{steps.fetch.list}}"}},
              {"id":"body","type":"action_http","config":{"url":"https://x/{{vars.item.id}}"}}
            ],"edges":[
              {"source":"t","target":"fetch"},{"source":"fetch","target":"loop"},
              {"source":"loop","target":"body","sourceHandle":"item"},{"source":"body","target":"loop"}
            ]}
            """);
        h.Start();
        h.RunActivities(s => s.StepKey == "fetch"
            ? Ok(s, new JsonObject { ["list"] = new JsonArray(new JsonObject { ["id"] = 7 }, new JsonObject { ["id"] = 8 }) })
            : Ok(s));
        Assert.Equal(["fetch", "body/loop[0]", "body/loop[1]"], h.ScheduledKeys());
        Assert.Equal(["https://x/7", "https://x/8"], h.Events<StepScheduled>().Skip(1).Select(s => s.Input!["url"]!.GetValue<string>()));
        Assert.Equal(ExecutionStatus.Completed, h.Status);
        // The loop is the last leaf here (its done port leads nowhere).
        Assert.Equal(2, h.Events<ExecutionCompleted>().Single().Output!["count"]!.GetValue<int>());
    }

    [Fact]
    public void LoopItems_FromJsonTextTemplate()
    {
        var h = For(LoopFlow("""{"items":"{{trigger.csv}}"}""", "https://x/{{item}}"));
        h.Start(new JsonObject { ["csv"] = "[\"p\",\"q\"]" });
        h.RunActivities();
        Assert.Equal(["https://x/p", "https://x/q"], h.Events<StepScheduled>().Where(s => s.NodeId == "body").Select(s => s.Input!["url"]!.GetValue<string>()));
    }

    [Fact]
    public void LoopBody_WithSeveralSteps_AndACondition_RunsPerIteration()
    {
        var h = For("""
            {"nodes":[
              {"id":"t","type":"trigger_manual"},
              {"id":"loop","type":"logic_loop","config":{"items":[1,5,2,9]}},
              {"id":"big","type":"logic_condition","config":{"condition":"{{vars.item}} > 3"}},
              {"id":"shout","type":"action_http","config":{"url":"https://x/shout/{{item}}"}},
              {"id":"note","type":"logic_set_variable","config":{"variables":{"last":"{{item}}"}}}
            ],"edges":[
              {"source":"t","target":"loop"},
              {"source":"loop","target":"big","sourceHandle":"item"},
              {"source":"big","target":"shout","sourceHandle":"true"},
              {"source":"big","target":"note","sourceHandle":"false"},
              {"source":"shout","target":"loop"},{"source":"note","target":"loop"}
            ]}
            """);
        h.Start();
        h.RunActivities();
        Assert.Equal(["shout/loop[1]", "shout/loop[3]"], h.ScheduledKeys());
        Assert.Equal(ExecutionStatus.Completed, h.Status);
        var results = h.CompletedOf("loop").Output!["results"]!.AsArray();
        Assert.Equal("""{"last":1}""", results[0]!.ToJsonString());
        Assert.Equal("https://x/shout/5", results[1]!["input"]!["url"]!.GetValue<string>());
    }

    internal const string NestedLoops = """
        {"nodes":[
          {"id":"t","type":"trigger_manual"},
          {"id":"outer","type":"logic_loop","config":{"items":[{"name":"g1","members":["a","b"]},{"name":"g2","members":["c"]}]}},
          {"id":"inner","type":"logic_loop","config":{"items":"{{vars.item.members}}"}},
          {"id":"visit","type":"action_http","config":{"url":"https://x/{{item}}/{{vars.index}}"}},
          {"id":"close","type":"action_http","config":{"url":"https://x/close/{{vars.item.name}}/{{steps.inner.count}}"}},
          {"id":"end","type":"action_http","config":{"url":"https://x/end/{{steps.outer.count}}"}}
        ],"edges":[
          {"source":"t","target":"outer"},
          {"source":"outer","target":"inner","sourceHandle":"item"},
          {"source":"inner","target":"visit","sourceHandle":"item"},
          {"source":"visit","target":"inner"},
          {"source":"inner","target":"close","sourceHandle":"done"},
          {"source":"close","target":"outer"},
          {"source":"outer","target":"end","sourceHandle":"done"}
        ]}
        """;

    [Fact]
    public void NestedLoop_RunsInnerBodyPerOuterItem_WithScopedItems()
    {
        var h = For(NestedLoops);
        h.Start();
        h.RunActivities();
        Assert.Equal(ExecutionStatus.Completed, h.Status);
        Assert.Equal(
            ["visit/outer[0]/inner[0]", "visit/outer[0]/inner[1]", "close/outer[0]", "visit/outer[1]/inner[0]", "close/outer[1]", "end"],
            h.ScheduledKeys());
        Assert.Equal(
            ["https://x/a/0", "https://x/b/1", "https://x/close/g1/2", "https://x/c/0", "https://x/close/g2/1", "https://x/end/2"],
            h.Events<StepScheduled>().Select(s => s.Input!["url"]!.GetValue<string>()));
        Assert.All(h.Events<StepScheduled>(), s => Assert.Null(s.Warnings));
        var inner0 = h.CompletedOf("inner/outer[0]");
        Assert.Equal(2, inner0.Output!["count"]!.GetValue<int>());
        Assert.Equal(2, h.CompletedOf("outer").Output!["count"]!.GetValue<int>());
    }

    [Fact]
    public void LoopIteration_FailingWithOnErrorContinue_DoesNotStopTheLoop()
    {
        var h = For("""
            {"nodes":[
              {"id":"t","type":"trigger_manual"},
              {"id":"loop","type":"logic_loop","config":{"items":["a","b","c"]}},
              {"id":"body","type":"action_http","config":{"url":"https://x/{{item}}","retry":{"maxAttempts":2,"initialInterval":"1s"},"onError":"continue"}}
            ],"edges":[{"source":"t","target":"loop"},{"source":"loop","target":"body","sourceHandle":"item"},{"source":"body","target":"loop"}]}
            """);
        h.Start();
        h.RunToQuiescence(s => s.StepKey == "body/loop[1]" ? Fail(s, "b is broken") : Ok(s), TimeSpan.FromSeconds(1));
        Assert.Equal(ExecutionStatus.Completed, h.Status);
        Assert.Equal([1, 2], h.Events<StepScheduled>().Where(s => s.StepKey == "body/loop[1]").Select(s => s.Attempt));
        var results = h.CompletedOf("loop").Output!["results"]!.AsArray();
        Assert.Equal("""{"error":"b is broken","failed":true}""", results[1]!.ToJsonString());
        Assert.Equal("https://x/c", results[2]!["input"]!["url"]!.GetValue<string>());
    }

    [Fact]
    public void ApprovalsInAParallelLoop_EachEventResolvesTheOldestWaiter()
    {
        var h = For("""
            {"nodes":[
              {"id":"t","type":"trigger_manual"},
              {"id":"loop","type":"logic_loop","config":{"items":["x","y"],"mode":"parallel"}},
              {"id":"ask","type":"logic_approval","config":{"message":"ok {{item}}?"}}
            ],"edges":[{"source":"t","target":"loop"},{"source":"loop","target":"ask","sourceHandle":"item"},{"source":"ask","target":"loop","sourceHandle":"approved"},{"source":"ask","target":"loop","sourceHandle":"rejected"}]}
            """);
        h.Start();
        Assert.Equal(2, h.Events<WaitStarted>().Count());
        Assert.Equal(ExecutionStatus.Waiting, h.Status);
        h.Raise("approval", new JsonObject { ["approved"] = false });
        Assert.Equal("rejected", h.CompletedOf("ask/loop[0]").Port);
        Assert.Equal(ExecutionStatus.Waiting, h.Status);
        h.Raise("approval", new JsonObject { ["approved"] = true });
        Assert.Equal("approved", h.CompletedOf("ask/loop[1]").Port);
        Assert.Equal(ExecutionStatus.Completed, h.Status);
    }
}
