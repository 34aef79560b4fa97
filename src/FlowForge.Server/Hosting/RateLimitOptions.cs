using System.ComponentModel.DataAnnotations;

namespace FlowForge.Server.Hosting;

/// <summary>
/// The <c>RateLimits</c> configuration section: token buckets per API key (every <c>/api</c> route) and per webhook
/// (<c>/hooks/{endpointKey}</c>). A bucket holds <c>Burst</c> requests and refills <c>PerSecond</c> a second; 0 turns a limit off.
/// </summary>
internal sealed class RateLimitOptions
{
    /// <summary>Requests per second one API key may make to <c>/api</c>, sustained (default 500; 0 = no limit). Requests without a valid key are counted per client IP address.</summary>
    [Range(0, 1_000_000)]
    public int PerKeyPerSecond { get; set; } = 500;

    /// <summary>Requests one API key may make at once before the per-second rate applies (default 1000).</summary>
    [Range(1, 10_000_000)]
    public int PerKeyBurst { get; set; } = 1000;

    /// <summary>Requests per second one webhook URL accepts, sustained (default 100; 0 = no limit).</summary>
    [Range(0, 1_000_000)]
    public int PerWebhookPerSecond { get; set; } = 100;

    /// <summary>Requests one webhook URL accepts at once before the per-second rate applies (default 200).</summary>
    [Range(1, 10_000_000)]
    public int PerWebhookBurst { get; set; } = 200;
}
