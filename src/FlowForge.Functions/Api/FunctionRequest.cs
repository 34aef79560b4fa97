using FlowForge.Server.Auth;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FlowForge.Functions.Api;

/// <summary>
/// What every HTTP function does around the server's endpoint handler it calls: hand over its Durable Task client,
/// authenticate like the server's <c>/api</c> group (the server's <see cref="ApiKeyAuthenticationHandler"/>, run
/// through ASP.NET Core's authentication service: the same keys, the same 401 problem), and turn an unexpected
/// exception into the server's 500 problem instead of the Functions host's bare error page.
/// </summary>
internal static class FunctionRequest
{
    /// <summary>An <c>/api</c> endpoint: a valid API key first, its organisation in <see cref="HttpContext.User"/>.</summary>
    public static async Task<IResult> AuthenticatedAsync(HttpRequest request, DurableTaskClient client, string function, Func<HttpContext, CancellationToken, Task<IResult>> endpoint)
    {
        var http = Prepare(request, client);
        var auth = await http.AuthenticateAsync(ApiKeyAuthenticationHandler.SchemeName);
        if (!auth.Succeeded) return Challenge.Instance;
        http.User = auth.Principal;
        return await RunAsync(http, function, endpoint);
    }

    /// <summary>A hook: it checks its own token or signature, as on the server (no API key).</summary>
    public static Task<IResult> AnonymousAsync(HttpRequest request, DurableTaskClient client, string function, Func<HttpContext, CancellationToken, Task<IResult>> endpoint) =>
        RunAsync(Prepare(request, client), function, endpoint);

    /// <summary>A service of the request's container (the endpoint handlers' parameters the server's minimal API binds from DI).</summary>
    public static T Service<T>(this HttpContext http) where T : notnull => http.RequestServices.GetRequiredService<T>();

    private static HttpContext Prepare(HttpRequest request, DurableTaskClient client)
    {
        request.HttpContext.Service<DurableClientSlot>().Set(client);
        return request.HttpContext;
    }

    private static async Task<IResult> RunAsync(HttpContext http, string function, Func<HttpContext, CancellationToken, Task<IResult>> endpoint)
    {
        var ct = http.RequestAborted;
        try
        {
            return await endpoint(http, ct);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            Logs.FunctionFailed(http.Service<ILoggerFactory>().CreateLogger("FlowForge.Functions.Api"), e, function);
            // The server's exception handler answers this way (problem details with the defaults for 500).
            return TypedResults.Problem(statusCode: StatusCodes.Status500InternalServerError);
        }
    }

    /// <summary>The server's 401: the authentication handler's own challenge writes the problem and WWW-Authenticate.</summary>
    private sealed class Challenge : IResult
    {
        public static readonly Challenge Instance = new();

        public Task ExecuteAsync(HttpContext httpContext) => httpContext.ChallengeAsync(ApiKeyAuthenticationHandler.SchemeName);
    }
}
