using System.Text.Json.Serialization;
using FlowForge.Core.Model;
using FlowForge.Core.Storage;
using FlowForge.Functions.Live;
using FlowForge.Server.Api;
using FlowForge.Server.Auth;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FlowForge.Functions.Api;

/// <summary>
/// Live progress on this host goes through Azure SignalR Service (serverless: no hub runs here). A client asks
/// <c>/api/live/negotiate</c> with its API key for the service's URL and an access token (the SignalR client's
/// negotiate answer, so a client pointed at it connects straight on), then asks <c>/api/live/subscribe</c> to join
/// the groups the server's hub methods would join (an execution, a workflow, its organisation) after the same checks:
/// the execution or workflow must be its organisation's. Without <c>Azure__SignalR__ConnectionString</c> both answer
/// 501: live progress is optional, and clients refresh the execution detail instead.
/// </summary>
internal static class LiveFunctions
{
    /// <summary>How long a client's access token lets it connect (the service checks it at connect only).</summary>
    public static readonly TimeSpan ClientTokenLifetime = TimeSpan.FromHours(1);

    [Function("LiveNegotiate")]
    public static Task<IResult> Negotiate(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", Route = "api/live/negotiate")] HttpRequest request,
        [DurableClient] DurableTaskClient client) =>
        FunctionRequest.AuthenticatedAsync(request, client, "LiveNegotiate", (http, _) =>
        {
            if (http.RequestServices.GetService<SignalRServiceRest>() is not { } service) return Task.FromResult(NotConfigured());
            var now = http.Service<TimeProvider>().GetUtcNow();
            // The user id is the API key's id: stable for the key's life, as the server's hub binds a connection to its key.
            IResult answer = TypedResults.Ok(new LiveNegotiateResponse(
                service.Endpoint.ClientUrl(service.Hub), service.Endpoint.ClientToken(service.Hub, http.User.KeyId(), ClientTokenLifetime, now)));
            return Task.FromResult(answer);
        });

    [Function("LiveSubscribe")]
    public static Task<IResult> Subscribe(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/live/subscribe")] HttpRequest request,
        [DurableClient] DurableTaskClient client) =>
        FunctionRequest.AuthenticatedAsync(request, client, "LiveSubscribe", (http, ct) => ChangeAsync(http, subscribe: true, ct));

    [Function("LiveUnsubscribe")]
    public static Task<IResult> Unsubscribe(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/live/unsubscribe")] HttpRequest request,
        [DurableClient] DurableTaskClient client) =>
        FunctionRequest.AuthenticatedAsync(request, client, "LiveUnsubscribe", (http, ct) => ChangeAsync(http, subscribe: false, ct));

    private static async Task<IResult> ChangeAsync(HttpContext http, bool subscribe, CancellationToken ct)
    {
        if (http.RequestServices.GetService<SignalRServiceRest>() is not { } service) return NotConfigured();
        var (body, problem) = await JsonBody.ReadAsync<LiveSubscriptionBody>(http.Request, http.Service<IOptions<JsonOptions>>().Value.SerializerOptions, ct);
        if (problem is not null) return problem;
        var connectionId = body!.ConnectionId;
        if (string.IsNullOrEmpty(connectionId) || connectionId.Length > 128 || SafeText.Problem(connectionId) is not null)
        {
            return Problems.BadRequest("'connectionId' is the SignalR connection's id (1 to 128 characters).");
        }
        var targets = (body.ExecutionId is null ? 0 : 1) + (body.WorkflowId is null ? 0 : 1) + (body.Organization ? 1 : 0);
        if (targets != 1) return Problems.BadRequest("Name exactly one of 'executionId', 'workflowId' or 'organization': true.");

        var orgId = http.User.OrgId();
        string group;
        if (body.ExecutionId is { } executionId)
        {
            // Checked when joining only: leaving needs no check, and a purged execution's group can still be left.
            if (subscribe && (executionId.Length > 128 || await http.Service<IExecutionClientStore>().GetAsync(orgId, executionId, ct) is null)) return Problems.NotFound("Execution", executionId);
            group = LiveGroups.Execution(executionId);
        }
        else if (body.WorkflowId is { } workflowId)
        {
            if (subscribe && (workflowId.Length > 128 || await http.Service<IWorkflowStore>().GetAsync(orgId, workflowId, ct) is null)) return Problems.NotFound("Workflow", workflowId);
            group = LiveGroups.Workflow(orgId, workflowId);
        }
        else
        {
            group = LiveGroups.Organization(orgId);
        }
        try
        {
            if (subscribe) await service.AddToGroupAsync(group, connectionId, ct);
            else await service.RemoveFromGroupAsync(group, connectionId, ct);
        }
        catch (HttpRequestException e)
        {
            return Problems.Create(StatusCodes.Status502BadGateway, "live-unavailable", "Live progress is unavailable",
                $"Azure SignalR Service did not accept the change ({e.StatusCode?.ToString() ?? e.Message}); try again, or refresh the execution instead.");
        }
        return TypedResults.NoContent();
    }

    private static IResult NotConfigured() =>
        Problems.Create(StatusCodes.Status501NotImplemented, "live-not-configured", "Live progress is not configured",
            "This app has no Azure SignalR Service: set Azure__SignalR__ConnectionString to stream progress, or refresh GET /api/executions/{id}.");
}

/// <summary>The SignalR negotiate answer that sends a client to the service: its URL and access token.</summary>
internal sealed record LiveNegotiateResponse(string Url, string AccessToken);

/// <summary>Which group a connection joins or leaves: one of an execution, a workflow, or the caller's organisation.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed class LiveSubscriptionBody
{
    public string ConnectionId { get; set; } = "";
    public string? ExecutionId { get; set; }
    public string? WorkflowId { get; set; }
    public bool Organization { get; set; }
}
