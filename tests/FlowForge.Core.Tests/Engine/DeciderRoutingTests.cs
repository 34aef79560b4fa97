using System.Text.Json.Nodes;
using FlowForge.Core.Engine;
using FlowForge.Core.Engine.History;
using FlowForge.Core.Storage;
using static FlowForge.Core.Tests.Engine.DeciderHarness;

namespace FlowForge.Core.Tests.Engine;

public class DeciderRoutingTests
{
    internal const string Sequence = """
        {"nodes":[
          {"id":"t","type":"trigger_manual"},
          {"id":"a","type":"action_http","config":{"url":"https://x/a?n={{trigger.name}}"}},
          {"id":"b","type":"action_http","config":{"url":"https://x/b","body":"{{steps.a.ok}}"}}
        ],"edges":[{"source":"t","target":"a"},{"source":"a","target":"b"}]}
        """;

    [Fact]
    public void Status_IsPendingBeforeStart()
    {
        var h = For(Sequence);
        Assert.Equal(ExecutionStatus.Pending, h.State.Status);
        // Nothing to decide without ExecutionStarted.
        var r = Decider.Decide(h.Graph, h.State, []);
        Assert.Empty(r.Decisions);
        Assert.Equal(ExecutionStatus.Pending, r.Status);
    }

    [Fact]
    public void Sequence_RunsStepsInOrder_AndCompletesWithLastOutput()
    {
        var h = For(Sequence);
        var first = h.Start(new JsonObject { ["name"] = "ann" });
        Assert.Equal(ExecutionStatus.Running, first.Status);
        // Turn 1: the trigger is recorded inline and only `a` is scheduled.
        Assert.Collection(first.Decisions,
            e => Assert.Equal("t", Assert.IsType<StepCompleted>(e).StepKey),
            e =>
            {
                var s = Assert.IsType<StepScheduled>(e);
                Assert.Equal(("a", 1), (s.StepKey, s.Attempt));
                Assert.Equal("https://x/a?n=ann", s.Input!["url"]!.GetValue<string>());
                Assert.Null(s.Warnings);
            });

        h.RunActivities();
        Assert.Equal(["a", "b"], h.ScheduledKeys());
        var b = h.Events<StepScheduled>().Single(s => s.StepKey == "b");
        Assert.True(b.Input!["body"]!.GetValue<bool>()); // a single placeholder keeps its JSON type
        Assert.Equal(ExecutionStatus.Completed, h.Status);
        var done = Assert.IsType<ExecutionCompleted>(h.History[^1]);
        Assert.Equal("https://x/b", done.Output!["input"]!["url"]!.GetValue<string>());
        Assert.Equal(ExecutionStatus.Completed, h.State.Status);
    }

    [Fact]
    public void Status_IsRunningWhileAnActivityRuns()
    {
        var h = For(Sequence);
        h.Start();
        Assert.Equal(ExecutionStatus.Running, h.State.Status);
        Assert.Null(h.State.TerminalStatus);
    }

    [Fact]
    public void TriggerWhatsApp_ShapesFields_FromAliases_KeepingOriginals()
    {
        var h = For("""
            {"nodes":[
              {"id":"t","type":"trigger_whatsapp"},
              {"id":"a","type":"action_http","config":{"url":"https://x","body":"{{trigger.phone_number}}|{{steps.t.message_text}}|{{message_timestamp}}|{{message_id}}"}}
            ],"edges":[{"source":"t","target":"a"}]}
            """);
        h.Start(new JsonObject { ["from"] = "+3312", ["text"] = "hello", ["timestamp"] = "2025-01-01T00:00:00Z", ["id"] = "wamid.1", ["extra"] = 5 });
        var t = h.CompletedOf("t");
        Assert.Equal("+3312", t.Output!["phone_number"]!.GetValue<string>());
        Assert.Equal("hello", t.Output!["message_text"]!.GetValue<string>());
        Assert.Equal("2025-01-01T00:00:00Z", t.Output!["message_timestamp"]!.GetValue<string>());
        Assert.Equal("wamid.1", t.Output!["message_id"]!.GetValue<string>());
        Assert.Equal(5, t.Output!["extra"]!.GetValue<int>());
        Assert.True(t.Inline);
        // The shaped names are what downstream steps see (bare names and steps.t), the raw names stay under trigger.
        var a = h.Events<StepScheduled>().Single();
        Assert.Equal("{{trigger.phone_number}}|hello|2025-01-01T00:00:00Z|wamid.1", a.Input!["body"]!.GetValue<string>());
        Assert.Contains("Variable 'trigger.phone_number' is not defined", a.Warnings!);
    }

    [Fact]
    public void TriggerWhatsApp_CanonicalFieldsWin_AndMissingOnesAreNull()
    {
        var shaped = TriggerShapes.Shape("trigger_whatsapp", new JsonObject { ["phone_number"] = "+1", ["from"] = "+2" })!;
        Assert.Equal("+1", shaped["phone_number"]!.GetValue<string>());
        Assert.True(((JsonObject)shaped).ContainsKey("message_text"));
        Assert.Null(shaped["message_text"]);
    }

    [Fact]
    public void TriggerEmail_AndVoice_AreShaped()
    {
        var email = TriggerShapes.Shape("trigger_email", new JsonObject { ["from"] = "a@b.c", ["subject"] = "S", ["body"] = "B", ["date"] = "D" })!;
        Assert.Equal(["a@b.c", "S", "B", "D"], new[] { "email_from", "email_subject", "email_body", "email_timestamp" }.Select(f => email[f]!.GetValue<string>()));
        var voice = TriggerShapes.Shape("trigger_voice", new JsonObject { ["caller"] = "+9", ["duration"] = 42, ["transcript"] = "hi" })!;
        Assert.Equal("+9", voice["caller_number"]!.GetValue<string>());
        Assert.Equal(42, voice["call_duration"]!.GetValue<int>());
        Assert.Equal("hi", voice["call_transcript"]!.GetValue<string>());
        // Through the decider too.
        var h = For("""{"nodes":[{"id":"v","type":"trigger_voice"}],"edges":[]}""");
        h.Start(new JsonObject { ["from"] = "+7" });
        Assert.Equal("+7", h.CompletedOf("v").Output!["caller_number"]!.GetValue<string>());
        Assert.Equal(ExecutionStatus.Completed, h.Status);
    }

    internal const string TwoTriggers = """
        {"nodes":[
          {"id":"wa","type":"trigger_whatsapp"},
          {"id":"mail","type":"trigger_email"},
          {"id":"fromWa","type":"action_http","config":{"url":"https://x/wa"}},
          {"id":"fromMail","type":"action_http","config":{"url":"https://x/mail"}},
          {"id":"common","type":"action_http","config":{"url":"https://x/common"}}
        ],"edges":[
          {"source":"wa","target":"fromWa"},{"source":"mail","target":"fromMail"},
          {"source":"fromWa","target":"common"},{"source":"fromMail","target":"common"}
        ]}
        """;

    [Fact]
    public void FirstTrigger_Runs_WhenNoneIsNamed_OtherTriggerIsDead()
    {
        var h = For(TwoTriggers);
        h.Start();
        h.RunActivities();
        Assert.Equal(["fromWa", "common"], h.ScheduledKeys());
        Assert.False(h.Ran("mail"));
        Assert.Equal(ExecutionStatus.Completed, h.Status);
    }

    [Fact]
    public void NamedTrigger_Runs_AndTheOthersBranchIsDead()
    {
        var h = For(TwoTriggers);
        h.Start(new JsonObject { ["subject"] = "s" }, triggerNodeId: "mail");
        h.RunActivities();
        Assert.Equal(["fromMail", "common"], h.ScheduledKeys());
        Assert.False(h.Ran("wa"));
        Assert.Equal("s", h.CompletedOf("mail").Output!["email_subject"]!.GetValue<string>());
        Assert.Equal(ExecutionStatus.Completed, h.Status);
    }

    private static string ConditionFlow(string condition, string trueHandle = "true", string falseHandle = "false") => $$$"""
        {"nodes":[
          {"id":"t","type":"trigger_manual"},
          {"id":"c","type":"logic_condition","config":{"condition":{{{condition}}}}},
          {"id":"yes","type":"action_http","config":{"url":"https://x/yes"}},
          {"id":"no","type":"action_http","config":{"url":"https://x/no"}},
          {"id":"afterYes","type":"action_http","config":{"url":"https://x/after-yes"}}
        ],"edges":[
          {"source":"t","target":"c"},
          {"source":"c","target":"yes","sourceHandle":"{{{trueHandle}}}"},
          {"source":"c","target":"no","sourceHandle":"{{{falseHandle}}}"},
          {"source":"yes","target":"afterYes"}
        ]}
        """;

    [Fact]
    public void Condition_RoutesToTruePort_AndSkipsFalseBranch()
    {
        var h = For(ConditionFlow("\"{{trigger.score}} > 5\""));
        h.Start(new JsonObject { ["score"] = 9 });
        h.RunActivities();
        var c = h.CompletedOf("c");
        Assert.Equal("true", c.Port);
        Assert.True(c.Output!["result"]!.GetValue<bool>());
        Assert.Equal(["yes", "afterYes"], h.ScheduledKeys());
        Assert.Equal(ExecutionStatus.Completed, h.Status);
    }

    [Fact]
    public void Condition_RoutesToFalsePort_AndSkipsTrueBranch_WithDownstream()
    {
        var h = For(ConditionFlow("\"{{trigger.score}} > 5\""));
        h.Start(new JsonObject { ["score"] = 1 });
        h.RunActivities();
        Assert.Equal("false", h.CompletedOf("c").Port);
        Assert.Equal(["no"], h.ScheduledKeys()); // afterYes is dead too
        Assert.Equal(ExecutionStatus.Completed, h.Status);
        Assert.Equal("https://x/no", h.Events<ExecutionCompleted>().Single().Output!["input"]!["url"]!.GetValue<string>());
    }

    [Theory]
    [InlineData(5, "yes")]
    [InlineData(1, "no")]
    public void Condition_YesNoEdgeAliases_Route(int score, string expected)
    {
        var h = For(ConditionFlow("{\"variable\":\"trigger.score\",\"operator\":\">\",\"value\":3}", "yes", "no"));
        h.Start(new JsonObject { ["score"] = score });
        h.RunActivities();
        Assert.Equal(expected, h.ScheduledKeys()[0]);
        Assert.Equal(ExecutionStatus.Completed, h.Status);
    }

    [Fact]
    public void Condition_MissingVariable_IsFalse_WithWarningOnTheStep()
    {
        var h = For(ConditionFlow("\"{{trigger.nope}} > 5\""));
        h.Start();
        var c = h.CompletedOf("c");
        Assert.Equal("false", c.Port);
        Assert.Contains("Variable 'trigger.nope' is not defined", c.Warnings!);
    }

    [Fact]
    public void Condition_Malformed_FailsTheStepWithoutRetry()
    {
        var h = For(ConditionFlow("\"{{trigger.x}} >\""));
        h.Start();
        var failed = Assert.Single(h.Events<StepFailed>());
        Assert.False(failed.Retryable);
        Assert.True(failed.Inline);
        Assert.Empty(h.Events<TimerCreated>());
        var ef = Assert.IsType<ExecutionFailed>(h.History[^1]);
        Assert.Equal("c", ef.StepKey);
        Assert.StartsWith("Step 'c' (logic_condition) failed: ", ef.Error);
        Assert.Equal(ExecutionStatus.Failed, h.Status);
    }

    internal const string DecisionFlow = """
        {"nodes":[
          {"id":"t","type":"trigger_manual"},
          {"id":"d","type":"agent_decision","config":{"inputText":"{{trigger.text}}"}},
          {"id":"ok","type":"action_http","config":{"url":"https://x/ok"}},
          {"id":"ko","type":"action_http","config":{"url":"https://x/ko"}},
          {"id":"human","type":"action_http","config":{"url":"https://x/human"}}
        ],"edges":[
          {"source":"t","target":"d"},
          {"source":"d","target":"ok","sourceHandle":"approve"},
          {"source":"d","target":"ko","sourceHandle":"reject"},
          {"source":"d","target":"human","sourceHandle":"review"}
        ]}
        """;

    [Theory]
    [InlineData("approve", "ok")]
    [InlineData("reject", "ko")]
    [InlineData("review", "human")]
    public void AgentDecision_ActivityResultPort_Routes(string port, string expected)
    {
        var h = For(DecisionFlow);
        h.Start(new JsonObject { ["text"] = "refund please" });
        h.RunActivities(s => s.StepKey == "d" ? Ok(s, new JsonObject { ["decision"] = port, ["confidence"] = 0.9 }, port) : Ok(s));
        Assert.Equal(["d", expected], h.ScheduledKeys());
        Assert.Equal(ExecutionStatus.Completed, h.Status);
    }

    private const string AbFlow = """
        {"nodes":[
          {"id":"t","type":"trigger_manual"},
          {"id":"ab","type":"logic_ab_split","config":{"variants":[{"name":"a","weight":3},{"name":"b","weight":1}]}},
          {"id":"va","type":"action_http","config":{"url":"https://x/a"}},
          {"id":"vb","type":"action_http","config":{"url":"https://x/b"}}
        ],"edges":[
          {"source":"t","target":"ab"},
          {"source":"ab","target":"va","sourceHandle":"a"},
          {"source":"ab","target":"vb","sourceHandle":"b"}
        ]}
        """;

    [Fact]
    public void AbSplit_IsDeterministicPerExecutionId_AndRoutesToTheChosenVariant()
    {
        for (var i = 0; i < 20; i++)
        {
            var id = "ex_" + i;
            var h1 = For(AbFlow, id);
            h1.Start();
            h1.RunActivities();
            var h2 = For(AbFlow, id);
            h2.Start();
            var variant = h1.CompletedOf("ab").Port;
            Assert.Equal(variant, h2.CompletedOf("ab").Port);
            Assert.Equal(variant, h1.CompletedOf("ab").Output!["variant"]!.GetValue<string>());
            Assert.Equal(["v" + variant], h1.ScheduledKeys());
            // Replaying the whole history decides nothing new: the choice is never drawn again.
            Assert.Empty(Decider.Decide(h1.Graph, h1.State, []).Decisions);
        }
    }

    [Fact]
    public void AbSplit_DistributionFollowsWeights()
    {
        var graph = For(AbFlow).Graph;
        var counts = new Dictionary<string, int> { ["a"] = 0, ["b"] = 0 };
        const int runs = 4000;
        for (var i = 0; i < runs; i++)
        {
            var state = new ExecutionState("ex_dist_" + i);
            var r = Decider.Decide(graph, state, [new ExecutionStarted("wf", 1, new JsonObject()) { Timestamp = Epoch }]);
            counts[r.Decisions.OfType<StepCompleted>().Single(c => c.StepKey == "ab").Port]++;
        }
        var shareA = counts["a"] / (double)runs;
        Assert.InRange(shareA, 0.72, 0.78); // weight 3:1 → 0.75
    }

    [Fact]
    public void UnknownNodeType_FailsTheExecution_WithAClearError()
    {
        var h = For("""
            {"nodes":[{"id":"t","type":"trigger_manual"},{"id":"x","type":"action_teleport"}],
             "edges":[{"source":"t","target":"x"}]}
            """);
        h.Start();
        var f = Assert.Single(h.Events<StepFailed>());
        Assert.Equal("Unknown node type 'action_teleport'.", f.Error);
        Assert.False(f.Retryable);
        var ef = Assert.IsType<ExecutionFailed>(h.History[^1]);
        Assert.Equal("Step 'x' (action_teleport) failed: Unknown node type 'action_teleport'.", ef.Error);
        Assert.Equal("x", ef.StepKey);
        Assert.Equal(ExecutionStatus.Failed, h.Status);
    }

    [Fact]
    public void SetVariable_MergesVars_VisibleToLaterSteps()
    {
        var h = For("""
            {"nodes":[
              {"id":"t","type":"trigger_manual"},
              {"id":"v1","type":"logic_set_variable","config":{"variables":{"greeting":"hi {{trigger.name}}","n":1}}},
              {"id":"v2","type":"logic_set_variable","config":{"variables":{"n":2,"list":"{{trigger.tags}}"}}},
              {"id":"a","type":"action_http","config":{"url":"https://x","body":{"g":"{{vars.greeting}}","n":"{{vars.n}}","l":"{{vars.list}}","bare":"{{greeting}}"}}}
            ],"edges":[{"source":"t","target":"v1"},{"source":"v1","target":"v2"},{"source":"v2","target":"a"}]}
            """);
        h.Start(new JsonObject { ["name"] = "ann", ["tags"] = new JsonArray("x", "y") });
        var a = h.Events<StepScheduled>().Single();
        Assert.Equal("""{"g":"hi ann","n":2,"l":["x","y"],"bare":"hi ann"}""", a.Input!["body"]!.ToJsonString());
        Assert.Equal("hi ann", h.State.Vars["greeting"]!.GetValue<string>());
        Assert.Equal(2, h.State.Vars["n"]!.GetValue<int>());
        Assert.Equal("""{"greeting":"hi ann","n":1}""", h.CompletedOf("v1").Output!.ToJsonString());
    }

    [Fact]
    public void MissingTemplateVariable_WarnsOnStepScheduled_AndOnInlineStepCompleted()
    {
        var h = For("""
            {"nodes":[
              {"id":"t","type":"trigger_manual"},
              {"id":"v","type":"logic_set_variable","config":{"variables":{"x":"{{trigger.missing}}"}}},
              {"id":"a","type":"action_http","config":{"url":"https://x/{{steps.nothere.id}}"}}
            ],"edges":[{"source":"t","target":"v"},{"source":"v","target":"a"}]}
            """);
        h.Start();
        Assert.Equal(["Variable 'trigger.missing' is not defined"], h.CompletedOf("v").Warnings);
        var a = h.Events<StepScheduled>().Single();
        Assert.Equal(["Variable 'steps.nothere.id' is not defined"], a.Warnings);
        Assert.Equal("https://x/{{steps.nothere.id}}", a.Input!["url"]!.GetValue<string>());
    }

    private const string LeafFlow = """
        {"nodes":[
          {"id":"t","type":"trigger_manual"},
          {"id":"a","type":"action_http","config":{"url":"https://x/a"}},
          {"id":"a2","type":"action_http","config":{"url":"https://x/a2"}},
          {"id":"b","type":"action_http","config":{"url":"https://x/b"}}
        ],"edges":[{"source":"t","target":"a"},{"source":"a","target":"a2"},{"source":"t","target":"b"}]}
        """;

    [Theory]
    [InlineData("b,a,a2", "a2")]
    [InlineData("a,a2,b", "b")]
    [InlineData("a,b,a2", "a2")]
    public void FinalOutput_IsTheLastCompletedLeafStep_NotAStepWithSuccessors(string order, string expected)
    {
        var h = For(LeafFlow);
        h.Start();
        foreach (var key in order.Split(','))
        {
            Assert.Equal(ExecutionStatus.Running, h.Status);
            h.Answer(key, s => Ok(s, new JsonObject { ["who"] = key }));
        }
        Assert.Equal(ExecutionStatus.Completed, h.Status);
        Assert.Equal($$"""{"who":"{{expected}}"}""", h.Events<ExecutionCompleted>().Single().Output!.ToJsonString());
    }
}
