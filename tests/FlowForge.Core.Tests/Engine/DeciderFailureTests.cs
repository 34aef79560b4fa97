using System.Text.Json.Nodes;
using FlowForge.Core.Engine;
using FlowForge.Core.Engine.History;
using FlowForge.Core.Model;
using FlowForge.Core.Storage;
using static FlowForge.Core.Tests.Engine.DeciderHarness;

namespace FlowForge.Core.Tests.Engine;

/// <summary>Retries, onError, resume after failure, stale and duplicate results.</summary>
public class DeciderFailureTests
{
    private static string RetryFlow(string settings) => $$$"""
        {"nodes":[
          {"id":"t","type":"trigger_manual"},
          {"id":"a","type":"action_http","config":{"url":"https://x/a"}},
          {"id":"flaky","type":"action_http","config":{"url":"https://x/flaky",{{{settings}}} } },
          {"id":"next","type":"action_http","config":{"url":"https://x/next"}},
          {"id":"oops","type":"action_http","config":{"url":"https://x/oops"}}
        ],"edges":[
          {"source":"t","target":"a"},{"source":"a","target":"flaky"},
          {"source":"flaky","target":"next"},
          {"source":"flaky","target":"oops","sourceHandle":"error"}
        ]}
        """;

    internal static readonly string Retrying = RetryFlow("""
        "retry":{"maxAttempts":4,"initialInterval":"10s","backoffCoefficient":3,"maxInterval":"1m"}
        """);

    [Fact]
    public void Failure_CreatesRetryTimers_WithExponentialBackoffCappedByMaxInterval()
    {
        var h = For(Retrying);
        h.Start();
        h.Answer("a", s => Ok(s));
        var expected = new[] { TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(60) };
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var scheduled = Assert.Single(h.OpenActivities());
            Assert.Equal(("flaky", attempt), (scheduled.StepKey, scheduled.Attempt));
            var failedAt = h.Now;
            var r = h.Answer("flaky", s => Fail(s, $"HTTP 503 #{attempt}"));
            var timer = Assert.IsType<TimerCreated>(Assert.Single(r.Decisions));
            Assert.Equal(TimerPurpose.Retry, timer.Purpose);
            Assert.Equal("flaky", timer.StepKey);
            Assert.Equal(failedAt + expected[attempt - 1], timer.FireAt);
            Assert.Equal(ExecutionStatus.Running, r.Status);
            // Not due yet: nothing happens a moment before.
            Assert.Null(h.FireDueTimers(expected[attempt - 1] - TimeSpan.FromMilliseconds(1)));
            var fired = h.FireDueTimers(TimeSpan.FromMilliseconds(1))!;
            var next = Assert.IsType<StepScheduled>(Assert.Single(fired.Decisions));
            Assert.Equal(attempt + 1, next.Attempt);
            Assert.Equal("https://x/flaky", next.Input!["url"]!.GetValue<string>());
        }
        // The 4th attempt fails too: out of attempts, onError stop fails the execution.
        var last = h.Answer("flaky", s => Fail(s, "HTTP 503 #4"));
        var failed = Assert.IsType<ExecutionFailed>(Assert.Single(last.Decisions));
        Assert.Equal("Step 'flaky' (action_http) failed after 4 attempts: HTTP 503 #4", failed.Error);
        Assert.Equal("flaky", failed.StepKey);
        Assert.Equal(ExecutionStatus.Failed, last.Status);
        Assert.False(h.Ran("next"));
        Assert.False(h.Ran("oops"));
    }

    [Fact]
    public void DefaultRetry_IsThreeAttempts_OneSecondThenTwo()
    {
        var h = For(RetryFlow("\"x\":1"));
        h.Start();
        h.RunActivities(s => s.StepKey == "flaky" ? Fail(s) : Ok(s));
        Assert.Equal([TimeSpan.FromSeconds(1)], h.PendingTimers().Select(t => t.FireAt - h.Now));
        h.FireDueTimers(TimeSpan.FromSeconds(1));
        h.RunActivities(s => Fail(s));
        Assert.Equal([TimeSpan.FromSeconds(2)], h.PendingTimers().Select(t => t.FireAt - h.Now));
        h.FireDueTimers(TimeSpan.FromSeconds(2));
        h.RunActivities(s => Fail(s));
        Assert.Equal(ExecutionStatus.Failed, h.Status);
        Assert.Equal([1, 2, 3], h.Events<StepScheduled>().Where(s => s.StepKey == "flaky").Select(s => s.Attempt));
    }

    [Fact]
    public void RetrySucceeds_AndTheRunGoesOn()
    {
        var h = For(Retrying);
        h.Start();
        h.RunActivities(s => s.StepKey == "flaky" && s.Attempt < 3 ? Fail(s) : Ok(s));
        Assert.Single(h.PendingTimers());
        h.RunToQuiescence(s => s.StepKey == "flaky" && s.Attempt < 3 ? Fail(s) : Ok(s));
        Assert.Equal(ExecutionStatus.Completed, h.Status);
        Assert.Equal(3, h.CompletedOf("flaky").Attempt);
        Assert.True(h.Ran("next"));
        Assert.False(h.Ran("oops"));
    }

    [Fact]
    public void RetryAfterHint_LongerThanBackoff_DelaysTheNextAttempt_ShorterOneDoesNot()
    {
        var h = For(Retrying);
        h.Start();
        h.Answer("a", s => Ok(s));
        h.Answer("flaky", s => Fail(s) with { RetryAfter = TimeSpan.FromSeconds(45) });
        Assert.Equal([TimeSpan.FromSeconds(45)], h.PendingTimers().Select(t => t.FireAt - h.Now));
        h.FireDueTimers(TimeSpan.FromSeconds(45));
        h.Answer("flaky", s => Fail(s) with { RetryAfter = TimeSpan.FromSeconds(1) });
        Assert.Equal([TimeSpan.FromSeconds(30)], h.PendingTimers().Select(t => t.FireAt - h.Now));
    }

    [Fact]
    public void NonRetryableFailure_FailsAtOnce()
    {
        var h = For(Retrying);
        h.Start();
        h.RunActivities(s => s.StepKey == "flaky" ? Fail(s, "HTTP 400 bad request", retryable: false) : Ok(s));
        Assert.Empty(h.Events<TimerCreated>());
        var failed = Assert.IsType<ExecutionFailed>(h.History[^1]);
        Assert.Equal("Step 'flaky' (action_http) failed: HTTP 400 bad request", failed.Error);
        Assert.Equal(ExecutionStatus.Failed, h.Status);
        Assert.Equal(ExecutionStatus.Failed, h.State.Status);
        Assert.Equal(failed.Error, h.State.Error);
    }

    [Fact]
    public void OnErrorContinue_NextStepRuns_WithTheErrorAsOutput()
    {
        var h = For(RetryFlow("""
            "retry":{"maxAttempts":1},"onError":"continue"
            """).Replace("https://x/next", "https://x/next?e={{steps.flaky.error}}"));
        h.Start();
        h.RunActivities(s => s.StepKey == "flaky" ? Fail(s, "down") : Ok(s));
        var flaky = h.CompletedOf("flaky");
        Assert.Equal("out", flaky.Port);
        Assert.Equal("""{"error":"down","failed":true}""", flaky.Output!.ToJsonString());
        Assert.True(flaky.SettledByOnError);
        Assert.Equal("https://x/next?e=down", h.Events<StepScheduled>().Single(s => s.StepKey == "next").Input!["url"]!.GetValue<string>());
        Assert.False(h.Ran("oops"));
        Assert.Equal(ExecutionStatus.Completed, h.Status);
    }

    [Fact]
    public void LegacyHistory_WithoutSettledByOnError_StillShowsTheOnErrorSettledStepAsFailed()
    {
        // Histories stored before StepCompleted carried SettledByOnError: the same run, with the flag as it was then (absent).
        var h = For(RetryFlow("""
            "retry":{"maxAttempts":2,"initialInterval":"1s"},"onError":"continue"
            """));
        h.Start();
        h.RunToQuiescence(s => s.StepKey == "flaky" ? Fail(s, "down") : Ok(s));
        Assert.True(h.CompletedOf("flaky").SettledByOnError);
        var legacy = h.History.Select(e => e is StepCompleted c ? c with { SettledByOnError = false } : e).ToList();
        var stored = System.Text.Json.JsonSerializer.Serialize(legacy.OfType<StepCompleted>().Single(c => c.StepKey == "flaky"), JsonDefaults.Options);
        Assert.DoesNotContain("settledByOnError", stored, StringComparison.OrdinalIgnoreCase);

        var state = ExecutionState.Replay(h.ExecutionId, legacy);
        Assert.Equal(StepStatus.Failed, StepStatus.Of(state.Step("flaky")!));
        Assert.True(state.Step("flaky")!.SettledByOnError);
        // Steps that completed normally, and a step that failed once and then succeeded, stay completed.
        Assert.Equal(StepStatus.Completed, StepStatus.Of(state.Step("a")!));
        Assert.Equal(StepStatus.Completed, StepStatus.Of(state.Step("next")!));
    }

    [Fact]
    public void LegacyHistory_StepRetriedThenSucceeded_StaysCompleted()
    {
        var h = For(RetryFlow("""
            "retry":{"maxAttempts":3,"initialInterval":"1s"},"onError":"continue"
            """));
        h.Start();
        var failures = 0;
        h.RunToQuiescence(s => s.StepKey == "flaky" && failures++ == 0 ? Fail(s, "once") : Ok(s));
        Assert.Equal(2, h.CompletedOf("flaky").Attempt);
        var state = ExecutionState.Replay(h.ExecutionId, h.History);
        Assert.Equal(StepStatus.Completed, StepStatus.Of(state.Step("flaky")!));
    }

    [Fact]
    public void OnErrorError_TakesTheErrorPort_AndTheMainPortIsDead()
    {
        var h = For(RetryFlow("""
            "retry":{"maxAttempts":2,"initialInterval":"1s"},"onError":"error"
            """));
        h.Start();
        h.RunToQuiescence(s => s.StepKey == "flaky" ? Fail(s, "down") : Ok(s));
        var flaky = h.CompletedOf("flaky");
        Assert.Equal("error", flaky.Port);
        Assert.Equal(2, flaky.Attempt); // retried first
        Assert.True(h.Ran("oops"));
        Assert.False(h.Ran("next"));
        Assert.Equal(ExecutionStatus.Completed, h.Status);
    }

    [Fact]
    public void OnErrorContinue_OnAMultiPortNode_EndsItsBranch()
    {
        var h = For(DeciderRoutingTests.DecisionFlow.Replace("\"inputText\":\"{{trigger.text}}\"", "\"onError\":\"continue\",\"retry\":{\"maxAttempts\":1}"));
        h.Start();
        h.RunActivities(s => Fail(s));
        Assert.Equal("", h.CompletedOf("d").Port);
        Assert.Equal(["d"], h.ScheduledKeys());
        Assert.Equal(ExecutionStatus.Completed, h.Status);
    }

    // ---------------- resume ----------------

    [Fact]
    public void ResumeAfterFailure_RerunsTheFailedStep_WithAttemptsContinuing_NotFinishedSteps()
    {
        var h = For(Retrying.Replace("\"maxAttempts\":4", "\"maxAttempts\":2"));
        h.Start();
        h.RunToQuiescence(s => s.StepKey == "flaky" ? Fail(s) : Ok(s), TimeSpan.FromMinutes(5));
        Assert.Equal(ExecutionStatus.Failed, h.Status);
        Assert.Equal([1, 2], h.Events<StepScheduled>().Where(s => s.StepKey == "flaky").Select(s => s.Attempt));

        var resumed = h.Resume();
        Assert.IsType<ExecutionResumed>(Assert.Single(resumed.Accepted));
        var again = Assert.IsType<StepScheduled>(Assert.Single(resumed.Decisions));
        Assert.Equal(("flaky", 3), (again.StepKey, again.Attempt));
        Assert.Equal(ExecutionStatus.Running, resumed.Status);

        // The retry budget starts over after a resume: attempt 3 fails, attempt 4 is a retry.
        h.Answer("flaky", s => Fail(s));
        h.FireDueTimers(TimeSpan.FromMinutes(5));
        h.RunActivities();
        Assert.Equal(ExecutionStatus.Completed, h.Status);
        Assert.Equal([1, 2, 3, 4], h.Events<StepScheduled>().Where(s => s.StepKey == "flaky").Select(s => s.Attempt));
        Assert.Single(h.Events<StepScheduled>(), s => s.StepKey == "a"); // not re-run
        Assert.Single(h.Events<StepCompleted>(), s => s.StepKey == "t");
        Assert.Equal(4, h.CompletedOf("flaky").Attempt);
    }

    [Fact]
    public void Resume_IsOnlyAcceptedForAFailedExecution()
    {
        var h = For(Retrying);
        h.Start();
        Assert.Empty(h.Resume().Accepted); // running
        h.RunActivities();
        Assert.Equal(ExecutionStatus.Completed, h.Status);
        Assert.Empty(h.Resume().Accepted); // completed
        var c = For(Retrying);
        c.Start();
        c.Cancel();
        Assert.Empty(c.Resume().Accepted); // cancelled
    }

    [Fact]
    public void ResumeAfterFailure_InALoopIteration_RerunsOnlyThatIteration()
    {
        var h = For("""
            {"nodes":[
              {"id":"t","type":"trigger_manual"},
              {"id":"loop","type":"logic_loop","config":{"items":[1,2,3],"mode":"parallel"}},
              {"id":"body","type":"action_http","config":{"url":"https://x/{{item}}","retry":{"maxAttempts":1}}}
            ],"edges":[
              {"source":"t","target":"loop"},{"source":"loop","target":"body","sourceHandle":"item"},{"source":"body","target":"loop"}
            ]}
            """);
        h.Start();
        h.Answer("body/loop[0]", s => Ok(s));
        h.Answer("body/loop[2]", s => Ok(s));
        h.Answer("body/loop[1]", s => Fail(s));
        Assert.Equal(ExecutionStatus.Failed, h.Status);
        var r = h.Resume();
        Assert.Equal([("body/loop[1]", 2)], r.Decisions.OfType<StepScheduled>().Select(s => (s.StepKey, s.Attempt)));
        h.RunActivities();
        Assert.Equal(ExecutionStatus.Completed, h.Status);
        Assert.Equal(3, h.CompletedOf("loop").Output!["count"]!.GetValue<int>());
    }

    [Fact]
    public void ResumeAfterFailure_RestartsAParallelBranchWhoseResultWasDroppedWhileFailed()
    {
        // b fails the run while c is still running; c's result arrives while the run is failed and is dropped.
        // After a resume c must run again (or the join would wait for it forever).
        var h = For(DeciderBranchAndLoopTests.Diamond.Replace("\"url\":\"https://x/b\"", "\"url\":\"https://x/b\",\"retry\":{\"maxAttempts\":1}"));
        h.Start();
        h.Answer("a", s => Ok(s));
        h.Answer("b", s => Fail(s, "b broke"));
        Assert.Equal(ExecutionStatus.Failed, h.Status);
        var late = h.Answer("c", s => Ok(s));
        Assert.Empty(late.Accepted);

        var resumed = h.Resume();
        Assert.Equal(["b", "c"], resumed.Decisions.OfType<StepScheduled>().Select(s => s.StepKey).Order());
        h.RunActivities();
        Assert.Equal(ExecutionStatus.Completed, h.Status);
        Assert.Single(h.Events<StepScheduled>(), s => s.StepKey == "a");
        Assert.Single(h.Events<StepScheduled>(), s => s.StepKey == "j");
    }

    // ---------------- stale and duplicate results ----------------

    [Fact]
    public void DuplicateStepCompleted_ForTheSameAttempt_IsNotAccepted()
    {
        var h = For(DeciderRoutingTests.Sequence);
        h.Start();
        var a = Assert.Single(h.OpenActivities());
        var first = h.Deliver(Ok(a, new JsonObject { ["n"] = 1 }));
        Assert.Single(first.Accepted);
        var dup = h.Deliver(Ok(a, new JsonObject { ["n"] = 2 }));
        Assert.Empty(dup.Accepted);
        Assert.Empty(dup.Decisions);
        Assert.False(h.State.Accepts(Ok(a)));
        Assert.Equal(1, h.CompletedOf("a").Output!["n"]!.GetValue<int>());
        // Two deliveries in the same inbox: only the first counts.
        var h2 = For(DeciderRoutingTests.Sequence);
        h2.Start();
        var a2 = Assert.Single(h2.OpenActivities());
        var both = h2.Deliver(Ok(a2, new JsonObject { ["n"] = 1 }), Fail(a2), Ok(a2, new JsonObject { ["n"] = 2 }));
        Assert.Single(both.Accepted);
        Assert.Equal(1, h2.CompletedOf("a").Output!["n"]!.GetValue<int>());
    }

    [Fact]
    public void ResultForAnOldAttempt_IsIgnored()
    {
        var h = For(Retrying);
        h.Start();
        h.RunActivities(s => s.StepKey == "flaky" ? Fail(s) : Ok(s));
        var attempt1 = h.Events<StepScheduled>().Single(s => s.StepKey == "flaky" && s.Attempt == 1);
        // While waiting for the backoff: a late success of attempt 1 is stale.
        Assert.Empty(h.Deliver(Ok(attempt1)).Accepted);
        h.FireDueTimers(TimeSpan.FromSeconds(10));
        Assert.Empty(h.Deliver(Ok(attempt1)).Accepted);
        Assert.Empty(h.Deliver(Fail(attempt1)).Accepted);
        var attempt2 = Assert.Single(h.OpenActivities());
        Assert.Equal(2, attempt2.Attempt);
        Assert.Single(h.Deliver(Ok(attempt2)).Accepted);
        // A timer that already fired is not fired twice.
        Assert.Empty(h.Deliver(new TimerFired(h.Events<TimerCreated>().Single().TimerId)).Accepted);
        // Results for a step that was never scheduled are dropped too.
        Assert.Empty(h.Deliver(new StepCompleted("ghost", "ghost", "action_http", 1, null, "out")).Accepted);
    }

    [Fact]
    public void InlineResultsFromOutside_AreNeverAccepted()
    {
        var h = For(DeciderRoutingTests.Sequence);
        h.Start();
        var a = Assert.Single(h.OpenActivities());
        Assert.False(h.State.Accepts(Ok(a) with { Inline = true }));
        Assert.False(h.State.Accepts(new ExecutionStarted("wf", 1, null)));
        Assert.False(h.State.Accepts(new ExecutionCompleted(null)));
    }
}
