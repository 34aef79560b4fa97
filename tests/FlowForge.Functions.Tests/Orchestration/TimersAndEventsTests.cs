using FlowForge.Core.Engine.History;
using FlowForge.Core.Storage;
using FlowForge.Functions.Orchestration;
using Microsoft.DurableTask.Client;

namespace FlowForge.Functions.Tests.Orchestration;

/// <summary>Durable timers (delays, retry backoffs, Retry-After), approvals on external events, and cancellation.</summary>
[Collection(OrchestrationCollection.Name)]
public sealed class TimersAndEventsTests(OrchestrationHost host)
{
    private static string Tag() => Guid.NewGuid().ToString("N")[..8];

    /// <summary>A manual trigger, optionally a delay, then an approval whose three ports each set <c>route</c>.</summary>
    private static string Approval(string timeout, string? delayFirst = null) => $$$"""
        { "name": "approval", "nodes": [
            { "id": "t", "type": "trigger_manual" },
            { "id": "pause", "type": "logic_delay", "config": { "duration": "{{{delayFirst ?? "0s"}}}" } },
            { "id": "approve", "type": "logic_approval", "config": { "message": "Refund?", "timeout": "{{{timeout}}}" } },
            { "id": "ok", "type": "logic_set_variable", "config": { "variables": { "route": "approved" } } },
            { "id": "no", "type": "logic_set_variable", "config": { "variables": { "route": "rejected" } } },
            { "id": "late", "type": "logic_set_variable", "config": { "variables": { "route": "timeout" } } } ],
          "edges": [ { "source": "t", "target": "pause" }, { "source": "pause", "target": "approve" },
                     { "source": "approve", "target": "ok", "sourceHandle": "approved" },
                     { "source": "approve", "target": "no", "sourceHandle": "rejected" },
                     { "source": "approve", "target": "late", "sourceHandle": "timeout" } ] }
        """;

    [Fact]
    public async Task Delay_WaitsOnADurableTimer_UntilItsTime()
    {
        var wf = await host.PublishAsync("""
            { "name": "delay", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "wait", "type": "logic_delay", "config": { "duration": "1s" } },
                { "id": "after", "type": "logic_set_variable", "config": { "variables": { "done": true } } } ],
              "edges": [ { "source": "t", "target": "wait" }, { "source": "wait", "target": "after" } ] }
            """);
        var id = await host.StartAsync(wf);
        // Waiting while the timer is pending: the log's row says so (the row is written after the turn's history rows).
        var waiting = await host.WaitForRowAsync(id, r => r.Status == ExecutionStatus.Waiting);
        Assert.Equal(ExecutionStatus.Waiting, waiting.Status);
        var done = await host.WaitAsync(id);
        Assert.Equal(ExecutionStatus.Completed, done.Record.Status);
        var timer = Assert.Single(done.History.OfType<TimerCreated>());
        Assert.Equal(TimerPurpose.Delay, timer.Purpose);
        Assert.Equal(TimeSpan.FromSeconds(1), timer.FireAt - timer.Timestamp);
        // The timer fired (orchestration time at or after its due time) before the step completed.
        var fired = done.History.OfType<TimerFired>().Single(f => f.TimerId == timer.TimerId);
        Assert.True(fired.Timestamp >= timer.FireAt, $"fired at {fired.Timestamp:O}, due {timer.FireAt:O}");
        Assert.True(done.Step("wait").Timestamp >= timer.FireAt);
    }

    [Fact]
    public async Task Approval_Approved_TakesTheApprovedPort_WithWhoAndWhy()
    {
        var wf = await host.PublishAsync(Approval("1h"));
        var id = await host.StartAsync(wf);
        await host.WaitForHistoryAsync(id, h => h.OfType<WaitStarted>().Any());
        await host.Client.RaiseEventAsync(id, "approval", new { approved = true, approvedBy = "maria", comment = "ok" });
        var done = await host.WaitAsync(id);
        Assert.Equal("approved", (string?)done.Output!["route"]);
        Assert.Equal("approved", done.Step("approve").Port);
        Assert.Equal("maria", (string?)done.Step("approve").Output!["approved_by"]);
        Assert.Single(done.History.OfType<EventRaised>(), e => e.Name == "approval");
    }

    [Fact]
    public async Task Approval_Rejected_TakesTheRejectedPort()
    {
        var wf = await host.PublishAsync(Approval("1h"));
        var id = await host.StartAsync(wf);
        await host.WaitForHistoryAsync(id, h => h.OfType<WaitStarted>().Any());
        await host.Client.RaiseEventAsync(id, "approval", new { approved = false, comment = "no" });
        var done = await host.WaitAsync(id);
        Assert.Equal("rejected", (string?)done.Output!["route"]);
        Assert.False(done.Ran("ok"));
    }

    [Fact]
    public async Task Approval_EventRaisedBeforeTheWait_IsBufferedByDurableTask_AndResolvesItWhenItStarts()
    {
        // The approval starts only after a 2 s delay; the event is raised while the delay's timer is pending.
        var wf = await host.PublishAsync(Approval("1h", delayFirst: "2s"));
        var id = await host.StartAsync(wf);
        await host.WaitForHistoryAsync(id, h => h.OfType<TimerCreated>().Any(t => t.Purpose == TimerPurpose.Delay));
        await host.Client.RaiseEventAsync(id, "approval", new { approved = true, approvedBy = "early" });
        var done = await host.WaitAsync(id);
        Assert.Equal("approved", (string?)done.Output!["route"]);
        Assert.Equal("early", (string?)done.Step("approve").Output!["approved_by"]);
        // The event came into the history after the wait started (it was held by Durable Task, not lost).
        var history = done.History.ToList();
        Assert.True(history.FindIndex(e => e is EventRaised) > history.FindIndex(e => e is WaitStarted));
    }

    [Fact]
    public async Task Approval_TimesOut_ToTheTimeoutPort()
    {
        var wf = await host.PublishAsync(Approval("1s"));
        var done = await host.WaitAsync(await host.StartAsync(wf));
        Assert.Equal("timeout", (string?)done.Output!["route"]);
        Assert.Equal("timeout", done.Step("approve").Port);
        var timer = done.History.OfType<TimerCreated>().Single(t => t.Purpose == TimerPurpose.WaitTimeout);
        Assert.Contains(done.History.OfType<TimerFired>(), f => f.TimerId == timer.TimerId);
    }

    [Fact]
    public async Task Cancel_WhileWaiting_CancelsTheExecution_AndALaterApprovalChangesNothing()
    {
        var wf = await host.PublishAsync(Approval("1h"));
        var id = await host.StartAsync(wf);
        await host.WaitForHistoryAsync(id, h => h.OfType<WaitStarted>().Any());
        await host.Client.RaiseEventAsync(id, OrchestrationNames.CancelEvent, "customer left");
        var done = await host.WaitAsync(id);
        Assert.Equal(ExecutionStatus.Cancelled, done.Record.Status);
        Assert.Contains("customer left", done.Record.Error);
        Assert.Equal(ExecutionStatus.Cancelled, done.Outcome!.Status);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.Instance.RuntimeStatus);
        Assert.IsType<CancelRequested>(done.History[^2]);
        Assert.IsType<ExecutionCancelled>(done.History[^1]);
        Assert.False(done.Ran("ok"));
    }

    [Fact]
    public async Task Cancel_WhileAStepRuns_AbandonsIt_AndItsLateResultIsNotRecorded()
    {
        var tag = Tag();
        var wf = await host.PublishAsync($$$"""
            { "name": "cancel-running", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "pause", "type": "logic_delay", "config": { "duration": "1h" } },
                { "id": "call", "type": "action_http", "config": { "method": "POST", "url": "{{{host.Provider.Url($"/ok/{tag}")}}}" } } ],
              "edges": [ { "source": "t", "target": "pause" }, { "source": "t", "target": "call" } ] }
            """);
        var id = await host.StartAsync(wf);
        // Cancelled as soon as the step is scheduled; whether or not its result got in first, the run ends cancelled.
        await host.WaitForHistoryAsync(id, h => h.OfType<StepScheduled>().Any(s => s.NodeId == "call"));
        await host.Client.RaiseEventAsync(id, OrchestrationNames.CancelEvent, "stop");
        var done = await host.WaitAsync(id);
        Assert.Equal(ExecutionStatus.Cancelled, done.Record.Status);
        Assert.IsType<ExecutionCancelled>(done.History[^1]);
        // Nothing after the end: a result that came back late was ignored.
        Assert.Single(done.History, e => e is ExecutionCancelled);
    }

    [Fact]
    public async Task Retries_BackOffOnDurableTimers_AndSucceedOnTheThirdAttempt()
    {
        var tag = Tag();
        var wf = await host.PublishAsync($$$"""
            { "name": "retry", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "call", "type": "action_http", "config": { "method": "POST", "url": "{{{host.Provider.Url($"/flaky/{tag}?failures=2")}}}",
                  "retry": { "maxAttempts": 3, "initialInterval": "100ms", "backoffCoefficient": 3 } } } ],
              "edges": [ { "source": "t", "target": "call" } ] }
            """);
        var id = await host.StartAsync(wf);
        var done = await host.WaitAsync(id);
        Assert.Equal(ExecutionStatus.Completed, done.Record.Status);
        Assert.Equal(3, host.Provider.Calls($"/flaky/{tag}"));
        Assert.Equal(3, done.Step("call").Attempt);
        Assert.Equal(2, done.History.OfType<StepFailed>().Count());
        var timers = done.History.OfType<TimerCreated>().ToList();
        Assert.All(timers, t => Assert.Equal(TimerPurpose.Retry, t.Purpose));
        // The step's backoff: 100 ms, then 300 ms (coefficient 3).
        Assert.Equal([TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(300)], timers.Select(t => t.FireAt - t.Timestamp));
        // Each attempt carried its own idempotency key to the provider.
        Assert.Equal([$"{id}:call:1", $"{id}:call:2", $"{id}:call:3"], host.Provider.Requests.Where(r => r.Path == $"/flaky/{tag}").Select(r => r.IdempotencyKey));
    }

    [Fact]
    public async Task Retry_HonoursTheProvidersRetryAfter_OverAShorterBackoff()
    {
        var tag = Tag();
        var wf = await host.PublishAsync($$$"""
            { "name": "retry-after", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "call", "type": "action_http", "config": { "url": "{{{host.Provider.Url($"/flaky/{tag}?failures=1&status=429&retryAfter=1")}}}",
                  "retry": { "maxAttempts": 2, "initialInterval": "10ms" } } } ],
              "edges": [ { "source": "t", "target": "call" } ] }
            """);
        var done = await host.WaitAsync(await host.StartAsync(wf));
        Assert.Equal(ExecutionStatus.Completed, done.Record.Status);
        var failed = Assert.Single(done.History.OfType<StepFailed>());
        Assert.Equal(TimeSpan.FromSeconds(1), failed.RetryAfter);
        var timer = Assert.Single(done.History.OfType<TimerCreated>());
        Assert.Equal(TimeSpan.FromSeconds(1), timer.FireAt - timer.Timestamp);
        // The second attempt reached the provider only once the timer was due.
        var second = host.Provider.KeyedTimes.Where(r => r.Path == $"/flaky/{tag}").ElementAt(1);
        Assert.True(second.At >= timer.FireAt, $"second attempt at {second.At:O}, timer due {timer.FireAt:O}");
    }

    [Fact]
    public async Task Retry_AHostileRetryAfterIsCappedAtADay()
    {
        var tag = Tag();
        var wf = await host.PublishAsync($$$"""
            { "name": "retry-after-hostile", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "call", "type": "action_http", "config": { "url": "{{{host.Provider.Url($"/flaky/{tag}?failures=1&status=429&retryAfter=99999999")}}}",
                  "retry": { "maxAttempts": 2, "initialInterval": "10ms" } } } ],
              "edges": [ { "source": "t", "target": "call" } ] }
            """);
        var id = await host.StartAsync(wf);
        var history = await host.WaitForHistoryAsync(id, h => h.OfType<TimerCreated>().Any());
        var timer = history.OfType<TimerCreated>().Single();
        Assert.Equal(TimeSpan.FromDays(1), timer.FireAt - timer.Timestamp);
        // Not left parked for a day.
        await host.Client.RaiseEventAsync(id, OrchestrationNames.CancelEvent, "done");
        Assert.Equal(ExecutionStatus.Cancelled, (await host.WaitAsync(id)).Record.Status);
    }

    [Fact]
    public void HostRetries_MapTheStepsPolicy_ToDurableTaskRetryOptions()
    {
        var settings = Core.Engine.StepSettings.Default with { MaxAttempts = 4, InitialInterval = TimeSpan.FromSeconds(2), BackoffCoefficient = 3, MaxInterval = TimeSpan.FromMinutes(5) };
        var policy = WorkflowOrchestration.HostRetries(settings).Retry!.Policy!;
        Assert.Equal(4, policy.MaxNumberOfAttempts);
        Assert.Equal(TimeSpan.FromSeconds(2), policy.FirstRetryInterval);
        Assert.Equal(3, policy.BackoffCoefficient);
        Assert.Equal(TimeSpan.FromMinutes(5), policy.MaxRetryInterval);
        // Durable Task refuses a zero interval: a step configured with none gets the smallest it accepts.
        Assert.Equal(TimeSpan.FromMilliseconds(1), WorkflowOrchestration.HostRetries(settings with { InitialInterval = TimeSpan.Zero }).Retry!.Policy!.FirstRetryInterval);
    }
}
