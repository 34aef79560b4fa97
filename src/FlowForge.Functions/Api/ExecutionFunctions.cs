using FlowForge.Core.Catalog;
using FlowForge.Core.Storage;
using FlowForge.Server.Api;
using FlowForge.Server.Engine;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;

namespace FlowForge.Functions.Api;

/// <summary>
/// The executions API on Azure Functions: each function is a binding over the server's own handler
/// (<see cref="ExecutionsApi"/>, <see cref="ExecutionListApi"/>) with the services the server's minimal API would bind,
/// so the routes, validation, answers and problems are the server's. Routes are the server's too: host.json sets the
/// route prefix to "", so <c>Route = "api/..."</c> is the server's <c>/api/...</c>.
/// </summary>
internal static class ExecutionFunctions
{
    [Function("ExecuteWorkflow")]
    public static Task<IResult> Execute(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/workflows/{id}/execute")] HttpRequest request,
        [DurableClient] DurableTaskClient client, string id) =>
        FunctionRequest.AuthenticatedAsync(request, client, "ExecuteWorkflow", async (http, ct) => DurableLinks.WithDurableLinks(
            await ExecutionsApi.Execute(http, http.Service<ExecutionStarter>(), http.Service<IOptions<JsonOptions>>(), id, ct), client, request));

    [Function("ListExecutions")]
    public static Task<IResult> List(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/workflows/{id}/executions")] HttpRequest request,
        [DurableClient] DurableTaskClient client, string id) =>
        FunctionRequest.AuthenticatedAsync(request, client, "ListExecutions", async (http, ct) => await ExecutionsApi.List(
            http, http.Service<IWorkflowStore>(), http.Service<IExecutionClientStore>(), http.Service<IOptions<EngineOptions>>(), http.Service<TimeProvider>(),
            id, Query(request, "status"), Query(request, "dateRange"), Query(request, "page"), Query(request, "limit"), ct));

    [Function("SearchExecutions")]
    public static Task<IResult> Search(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/executions")] HttpRequest request,
        [DurableClient] DurableTaskClient client) =>
        FunctionRequest.AuthenticatedAsync(request, client, "SearchExecutions", async (http, ct) => await ExecutionListApi.Search(
            http, http.Service<IExecutionClientStore>(), http.Service<IOptions<EngineOptions>>(), http.Service<TimeProvider>(),
            request.Query["status"].ToArray()!, Query(request, "workflowId"), Query(request, "from"), Query(request, "to"), Query(request, "q"),
            Query(request, "cursor"), Query(request, "limit"), ct));

    [Function("GetExecution")]
    public static Task<IResult> Get(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/executions/{id}")] HttpRequest request,
        [DurableClient] DurableTaskClient client, string id) =>
        FunctionRequest.AuthenticatedAsync(request, client, "GetExecution", async (http, ct) => await ExecutionsApi.Get(
            http, http.Service<IExecutionClientStore>(), http.Service<GraphCache>(), http.Service<NodeCatalog>(), http.Service<IOptions<EngineOptions>>(),
            http.Service<TimeProvider>(), id, ct));

    [Function("GetExecutionHistory")]
    public static Task<IResult> History(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/executions/{id}/history")] HttpRequest request,
        [DurableClient] DurableTaskClient client, string id) =>
        FunctionRequest.AuthenticatedAsync(request, client, "GetExecutionHistory", async (http, ct) =>
            await ExecutionsApi.History(http, http.Service<IExecutionClientStore>(), id, ct));

    [Function("CancelExecution")]
    public static Task<IResult> Cancel(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/executions/{id}/cancel")] HttpRequest request,
        [DurableClient] DurableTaskClient client, string id) =>
        FunctionRequest.AuthenticatedAsync(request, client, "CancelExecution", async (http, ct) => await ExecutionsApi.Cancel(
            http, http.Service<IExecutionClientStore>(), http.Service<EngineSignals>(), http.Service<IOptions<JsonOptions>>(), http.Service<TimeProvider>(), id, ct));

    [Function("RaiseExecutionEvent")]
    public static Task<IResult> RaiseEvent(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/executions/{id}/events/{name}")] HttpRequest request,
        [DurableClient] DurableTaskClient client, string id, string name) =>
        FunctionRequest.AuthenticatedAsync(request, client, "RaiseExecutionEvent", async (http, ct) => await ExecutionsApi.RaiseEvent(
            http, http.Service<IExecutionClientStore>(), http.Service<EngineSignals>(), http.Service<IOptions<JsonOptions>>(), http.Service<TimeProvider>(), id, name, ct));

    [Function("RetryExecution")]
    public static Task<IResult> Retry(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/executions/{id}/retry")] HttpRequest request,
        [DurableClient] DurableTaskClient client, string id) =>
        FunctionRequest.AuthenticatedAsync(request, client, "RetryExecution", async (http, ct) => DurableLinks.WithDurableLinks(
            await ExecutionsApi.Retry(http, http.Service<IExecutionClientStore>(), http.Service<IWorkflowStore>(), http.Service<ExecutionStarter>(), id, ct), client, request));

    /// <summary>
    /// Not offered on this host: a failed orchestration cannot continue from its failed step (the server's resume
    /// re-opens the execution's own history). 501 with a problem naming the server and the alternative (retry), after
    /// the same 401/404 checks as every execution endpoint, so a client learns why rather than meeting a bare 404.
    /// </summary>
    [Function("ResumeExecution")]
    public static Task<IResult> Resume(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/executions/{id}/resume")] HttpRequest request,
        [DurableClient] DurableTaskClient client, string id) =>
        FunctionRequest.AuthenticatedAsync(request, client, "ResumeExecution", async (http, ct) =>
        {
            var execution = await http.Service<IExecutionClientStore>().GetAsync(Server.Auth.OrgPrincipal.OrgId(http.User), id, ct);
            if (execution is null) return Problems.NotFound("Execution", id);
            return Problems.Create(StatusCodes.Status501NotImplemented, ResumeNotOfferedType, "Not offered on this host",
                DurableExecutionClientStore.ResumeNotOffered.Replace("{id}", id, StringComparison.Ordinal));
        });

    /// <summary>The problem type of a resume on this host (after <see cref="Problems.TypePrefix"/>).</summary>
    public const string ResumeNotOfferedType = "not-offered-on-functions";

    [Function("PurgeExecution")]
    public static Task<IResult> Purge(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "api/executions/{id}")] HttpRequest request,
        [DurableClient] DurableTaskClient client, string id) =>
        FunctionRequest.AuthenticatedAsync(request, client, "PurgeExecution", async (http, ct) =>
            await ExecutionsApi.Purge(http, http.Service<IExecutionClientStore>(), id, ct));

    /// <summary>A query parameter as the server's minimal API binds a <c>string?</c> (absent: null).</summary>
    private static string? Query(HttpRequest request, string name) => request.Query.TryGetValue(name, out var value) ? value.ToString() : null;
}
