using FlowForge.Server.Hosting;

namespace FlowForge.Server.Health;

/// <summary>The <c>Health</c> configuration section.</summary>
internal sealed class HealthOptions
{
    /// <summary>
    /// A loop (dispatcher, worker feed, schedule) that has not completed an iteration for this long is stalled and
    /// makes <c>/health/live</c> unhealthy (default 2 min). Idle loops still iterate every poll interval, and an outage
    /// backs off at most 5 s, so only a hung loop gets this old.
    /// </summary>
    [TimeSpanRange("00:00:01", "1.00:00:00")]
    public TimeSpan StallAfter { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How long the server keeps serving, answering 503 on <c>/health/ready</c>, after a shutdown signal and before it
    /// stops listening and drains (default 0). Behind a load balancer or in Kubernetes, set it to the time the balancer
    /// takes to notice (e.g. 5 s), so no request is sent to a process that has stopped listening.
    /// </summary>
    [TimeSpanRange("00:00:00", "00:10:00")]
    public TimeSpan ShutdownDelay { get; set; } = TimeSpan.Zero;
}
