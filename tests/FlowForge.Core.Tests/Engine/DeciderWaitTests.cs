using System.Text.Json.Nodes;
using FlowForge.Core.Engine;
using FlowForge.Core.Engine.History;
using FlowForge.Core.Storage;
using static FlowForge.Core.Tests.Engine.DeciderHarness;

namespace FlowForge.Core.Tests.Engine;

/// <summary>Delays, approvals, sub-workflows and cancellation: everything that waits for time or the outside world.</summary>
public class DeciderWaitTests
{
    private static string DelayFlow(string config) => $$$"""
        {"nodes":[
          {"id":"t","type":"trigger_manual"},
          {"id":"wait","type":"logic_delay","config":{{{config}}}},
          {"id":"after","type":"action_http","config":{"url":"https://x/after?at={{steps.wait.waited_until}}"}}
        ],"edges":[{"source":"t","target":"wait"},{"source":"wait","target":"after"}]}
        """;

    [Theory]
    [InlineData("""{"duration":"5m"}""", 300)]
    [InlineData("""{"duration":"PT1H"}""", 3600)]
    [InlineData("""{"duration":30}""", 30)]
    [InlineData("""{"duration":"1h30m"}""", 5400)]
    [InlineData("""{"duration":"{{trigger.wait}}"}""", 120)]
    public void Delay_WithDuration_CreatesATimer_ThenContinues(string config, int seconds)
    {
        var h = For(DelayFlow(config));
        var r = h.Start(new JsonObject { ["wait"] = "2m" });
        var timer = r.Decisions.OfType<TimerCreated>().Single();
        Assert.Equal(TimerPurpose.Delay, timer.Purpose);
        Assert.Equal(("wait", "wait"), (timer.StepKey, timer.NodeId));
        Assert.Equal(Epoch + TimeSpan.FromSeconds(seconds), timer.FireAt);
        Assert.Equal(ExecutionStatus.Waiting, r.Status);
        Assert.Equal(ExecutionStatus.Waiting, h.State.Status);

        Assert.Null(h.FireDueTimers(TimeSpan.FromSeconds(seconds) - TimeSpan.FromMilliseconds(1)));
        var fired = h.FireDueTimers(TimeSpan.FromMilliseconds(1))!;
        var done = fired.Decisions.OfType<StepCompleted>().Single();
        Assert.Equal(timer.FireAt, DateTimeOffset.Parse(done.Output!["waited_until"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("after", fired.Decisions.OfType<StepScheduled>().Single().StepKey);
        h.RunActivities();
        Assert.Equal(ExecutionStatus.Completed, h.Status);
    }

    [Fact]
    public void Delay_Until_AFutureTime_FiresThen_AndAPastTimeAtOnce()
    {
        var future = For(DelayFlow("""{"until":"2025-01-02T00:00:00Z"}"""));
        future.Start();
        Assert.Equal(DateTimeOffset.Parse("2025-01-02T00:00:00Z"), future.PendingTimers().Single().FireAt);

        var past = For(DelayFlow("""{"until":"2020-01-01T00:00:00Z"}"""));
        past.Start();
        var timer = past.PendingTimers().Single();
        Assert.Equal(Epoch, timer.FireAt);
        past.FireDueTimers(TimeSpan.Zero);
        past.RunActivities();
        Assert.Equal(ExecutionStatus.Completed, past.Status);
    }

    [Theory]
    [InlineData("""{"duration":"soon"}""", "'duration' is not a duration")]
    [InlineData("""{"until":"tomorrow"}""", "'until' is not a date-time")]
    [InlineData("""{}""", "A delay needs 'duration'")]
    public void Delay_BadConfig_FailsTheStep(string config, string message)
    {
        var h = For(DelayFlow(config));
        h.Start();
        Assert.StartsWith(message, Assert.Single(h.Events<StepFailed>()).Error);
        Assert.Equal(ExecutionStatus.Failed, h.Status);
    }

    [Theory]
    [InlineData("""{"until":"{{trigger.at}}"}""")]
    [InlineData("""{"until":"9999-12-31T23:59:59Z"}""")]
    public void Delay_UntilBeyondTheCap_FailsTheStep(string config)
    {
        var h = For(DelayFlow(config));
        h.Start(new JsonObject { ["at"] = "9999-12-31T23:59:59Z" });
        Assert.Empty(h.PendingTimers());
        Assert.Contains("at most 366 days", Assert.Single(h.Events<StepFailed>()).Error);
        Assert.Equal(ExecutionStatus.Failed, h.Status);
    }

    [Fact]
    public void Delay_UntilJustWithinTheCap_Waits()
    {
        var h = For(DelayFlow("""{"until":"2026-01-01T09:00:00Z"}"""));
        h.Start();
        Assert.Equal(DateTimeOffset.Parse("2026-01-01T09:00:00Z"), h.PendingTimers().Single().FireAt);
    }

    // ---------------- approvals ----------------

    internal const string ApprovalFlow = """
        {"nodes":[
          {"id":"t","type":"trigger_manual"},
          {"id":"prep","type":"action_http","config":{"url":"https://x/prep"}},
          {"id":"ask","type":"logic_approval","config":{"message":"Refund {{trigger.amount}}?","timeout":"2d"}},
          {"id":"pay","type":"action_http","config":{"url":"https://x/pay?by={{steps.ask.approved_by}}"}},
          {"id":"deny","type":"action_http","config":{"url":"https://x/deny"}},
          {"id":"late","type":"action_http","config":{"url":"https://x/late"}}
        ],"edges":[
          {"source":"t","target":"prep"},{"source":"prep","target":"ask"},
          {"source":"ask","target":"pay","sourceHandle":"approved"},
          {"source":"ask","target":"deny","sourceHandle":"rejected"},
          {"source":"ask","target":"late","sourceHandle":"timeout"}
        ]}
        """;

    [Fact]
    public void Approval_Waits_ThenApprovedRoutesToApproved()
    {
        var h = For(ApprovalFlow);
        h.Start(new JsonObject { ["amount"] = 40 });
        var r = h.Deliver(Ok(h.OpenActivities().Single()));
        var wait = r.Decisions.OfType<WaitStarted>().Single();
        Assert.Equal(("ask", "approval"), (wait.StepKey, wait.EventName));
        Assert.Equal("Refund 40?", wait.Input!["message"]!.GetValue<string>());
        Assert.Equal(h.Now + TimeSpan.FromDays(2), wait.Until);
        var timer = r.Decisions.OfType<TimerCreated>().Single();
        Assert.Equal((TimerPurpose.WaitTimeout, wait.TimeoutTimerId, wait.Until), (timer.Purpose, timer.TimerId, timer.FireAt));
        Assert.Equal(ExecutionStatus.Waiting, r.Status);

        var decided = h.Raise("approval", new JsonObject { ["approved"] = true, ["approvedBy"] = "bob", ["comment"] = "fine" });
        var ask = h.CompletedOf("ask");
        Assert.Equal("approved", ask.Port);
        Assert.True(ask.Output!["approved"]!.GetValue<bool>());
        Assert.Equal("bob", ask.Output!["approved_by"]!.GetValue<string>());
        Assert.Equal("fine", ask.Output!["comment"]!.GetValue<string>());
        Assert.Equal("https://x/pay?by=bob", decided.Decisions.OfType<StepScheduled>().Single().Input!["url"]!.GetValue<string>());
        h.RunActivities();
        Assert.Equal(ExecutionStatus.Completed, h.Status);
        // The timeout firing later changes nothing.
        Assert.Empty(h.Deliver(new TimerFired(timer.TimerId)).Decisions);
    }

    [Theory]
    [InlineData("""{"approved":false}""")]
    [InlineData("""{"decision":"reject"}""")]
    [InlineData("""{"approved":"no"}""")]
    [InlineData("""{"something":"else"}""")]
    public void Approval_Rejected_RoutesToRejected(string payload)
    {
        var h = For(ApprovalFlow);
        h.Start();
        h.RunActivities();
        h.Raise("approval", JsonNode.Parse(payload));
        Assert.Equal("rejected", h.CompletedOf("ask").Port);
        h.RunActivities();
        Assert.Equal(["prep", "deny"], h.ScheduledKeys());
        Assert.Equal(ExecutionStatus.Completed, h.Status);
    }

    [Fact]
    public void Approval_Timeout_RoutesToTimeout()
    {
        var h = For(ApprovalFlow);
        h.Start();
        h.RunActivities();
        Assert.Null(h.FireDueTimers(TimeSpan.FromDays(2) - TimeSpan.FromSeconds(1)));
        h.FireDueTimers(TimeSpan.FromSeconds(1));
        var ask = h.CompletedOf("ask");
        Assert.Equal("timeout", ask.Port);
        Assert.True(ask.Output!["timed_out"]!.GetValue<bool>());
        // A decision after the timeout is recorded but changes nothing.
        var late = h.Raise("approval", new JsonObject { ["approved"] = true });
        Assert.Empty(late.Decisions.OfType<StepCompleted>());
        h.RunActivities();
        Assert.Equal(["prep", "late"], h.ScheduledKeys());
        Assert.Equal(ExecutionStatus.Completed, h.Status);
    }

    [Fact]
    public void Approval_EventRaisedBeforeTheWait_IsBuffered_AndConsumed()
    {
        var h = For(ApprovalFlow);
        h.Start();
        var early = h.Raise("approval", new JsonObject { ["decision"] = "approve", ["by"] = "ann" });
        Assert.Single(early.Accepted);
        Assert.Empty(early.Decisions);
        Assert.Equal(ExecutionStatus.Running, early.Status);
        var r = h.Deliver(Ok(h.OpenActivities().Single()));
        Assert.Contains(r.Decisions, e => e is WaitStarted);
        var ask = r.Decisions.OfType<StepCompleted>().Single(c => c.StepKey == "ask");
        Assert.Equal("approved", ask.Port);
        Assert.Equal("ann", ask.Output!["approved_by"]!.GetValue<string>());
        Assert.Equal("pay", r.Decisions.OfType<StepScheduled>().Single().StepKey);
    }

    [Fact]
    public void Approval_CustomEventName_IgnoresOtherEvents_AndDefaultTimeoutIsSevenDays()
    {
        var h = For(ApprovalFlow.Replace("\"timeout\":\"2d\"", "\"eventName\":\"manager_ok\""));
        h.Start();
        h.RunActivities();
        Assert.Equal(h.Now + TimeSpan.FromDays(7), h.Events<WaitStarted>().Single().Until);
        h.Raise("approval", new JsonObject { ["approved"] = true });
        Assert.Equal(ExecutionStatus.Waiting, h.Status);
        h.Raise("manager_ok", new JsonObject { ["approved"] = true });
        Assert.Equal("approved", h.CompletedOf("ask").Port);
    }

    // ---------------- sub-workflows ----------------

    private static string SubFlow(string extra = "") => $$$"""
        {"nodes":[
          {"id":"t","type":"trigger_manual"},
          {"id":"sub","type":"logic_subworkflow","config":{"workflowId":"wf_child","input":{"who":"{{trigger.name}}"}{{{extra}}} } },
          {"id":"after","type":"action_http","config":{"url":"https://x/after","body":"{{steps.sub.total}}"}},
          {"id":"oops","type":"action_http","config":{"url":"https://x/oops"}}
        ],"edges":[
          {"source":"t","target":"sub"},{"source":"sub","target":"after"},{"source":"sub","target":"oops","sourceHandle":"error"}
        ]}
        """;

    [Fact]
    public void Subworkflow_RequestsAChild_WithADeterministicId_AndItsOutputFlows()
    {
        var h = For(SubFlow());
        var r = h.Start(new JsonObject { ["name"] = "ann" });
        var child = r.Decisions.OfType<ChildRequested>().Single();
        Assert.Equal(DeterministicRandom.Id("ex_", "ex_test", "sub", "1"), child.ChildExecutionId);
        Assert.StartsWith("ex_", child.ChildExecutionId);
        Assert.Equal("wf_child", child.WorkflowId);
        Assert.Equal("""{"who":"ann"}""", child.Input!.ToJsonString());
        Assert.Equal(ExecutionStatus.Waiting, r.Status);

        // The same execution always asks for the same child; another execution for another.
        var again = For(SubFlow());
        again.Start(new JsonObject { ["name"] = "ann" });
        Assert.Equal(child.ChildExecutionId, again.Events<ChildRequested>().Single().ChildExecutionId);
        var other = For(SubFlow(), "ex_other");
        other.Start();
        Assert.NotEqual(child.ChildExecutionId, other.Events<ChildRequested>().Single().ChildExecutionId);

        // A result from some other child is not accepted.
        Assert.Empty(h.Deliver(new ChildCompleted("sub", "ex_someoneelse", new JsonObject())).Accepted);
        var done = h.Deliver(new ChildCompleted("sub", child.ChildExecutionId, new JsonObject { ["total"] = 12 }));
        Assert.Equal("""{"total":12}""", h.CompletedOf("sub").Output!.ToJsonString());
        Assert.Equal(12, done.Decisions.OfType<StepScheduled>().Single().Input!["body"]!.GetValue<int>());
        Assert.Empty(h.Deliver(new ChildCompleted("sub", child.ChildExecutionId, new JsonObject { ["total"] = 13 })).Accepted);
        h.RunActivities();
        Assert.Equal(ExecutionStatus.Completed, h.Status);
    }

    [Fact]
    public void Subworkflow_ChildFailed_FailsTheRun_ByDefault()
    {
        var h = For(SubFlow());
        h.Start();
        var child = h.Events<ChildRequested>().Single();
        var r = h.Deliver(new ChildFailed("sub", child.ChildExecutionId, "child blew up"));
        Assert.Empty(h.Events<TimerCreated>()); // a child is not retried
        var failed = Assert.IsType<ExecutionFailed>(Assert.Single(r.Decisions));
        Assert.Equal("Step 'sub' (logic_subworkflow) failed: child blew up", failed.Error);
        Assert.Equal(ExecutionStatus.Failed, r.Status);

        // A resume asks for a new child (a new attempt, a new id).
        var resumed = h.Resume();
        var second = resumed.Decisions.OfType<ChildRequested>().Single();
        Assert.Equal(DeterministicRandom.Id("ex_", "ex_test", "sub", "2"), second.ChildExecutionId);
        Assert.Empty(h.Deliver(new ChildCompleted("sub", child.ChildExecutionId, null)).Accepted);
        h.Deliver(new ChildCompleted("sub", second.ChildExecutionId, new JsonObject { ["total"] = 1 }));
        h.RunActivities();
        Assert.Equal(ExecutionStatus.Completed, h.Status);
    }

    [Fact]
    public void Subworkflow_ChildFailed_WithOnErrorError_TakesTheErrorPort()
    {
        var h = For(SubFlow(""","onError":"error" """));
        h.Start();
        h.Deliver(new ChildFailed("sub", h.Events<ChildRequested>().Single().ChildExecutionId, "nope"));
        Assert.Equal("error", h.CompletedOf("sub").Port);
        h.RunActivities();
        Assert.Equal(["oops"], h.ScheduledKeys());
        Assert.Equal(ExecutionStatus.Completed, h.Status);
    }

    [Fact]
    public void Subworkflow_WithoutWaiting_CompletesAtOnce()
    {
        var h = For(SubFlow(""","waitForCompletion":false"""));
        var r = h.Start();
        var child = r.Decisions.OfType<ChildRequested>().Single();
        var sub = h.CompletedOf("sub");
        Assert.Equal(child.ChildExecutionId, sub.Output!["executionId"]!.GetValue<string>());
        Assert.Equal("wf_child", sub.Output!["workflowId"]!.GetValue<string>());
        Assert.Equal("after", r.Decisions.OfType<StepScheduled>().Single().StepKey);
        Assert.Empty(h.Deliver(new ChildCompleted("sub", child.ChildExecutionId, null)).Accepted);
        h.RunActivities();
        Assert.Equal(ExecutionStatus.Completed, h.Status);
    }

    [Fact]
    public void Subworkflow_WithoutWorkflowId_FailsTheStep()
    {
        var h = For(SubFlow().Replace("\"workflowId\":\"wf_child\",", ""));
        h.Start();
        Assert.Equal("'workflowId' must name the workflow to run.", Assert.Single(h.Events<StepFailed>()).Error);
    }

    // ---------------- cancel ----------------

    [Fact]
    public void Cancel_WhileRunning_CancelsAndIgnoresLaterResults()
    {
        var h = For(DeciderRoutingTests.Sequence);
        h.Start();
        var a = h.OpenActivities().Single();
        var r = h.Cancel("changed my mind");
        var cancelled = Assert.IsType<ExecutionCancelled>(Assert.Single(r.Decisions));
        Assert.Equal("changed my mind", cancelled.Reason);
        Assert.Equal(ExecutionStatus.Cancelled, r.Status);
        Assert.Equal("Cancelled: changed my mind", h.State.Error);
        Assert.False(h.State.Accepts(Ok(a)));
        Assert.Empty(h.Deliver(Ok(a)).Accepted);
        Assert.Empty(h.Cancel().Accepted);
        Assert.False(h.Ran("b"));
    }

    [Fact]
    public void Cancel_WhileWaiting_CancelsAndIgnoresTimersAndEvents()
    {
        var h = For(ApprovalFlow);
        h.Start();
        h.RunActivities();
        Assert.Equal(ExecutionStatus.Waiting, h.Status);
        var r = h.Cancel(null);
        Assert.Equal(ExecutionStatus.Cancelled, r.Status);
        Assert.Equal("Cancelled.", h.State.Error);
        Assert.Empty(h.Raise("approval", new JsonObject { ["approved"] = true }).Accepted);
        var timer = h.Events<TimerCreated>().Single();
        Assert.False(h.State.Accepts(new TimerFired(timer.TimerId)));
        Assert.Empty(h.FireDueTimers(TimeSpan.FromDays(30))!.Accepted);
        Assert.IsType<ExecutionCancelled>(h.History[^1]);
    }

    [Fact]
    public void Cancel_InTheSameInboxAsTheStart_CancelsBeforeAnyStep()
    {
        var h = For(DeciderRoutingTests.Sequence);
        h.Send(new ExecutionStarted("wf", 1, null));
        h.Send(new CancelRequested("nope"));
        var r = h.Turn();
        Assert.Equal(2, r.Accepted.Count);
        Assert.IsType<ExecutionCancelled>(Assert.Single(r.Decisions));
    }

    [Fact]
    public void Cancel_DuringARetryBackoff_Cancels()
    {
        var h = For(DeciderFailureTests.Retrying);
        h.Start();
        h.RunActivities(s => s.StepKey == "flaky" ? Fail(s) : Ok(s));
        Assert.Equal(ExecutionStatus.Running, h.Status);
        h.Cancel();
        Assert.Equal(ExecutionStatus.Cancelled, h.Status);
        Assert.Empty(h.FireDueTimers(TimeSpan.FromHours(1))!.Accepted);
    }

    // ---------------- status ----------------

    [Fact]
    public void Status_IsWaitingOnlyWhenEveryOpenStepWaits()
    {
        var h = For("""
            {"nodes":[
              {"id":"t","type":"trigger_manual"},
              {"id":"d","type":"logic_delay","config":{"duration":"1h"}},
              {"id":"a","type":"action_http","config":{"url":"https://x/a"}}
            ],"edges":[{"source":"t","target":"d"},{"source":"t","target":"a"}]}
            """);
        Assert.Equal(ExecutionStatus.Running, h.Start().Status);
        h.RunActivities();
        Assert.Equal(ExecutionStatus.Waiting, h.Status);
        h.FireDueTimers(TimeSpan.FromHours(1));
        Assert.Equal(ExecutionStatus.Completed, h.Status);
    }

    [Fact]
    public void ResumeAfterFailure_RestartsADelayThatWasRunning()
    {
        var h = For("""
            {"nodes":[
              {"id":"t","type":"trigger_manual"},
              {"id":"d","type":"logic_delay","config":{"duration":"1h"}},
              {"id":"a","type":"action_http","config":{"url":"https://x/a","retry":{"maxAttempts":1}}},
              {"id":"j","type":"action_http","config":{"url":"https://x/j"}}
            ],"edges":[{"source":"t","target":"d"},{"source":"t","target":"a"},{"source":"d","target":"j"},{"source":"a","target":"j"}]}
            """);
        h.Start();
        h.RunActivities(s => Fail(s));
        Assert.Equal(ExecutionStatus.Failed, h.Status);
        var firstTimer = h.Events<TimerCreated>().Single();
        h.Now += TimeSpan.FromMinutes(10);
        var r = h.Resume();
        var timer = r.Decisions.OfType<TimerCreated>().Single();
        Assert.NotEqual(firstTimer.TimerId, timer.TimerId);
        Assert.Equal(h.Now + TimeSpan.FromHours(1), timer.FireAt);
        Assert.Equal(2, r.Decisions.OfType<StepScheduled>().Single().Attempt);
        // The old timer means nothing any more.
        Assert.Empty(h.Deliver(new TimerFired(firstTimer.TimerId)).Decisions);
        h.RunActivities();
        h.FireDueTimers(TimeSpan.FromHours(1));
        h.RunActivities();
        Assert.Equal(ExecutionStatus.Completed, h.Status);
        Assert.Single(h.Events<StepScheduled>(), s => s.StepKey == "j");
    }
}
