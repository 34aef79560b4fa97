using System.Reflection;
using FlowForge.Server.Hosting;
using Npgsql;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace FlowForge.Server.Telemetry;

/// <summary>
/// OpenTelemetry for the server (the <c>Telemetry</c> section and the standard <c>OTEL_*</c> variables). Off by default:
/// then no SDK is registered, nothing listens to the FlowForge instruments and this adds no work anywhere.
/// </summary>
internal static class TelemetryRegistration
{
    public const string MetricsPath = "/metrics";

    public static WebApplicationBuilder AddFlowForgeTelemetry(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        builder.Services.AddSettings<TelemetryOptions>(configuration, "Telemetry");
        var options = configuration.ReadSettings<TelemetryOptions>("Telemetry");
        if (!options.Active) return builder;

        // The SDK reads OTEL_* from configuration itself (environment variables included): endpoint, protocol, headers,
        // sampler, resource attributes. Exporting over OTLP needs an endpoint; without one only /metrics (if on) is fed.
        var otlp = !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var services = builder.Services;
        services.AddOpenTelemetry()
            .ConfigureResource(resource =>
            {
                // OTEL_SERVICE_NAME, when set, names the service; an explicit name here would override it.
                if (string.IsNullOrWhiteSpace(configuration["OTEL_SERVICE_NAME"]))
                {
                    resource.AddService("flowforge", serviceVersion: typeof(TelemetryRegistration).Assembly
                        .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion);
                }
            })
            .WithTracing(tracing =>
            {
                tracing.AddSource(FlowForgeTelemetry.Name)
                    // Probes and scrapes every few seconds would bury the requests that matter.
                    .AddAspNetCoreInstrumentation(o => o.Filter = http => !IsProbe(http.Request.Path))
                    .AddHttpClientInstrumentation();
                if (options.DatabaseSpans) tracing.AddNpgsql();
                if (otlp) tracing.AddOtlpExporter();
            })
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(FlowForgeTelemetry.Name)
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation();
                if (options.Prometheus) metrics.AddPrometheusExporter();
                if (otlp) metrics.AddOtlpExporter();
            });
        // Log records carry the trace and span id of the span they were written in, and the scopes (a step's execution id).
        // The console and other providers are kept: this one adds the export.
        builder.Logging.AddOpenTelemetry(o =>
        {
            o.IncludeScopes = true;
            o.IncludeFormattedMessage = true;
            if (otlp) o.AddOtlpExporter();
        });
        services.AddHostedService<ExecutionMetrics>();
        services.AddSingleton<StoreGauges>();
        services.AddHostedService(sp => sp.GetRequiredService<StoreGauges>());
        return builder;
    }

    /// <summary><c>/metrics</c> (Prometheus text), when turned on; without an API key, as scrapers have none.</summary>
    public static WebApplication MapFlowForgeMetrics(this WebApplication app)
    {
        var options = app.Configuration.ReadSettings<TelemetryOptions>("Telemetry");
        if (!options.Prometheus) return app;
        var endpoint = app.MapPrometheusScrapingEndpoint(MetricsPath).AllowAnonymous().ExcludeFromDescription();
        if (options.PrometheusPort > 0) endpoint.RequireHost($"*:{options.PrometheusPort}");
        return app;
    }

    private static bool IsProbe(PathString path) => path.StartsWithSegments("/health") || path.StartsWithSegments(MetricsPath);
}
