using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace FlowForge.Functions;

/// <summary>Placeholder until the HTTP functions land: proves the worker builds with an HTTP trigger.</summary>
internal static class HealthFunction
{
    [Function("Health")]
    public static IResult Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest request) => Results.Ok(new { status = "ok" });
}
