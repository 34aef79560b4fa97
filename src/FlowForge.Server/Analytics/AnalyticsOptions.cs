using FlowForge.Server.Hosting;
using System.ComponentModel.DataAnnotations;

namespace FlowForge.Server.Analytics;

/// <summary>The <c>Analytics</c> configuration section: how the roll-up service keeps up with finished runs.</summary>
internal sealed class AnalyticsOptions
{
    /// <summary>Keep the roll-ups up in this process (default true). Several processes may: they take turns by the watermark.</summary>
    public bool Rollup { get; set; } = true;

    /// <summary>How often the roll-up looks for newly finished runs when it has caught up (default 1 s).</summary>
    [TimeSpanRange("00:00:00.050", "00:10:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a finished run waits before it is counted (default 5 s): a turn that stamped an earlier completion
    /// time but commits later (a long transaction, another server's clock a little behind) is still seen. Set it
    /// above the longest commit plus the clock skew between servers.
    /// </summary>
    [TimeSpanRange("00:00:00", "01:00:00")]
    public TimeSpan SettleDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How many finished runs one roll-up transaction counts (default 200).</summary>
    [Range(1, 10000)]
    public int BatchSize { get; set; } = 200;
}
