using FlowForge.Server.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FlowForge.Server.Health;

/// <summary>
/// <c>/health/live</c> and <c>/health/ready</c>, for orchestrators' probes and load balancers: no API key, a JSON body
/// naming each check, 200 when healthy and 503 when not. The checks are ASP.NET Core health checks, tagged by probe.
/// </summary>
internal static class HealthApi
{
    public const string Live = "live", Ready = "ready";

    public static IServiceCollection AddFlowForgeHealth(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSettings<HealthOptions>(configuration, "Health");
        services.AddSingleton<LoopHeartbeats>();
        services.AddSingleton<ShutdownSignal>();
        services.AddHostedService(sp => sp.GetRequiredService<ShutdownSignal>());
        services.AddHealthChecks()
            .AddCheck<LoopsHealthCheck>("loops", tags: [Live])
            .AddCheck<DatabaseHealthCheck>("database", tags: [Ready])
            .AddCheck<EngineHealthCheck>("engine", tags: [Ready]);
        return services;
    }

    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/health").WithTags("Health").AllowAnonymous();
        group.MapGet("/live", LiveAsync).WithName("HealthLive").Produces<HealthReportResponse>(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("Liveness: the process and its loops (dispatcher, workers, schedules) are iterating; restart it on 503");
        group.MapGet("/ready", ReadyAsync).WithName("HealthReady").Produces<HealthReportResponse>(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("Readiness: database reachable, migrations applied, dispatcher and workers running, not shutting down; send no traffic on 503");
        return app;
    }

    public static Task<Results<Ok<HealthReportResponse>, JsonHttpResult<HealthReportResponse>>> LiveAsync(HealthCheckService health, CancellationToken ct) =>
        RunAsync(health, Live, ct);

    public static Task<Results<Ok<HealthReportResponse>, JsonHttpResult<HealthReportResponse>>> ReadyAsync(HealthCheckService health, CancellationToken ct) =>
        RunAsync(health, Ready, ct);

    private static async Task<Results<Ok<HealthReportResponse>, JsonHttpResult<HealthReportResponse>>> RunAsync(HealthCheckService health, string tag, CancellationToken ct)
    {
        var report = await health.CheckHealthAsync(r => r.Tags.Contains(tag), ct);
        var body = new HealthReportResponse(
            report.Status == HealthStatus.Healthy ? "healthy" : "unhealthy",
            [.. report.Entries.Select(e => new HealthCheckResponse(e.Key, e.Value.Status == HealthStatus.Healthy ? "healthy" : "unhealthy",
                e.Value.Description, Math.Round(e.Value.Duration.TotalMilliseconds, 1)))]);
        // Degraded counts as unready too: a probe only reads the status code.
        return report.Status == HealthStatus.Healthy
            ? TypedResults.Ok(body)
            : TypedResults.Json(body, statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}

/// <summary>The answer of <c>/health/live</c> and <c>/health/ready</c>: the overall status and each check's.</summary>
internal sealed record HealthReportResponse(string Status, IReadOnlyList<HealthCheckResponse> Checks);

/// <summary>One check: its name (<c>loops</c>, <c>database</c>, <c>engine</c>), <c>healthy</c> or <c>unhealthy</c>, why, and how long it took.</summary>
internal sealed record HealthCheckResponse(string Name, string Status, string? Description, double DurationMs);
