using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using FlowForge.Core.Storage;
using FlowForge.Server.Engine;

namespace FlowForge.Server.Api;

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
[BodyExample("""{"triggerData": {"name": "Ada"}} (the run's input goes inside triggerData)""")]
internal sealed class ExecuteBody
{
    public JsonNode? TriggerData { get; set; }

    /// <summary>Which trigger node the run starts from, when the workflow has several (default: the first).</summary>
    public string? TriggerNodeId { get; set; }
}

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
[BodyExample("""{"testData": {"name": "Ada"}, "live": false, "events": {"approval": {"approved": true}}, "triggerNodeId": "start"}""")]
internal sealed class TestBody
{
    public JsonNode? TestData { get; set; }
    public bool Live { get; set; }

    /// <summary>Which trigger step the test starts from, when the draft has several (default: the first), as with execute.</summary>
    public string? TriggerNodeId { get; set; }

    /// <summary>External events to deliver at the start (e.g. <c>{"approval": {"approved": true}}</c>).</summary>
    public Dictionary<string, JsonNode?>? Events { get; set; }
}

/// <summary>The body of <c>POST /api/executions/{id}/events/{name}</c>: the event's data goes inside <c>payload</c>.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
[BodyExample("""{"payload": {"approved": true, "approvedBy": "ada@example.com", "comment": "ok"}} (the event's data goes inside payload)""")]
internal sealed class EventBody
{
    public JsonNode? Payload { get; set; }
}

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
[BodyExample("""{"reason": "not needed any more"}""")]
internal sealed class CancelBody
{
    public string? Reason { get; set; }
}

internal sealed record ExecutionLinks(string Self, string History, string Cancel, string Events);

internal sealed record ExecuteResponse(string ExecutionId, string WorkflowId, int Version, string Status, DateTimeOffset StartedAt, ExecutionLinks Links)
{
    public static ExecuteResponse From(ExecutionRecord e) => new(e.Id, e.WorkflowId, e.Version, e.Status, e.CreatedAt, LinksFor(e.Id));

    public static ExecutionLinks LinksFor(string id) =>
        new($"/api/executions/{id}", $"/api/executions/{id}/history", $"/api/executions/{id}/cancel", $"/api/executions/{id}/events/{{name}}");
}

internal sealed record ExecutionSummary(
    string ExecutionId, string WorkflowId, int Version, string Status, DateTimeOffset StartedAt, DateTimeOffset? CompletedAt,
    double? TotalDuration, string? ErrorMessage, bool Stuck, string? RetryOf, string? ParentExecutionId)
{
    public static ExecutionSummary From(ExecutionRecord e, bool stuck) => new(
        e.Id, e.WorkflowId, e.Version, e.Status, e.CreatedAt, e.CompletedAt, Duration(e), e.Error, stuck, e.RetryOf, e.ParentExecutionId);

    public static double? Duration(ExecutionRecord e) => e.CompletedAt is { } c ? (c - e.CreatedAt).TotalMilliseconds : null;
}

/// <summary>The per-workflow list by page (kept for compatibility); <c>nextCursor</c> continues by keyset on <c>GET /api/executions</c>.</summary>
internal sealed record ExecutionList(IReadOnlyList<ExecutionSummary> Executions, int Total, int Page, int Limit, int Pages, string? NextCursor);

/// <param name="Skipped">Steps no live path reaches any more (a branch not taken, an unused trigger): never in <c>logs</c>,
/// since nothing happens to them; derived with the decider's dead-path elimination.</param>
/// <param name="Sequence">The history sequence this answer reflects (the last event's): live events with a higher sequence
/// are newer than it.</param>
internal sealed record ExecutionDetail(
    string ExecutionId, string WorkflowId, int Version, string Status, DateTimeOffset StartedAt, DateTimeOffset? CompletedAt,
    double? TotalDuration, JsonNode? TriggerData, JsonNode? FinalOutput, string? ErrorMessage, bool Stuck, string? RetryOf,
    string? ParentExecutionId, DateTimeOffset UpdatedAt, IReadOnlyList<StepLog> Logs, IReadOnlyList<SkippedStep> Skipped, int Sequence,
    ExecutionLinks Links);

/// <summary>A step the run will not reach: <c>stepId</c> as in logs (<c>node/loop[i]</c> inside a loop), <c>nodeId</c> the canvas node.</summary>
internal sealed record SkippedStep(string StepId, string NodeId);

internal sealed record HistoryResponse(string ExecutionId, IReadOnlyList<JsonNode?> Events);

internal sealed record TestResponse(string WorkflowId, JsonNode? TestData, string Status, IReadOnlyList<TestStep> Steps, JsonNode? FinalOutput, string? ErrorMessage, double TotalDuration);

internal sealed record AcceptedResponse(string ExecutionId, string Status, string Detail);

/// <param name="Waiting">Whether a step of the execution was waiting for this event when it arrived; when false the event is kept
/// and goes to the first step that waits for it.</param>
internal sealed record EventAcceptedResponse(string ExecutionId, string Status, string Detail, bool Waiting);
