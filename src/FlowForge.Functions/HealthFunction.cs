using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace FlowForge.Functions;

/// <summary>
/// <c>GET /health</c>: the worker answers, as the server's <c>/health</c> does (no key; for the platform's health check
/// and load balancers). The Functions host watches its own worker; readiness of storage is the platform's to report.
/// </summary>
internal static class HealthFunction
{
    [Function("Health")]
    public static IResult Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest request) => Results.Ok(new { status = "ok" });
}
