using FlowForge.Server.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace FlowForge.Functions.Api;

/// <summary>
/// The links of a started execution on this host: the server's four (<see cref="ExecutionLinks"/>) plus Durable
/// Functions' management URLs of its orchestration instance (status, raise event, terminate, purge), named as Durable
/// Functions names them. Those go to the Durable extension's own webhooks (they need the extension's system key,
/// which the URLs carry): a terminate there stops the orchestration without a cancel event, so the execution log
/// does not see it; the API's <c>cancel</c> link is the way to stop a run.
/// </summary>
internal sealed record FunctionsExecutionLinks(
    string Self, string History, string Cancel, string Events,
    string StatusQueryGetUri, string SendEventPostUri, string TerminatePostUri, string PurgeHistoryDeleteUri);

/// <summary>The server's <see cref="ExecuteResponse"/> with <see cref="FunctionsExecutionLinks"/>: every other property unchanged.</summary>
internal sealed record FunctionsExecuteResponse(string ExecutionId, string WorkflowId, int Version, string Status, DateTimeOffset StartedAt, FunctionsExecutionLinks Links);

internal static class DurableLinks
{
    /// <summary>A start's 202 (execute, retry) with the Durable links added; any other answer (a problem) as it was.</summary>
    public static IResult WithDurableLinks(IResult result, DurableTaskClient client, HttpRequest request)
    {
        if (result is INestedHttpResult nested) result = nested.Result;
        if (result is not Accepted<ExecuteResponse> { Value: { } started } accepted) return result;
        var d = Payload(client, started.ExecutionId, request);
        var l = started.Links;
        var links = new FunctionsExecutionLinks(l.Self, l.History, l.Cancel, l.Events, d.StatusQueryGetUri, d.SendEventPostUri, d.TerminatePostUri, d.PurgeHistoryDeleteUri);
        return TypedResults.Accepted(accepted.Location, new FunctionsExecuteResponse(started.ExecutionId, started.WorkflowId, started.Version, started.Status, started.StartedAt, links));
    }

    /// <summary>The management URLs of one instance: status, raise event, terminate, purge.</summary>
    private sealed record Management(string StatusQueryGetUri, string SendEventPostUri, string TerminatePostUri, string PurgeHistoryDeleteUri);

    private static Management Payload(DurableTaskClient client, string instanceId, HttpRequest request)
    {
        try
        {
            // In the Functions host the bound client knows the extension's base URL and system key.
            var p = client.CreateHttpManagementPayload(instanceId);
            return new Management(p.StatusQueryGetUri ?? "", p.SendEventPostUri ?? "", p.TerminatePostUri ?? "", p.PurgeHistoryDeleteUri ?? "");
        }
        catch (InvalidOperationException)
        {
            // A client not bound by the Functions runtime (the contract test's in-process task hub) has neither: the same
            // URLs from the request's own host, without a key.
            var instance = $"{request.Scheme}://{request.Host}/runtime/webhooks/durabletask/instances/{Uri.EscapeDataString(instanceId)}";
            return new Management(instance, instance + "/raiseEvent/{eventName}", instance + "/terminate?reason={text}", instance);
        }
    }
}
