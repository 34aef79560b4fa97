using System.ComponentModel.DataAnnotations;
using FlowForge.Server.Hosting;

namespace FlowForge.Server.Live;

/// <summary>The <c>Live</c> configuration section: the SignalR progress hub.</summary>
internal sealed class LiveOptions
{
    /// <summary>
    /// A connection with no activity — no hub call from the client and no event sent to it — for this
    /// long is closed (default 30 min; 0 turns it off). Dead connections (no ping) are closed sooner, after <see cref="ClientTimeout"/>.
    /// </summary>
    [TimeSpanRange("00:00:00", "7.00:00:00")]
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>SignalR's client timeout: a connection that sends nothing, not even a ping, for this long is closed (default 30 s).</summary>
    [TimeSpanRange("00:00:00.100", "01:00:00")]
    public TimeSpan ClientTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the server pings each client (default 15 s).</summary>
    [TimeSpanRange("00:00:00.100", "01:00:00")]
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Workflow plus execution subscriptions one connection may hold (default 100).</summary>
    [Range(1, 100_000)]
    public int MaxSubscriptionsPerConnection { get; set; } = 100;

    /// <summary>Events waiting for one connection; above this the connection's events are dropped and it gets <c>execution:resync</c> (default 1,000).</summary>
    [Range(1, 1_000_000)]
    public int ConnectionBufferSize { get; set; } = 1000;

    /// <summary>Committed turns waiting to be routed to connections; above this turns are dropped and their subscribers resynced (default 20,000).</summary>
    [Range(1, 10_000_000)]
    public int FeedBufferSize { get; set; } = 20_000;

    /// <summary>
    /// Also stream executions committed by other processes on the same database (SQLite: polls the
    /// <c>feed</c> table; PostgreSQL: LISTEN/NOTIFY; default false, a single process sees its own commits without either).
    /// </summary>
    public bool CrossProcess { get; set; }

    /// <summary>
    /// How often the API keys of open connections are re-checked against the store (default 2 s): a key revoked by
    /// another process closes its connections here within this time (a revocation in this process closes them at once).
    /// </summary>
    [TimeSpanRange("00:00:00.100", "00:05:00")]
    public TimeSpan KeyCheckInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often the cross-process feed polls the store (default 100 ms).</summary>
    [TimeSpanRange("00:00:00.010", "00:01:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(100);
}
