using System.ComponentModel.DataAnnotations;
using FlowForge.Server.Hosting;

namespace FlowForge.Server.Telemetry;

/// <summary>
/// The <c>Telemetry</c> configuration section. Where traces and metrics go is the standard <c>OTEL_*</c> variables'
/// business (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, <c>OTEL_SERVICE_NAME</c>, <c>OTEL_TRACES_SAMPLER</c>, ...); these only
/// say whether this process produces any, and whether it serves a Prometheus page.
/// </summary>
internal sealed class TelemetryOptions
{
    /// <summary>
    /// Turns OpenTelemetry on: traces, metrics and logs through the SDK, exported over OTLP when
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (default false). Off, nothing listens to the instruments, so they cost a
    /// check per call and nothing else.
    /// </summary>
    public bool Enabled { get; set; }

    /// <summary>Serves the metrics as Prometheus text at <c>/metrics</c>, without an API key (default false; turns telemetry on as well).</summary>
    public bool Prometheus { get; set; }

    /// <summary>
    /// When set, <c>/metrics</c> answers only requests addressed to this port (add it to the server's URLs, e.g.
    /// <c>ASPNETCORE_URLS=http://+:8080;http://+:9464</c>), so the page can stay inside the cluster while the API port is
    /// published (default 0: any port the server listens on).
    /// </summary>
    [Range(0, 65535)]
    public int PrometheusPort { get; set; }

    /// <summary>Whether anything is produced at all: <see cref="Enabled"/>, or a Prometheus page to fill.</summary>
    public bool Active => Enabled || Prometheus;

    /// <summary>
    /// Adds a span per PostgreSQL command (Npgsql's instrumentation; default false). Off, a commit is one
    /// <c>flowforge.commit</c> span; on, the dispatcher's and workers' polling queries become traces of their own too.
    /// </summary>
    public bool DatabaseSpans { get; set; }

    /// <summary>
    /// How often the store is counted for the gauges (unfinished executions by status, leased and queued activities):
    /// one small query per interval by the process, never one per scrape (default 15 s).
    /// </summary>
    [TimeSpanRange("00:00:01", "01:00:00")]
    public TimeSpan StoreCountInterval { get; set; } = TimeSpan.FromSeconds(15);
}
