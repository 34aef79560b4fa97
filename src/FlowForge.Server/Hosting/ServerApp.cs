using FlowForge.Server.Analytics;
using FlowForge.Server.Api;
using FlowForge.Server.Api.Hooks;
using FlowForge.Server.Auth;
using FlowForge.Server.Health;
using FlowForge.Server.Live;
using FlowForge.Server.Telemetry;
using Microsoft.AspNetCore.Authentication;

namespace FlowForge.Server.Hosting;

/// <summary>Builds the server: one place that wires configuration, services and endpoints, used by Program and by tests.</summary>
internal static class ServerApp
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);
        builder.UseFlowForgeWebRoot();
        builder.AddFlowForgeTelemetry();
        var services = builder.Services;

        services.AddFlowForgeEndpointServices(builder.Configuration);
        services.AddFlowForgeLive(builder.Configuration);
        services.AddFlowForgeAnalytics(builder.Configuration);
        services.AddFlowForgeHealth(builder.Configuration);

        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorization();
        services.AddFlowForgeRateLimits(builder.Configuration);
        services.AddFlowForgeOpenApi();
        services.AddFlowForgeWebApp();

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        // Before authentication: the app's files are public; what they call needs a key.
        app.UseFlowForgeWebApp();
        app.UseAuthentication();
        // After authentication: the per-key limit partitions by the authenticated key, not by what the client sent.
        app.UseRateLimiter();
        app.UseAuthorization();
        app.UseFlowForgeLiveKeys();

        app.MapFlowForgeOpenApi();
        app.MapHooks();
        app.MapGet("/health", () => TypedResults.Ok(new HealthResponse("ok"))).WithTags("Health").WithName("Health")
            .WithSummary("The process answers (kept for existing probes; see /health/live and /health/ready)");
        app.MapHealthApi();
        app.MapFlowForgeMetrics();
        // Every /api endpoint can answer 401 (no or a revoked key) and 429 (the key's rate limit), as problem+json.
        var api = app.MapGroup("/api").RequireAuthorization().RequireRateLimiting(RateLimitRegistration.PerKey)
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status429TooManyRequests);
        api.MapWorkflowsApi();
        api.MapNodeTypesApi();
        api.MapApiKeysApi();
        api.MapExecutionsApi();
        api.MapOutboxApi();
        api.MapCredentialsApi();
        app.MapFlowForgeLive();
        api.MapTriggersApi();
        api.MapApprovalsApi();
        api.MapAnalyticsApi();
        app.MapFlowForgeWebApp();
        return app;
    }
}

/// <summary>The answer of <c>GET /health</c>: a named type so the API document describes it.</summary>
internal sealed record HealthResponse(string Status);
