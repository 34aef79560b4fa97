using System.Text.Json.Nodes;
using FlowForge.Core.Engine.History;
using FlowForge.Server.Engine;
using FlowForge.Server.Live;

namespace FlowForge.Server.Tests.Live;

public sealed class ProgressMapperTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private static ExecutionProgress Turn(long first, string status, params HistoryEvent[] events) =>
        new("ex_1", "org", "wf_1", status, first, events, T0.AddSeconds(10), T0);

    private static string Describe(ProgressEvent e) =>
        string.Join(" ", new[] { e.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Name, (string?)e.Payload["stepId"], (string?)e.Payload["status"] }.Where(x => x is not null));

    [Fact]
    public void StartedTurn_MapsStartInlineTriggerAndDelay()
    {
        var events = ProgressMapper.Map(Turn(1, "waiting",
            new ExecutionStarted("wf_1", 1, new JsonObject()) { Timestamp = T0 },
            new StepCompleted("start", "start", "trigger_manual", 1, new JsonObject(), "out", Inline: true) { Timestamp = T0 },
            new TimerCreated("delay:pause:1", T0.AddMinutes(5), TimerPurpose.Delay, "pause", "pause") { Timestamp = T0 }));
        Assert.Equal(["1 execution:started", "2 execution:step start completed", "3 execution:waiting pause"], events.Select(Describe));
        Assert.True(events[0].Lifecycle);
        Assert.False(events[1].Lifecycle);
        Assert.True(events[2].Lifecycle);
        Assert.Equal("2025-01-01T12:05:00.0000000Z", (string?)events[2].Payload["until"]);
        Assert.Equal(0, (double?)events[1].Payload["duration"]);
        Assert.All(events, e => Assert.Equal("2025-01-01T12:00:10.0000000Z", (string?)e.Payload["committedAt"]));
    }

    [Fact]
    public void StepSettledByOnError_IsFailed_AnOutputSayingFailed_IsCompleted()
    {
        var failedOutput = new JsonObject { ["failed"] = true, ["error"] = "HTTP 400" };
        var events = ProgressMapper.Map(Turn(4, "running",
            new StepCompleted("soft", "soft", "action_http", 1, failedOutput, "out", Inline: true, SettledByOnError: true) { Timestamp = T0 },
            new StepCompleted("mark", "mark", "logic_set_variable", 1, failedOutput.DeepClone(), "out", Inline: true) { Timestamp = T0 }));
        Assert.Equal(["4 execution:step soft failed", "5 execution:step mark completed"], events.Select(Describe));
    }

    [Fact]
    public void FailedAttemptWithRetryTimer_IsRetrying_WithoutIt_Failed()
    {
        var starts = new Dictionary<string, DateTimeOffset>();
        ProgressMapper.Map(Turn(4, "running", new StepScheduled("call", "call", "action_http", 1, null) { Timestamp = T0 }), starts);
        var retrying = ProgressMapper.Map(Turn(5, "waiting",
            new StepFailed("call", "call", "action_http", 1, "HTTP 500") { Timestamp = T0.AddMilliseconds(250) },
            new TimerCreated("retry:call:2", T0.AddSeconds(1), TimerPurpose.Retry, "call") { Timestamp = T0.AddMilliseconds(250) }), starts);
        Assert.Equal(["5 execution:step call retrying"], retrying.Select(Describe));
        Assert.Equal(250, (double?)retrying[0].Payload["duration"]);
        Assert.Equal("HTTP 500", (string?)retrying[0].Payload["error"]);

        var failed = ProgressMapper.Map(Turn(7, "failed",
            new StepFailed("call", "call", "action_http", 3, "HTTP 500") { Timestamp = T0.AddSeconds(5) },
            new ExecutionFailed("Step 'call' failed: HTTP 500", "call") { Timestamp = T0.AddSeconds(5) }), starts);
        Assert.Equal(["7 execution:step call failed", "8 execution:failed call failed"], failed.Select(Describe));
        Assert.Equal(3, (int?)failed[0].Payload["attempt"]);
        Assert.Equal("Step 'call' failed: HTTP 500", (string?)failed[1].Payload["error"]);
        Assert.Equal(5000, (double?)failed[1].Payload["totalDuration"]);
    }

    [Fact]
    public void Cancelled_IsCompletedWithStatusCancelled_AndBookkeepingEventsMapToNothing()
    {
        var events = ProgressMapper.Map(Turn(9, "cancelled",
            new CancelRequested("stop") { Timestamp = T0 },
            new TimerFired("t") { Timestamp = T0 },
            new EventRaised("approval", null) { Timestamp = T0 },
            new ExecutionCancelled("stop") { Timestamp = T0.AddSeconds(2) }));
        var only = Assert.Single(events);
        Assert.Equal("12 execution:completed cancelled", Describe(only));
        Assert.Equal("stop", (string?)only.Payload["reason"]);
        Assert.Equal(2000, (double?)only.Payload["totalDuration"]);
    }

    [Fact]
    public void Approval_IsWaitingForItsEvent()
    {
        var events = ProgressMapper.Map(Turn(3, "waiting",
            new WaitStarted("approve", "approve", "approval", "wait:approve", T0.AddHours(1)) { Timestamp = T0 },
            new TimerCreated("wait:approve", T0.AddHours(1), TimerPurpose.WaitTimeout, "approve") { Timestamp = T0 }));
        var waiting = Assert.Single(events);
        Assert.Equal("approval", (string?)waiting.Payload["eventName"]);
        Assert.Equal("logic_approval", (string?)waiting.Payload["nodeType"]);
    }

    [Fact]
    public void ConnectionOutbox_WhenFull_DropsAndMarksTheExecutionForResync()
    {
        var connection = new LiveConnection(new FakeCaller(), "org", 2, TimeProvider.System);
        var e = ProgressMapper.Resync("ex_1", "org", "wf_1", T0) with { Name = "execution:step" };
        Assert.True(connection.Enqueue(e));
        Assert.True(connection.Enqueue(e));
        Assert.False(connection.Enqueue(e with { ExecutionId = "ex_2" }));
        Assert.Equal("wf_1", connection.PendingResync["ex_2"]);
    }

    private sealed class FakeCaller : Microsoft.AspNetCore.SignalR.HubCallerContext
    {
        public override string ConnectionId => "c1";
        public override string? UserIdentifier => null;
        public override System.Security.Claims.ClaimsPrincipal? User => null;
        public override IDictionary<object, object?> Items { get; } = new Dictionary<object, object?>();
        public override Microsoft.AspNetCore.Http.Features.IFeatureCollection Features { get; } = new Microsoft.AspNetCore.Http.Features.FeatureCollection();
        public override CancellationToken ConnectionAborted => CancellationToken.None;
        public override void Abort() { }
    }
}
