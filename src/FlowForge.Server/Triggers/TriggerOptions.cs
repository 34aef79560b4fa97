using System.ComponentModel.DataAnnotations;
using FlowForge.Server.Hosting;

namespace FlowForge.Server.Triggers;

/// <summary>The <c>Triggers</c> configuration section.</summary>
internal sealed class TriggerOptions
{
    /// <summary>Largest hook payload in bytes (413 above). Default 1 MiB.</summary>
    [Range(1, 256 * 1024 * 1024)]
    public int MaxPayloadBytes { get; set; } = 1024 * 1024;

    /// <summary>The public base URL hook URLs are built on (e.g. https://flows.example.com); default: the request's scheme and host.</summary>
    [HttpUrl]
    public string? PublicBaseUrl { get; set; }

    /// <summary>How long the previous webhook secret or token stays valid after a rotation.</summary>
    [TimeSpanRange("00:00:00", "365.00:00:00")]
    public TimeSpan SecretRotationGrace { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Standard Webhooks timestamp tolerance.</summary>
    [TimeSpanRange("00:00:01", "1.00:00:00")]
    public TimeSpan SignatureTolerance { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Email and voice inbound: a deployment-level token (<c>Authorization: Bearer</c> or <c>X-Webhook-Token</c>).</summary>
    public string? InboundToken { get; set; }

    /// <summary>Email and voice inbound: a deployment-level Standard Webhooks secret (<c>whsec_…</c>), instead of or besides the token.</summary>
    public string? InboundSecret { get; set; }

    /// <summary>Run the schedule loop in this process (it also needs <c>Engine__Dispatcher</c>).</summary>
    public bool Schedules { get; set; } = true;

    /// <summary>How often the schedule loop looks for due ticks.</summary>
    [TimeSpanRange("00:00:00.010", "01:00:00")]
    public TimeSpan SchedulePollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A tick found due later than this (the server was down or busy) counts as missed and follows <c>catchUp</c>.</summary>
    [TimeSpanRange("00:00:00", "365.00:00:00")]
    public TimeSpan ScheduleMisfireThreshold { get; set; } = TimeSpan.FromMinutes(1);

}

/// <summary>
/// The clock schedules read. Its own type (not the engine's <see cref="TimeProvider"/>) so tests can drive schedules
/// with a fake clock while the rest of the server runs on real time.
/// </summary>
internal sealed class TriggerClock(TimeProvider time)
{
    public TimeProvider Time { get; } = time;

    public DateTimeOffset Now => Time.GetUtcNow();
}
