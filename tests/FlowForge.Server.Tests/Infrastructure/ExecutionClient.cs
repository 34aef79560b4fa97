using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace FlowForge.Server.Tests.Infrastructure;

/// <summary>Workflow and execution calls the engine tests repeat.</summary>
public static class ExecutionClient
{
    /// <summary>Creates and publishes a workflow; returns its id.</summary>
    public static async Task<string> Publish(this HttpClient client, string workflowJson)
    {
        var created = await (await client.PostJson("/api/workflows", workflowJson)).Expect(HttpStatusCode.Created);
        var id = (string)created["id"]!;
        await (await client.PostAsync($"/api/workflows/{id}/publish", null)).Expect(HttpStatusCode.OK);
        return id;
    }

    public static async Task<string> Execute(this HttpClient client, string workflowId, object? triggerData = null, string? idempotencyKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/workflows/{workflowId}/execute")
        {
            Content = Http.Json(new { triggerData = triggerData ?? new { } }),
        };
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        var body = await (await client.SendAsync(request)).Expect(HttpStatusCode.Accepted);
        return (string)body["executionId"]!;
    }

    public static async Task<JsonNode> GetExecution(this HttpClient client, string executionId) =>
        await (await client.GetAsync($"/api/executions/{executionId}")).Expect(HttpStatusCode.OK);

    /// <summary>Polls until the execution's status is one of <paramref name="statuses"/>; fails with the last body on timeout.</summary>
    public static async Task<JsonNode> WaitFor(this HttpClient client, string executionId, string[] statuses, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        JsonNode body;
        do
        {
            body = await client.GetExecution(executionId);
            if (statuses.Contains((string?)body["status"])) return body;
            await Task.Delay(50);
        } while (DateTime.UtcNow < deadline);
        throw new TimeoutException($"Execution {executionId} did not reach {string.Join("/", statuses)}: {body.ToJsonString()}");
    }

    public static Task<JsonNode> WaitFinished(this HttpClient client, string executionId, TimeSpan? timeout = null) =>
        client.WaitFor(executionId, ["completed", "failed", "cancelled"], timeout);

    public static JsonNode Step(this JsonNode execution, string stepId) =>
        execution["logs"]!.AsArray().FirstOrDefault(l => (string?)l!["stepId"] == stepId)
        ?? throw new InvalidOperationException($"No step '{stepId}' in {execution.ToJsonString()}");

    public static bool HasStep(this JsonNode execution, string stepId) =>
        execution["logs"]!.AsArray().Any(l => (string?)l!["stepId"] == stepId);
}
