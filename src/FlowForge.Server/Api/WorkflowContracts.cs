using System.Text.Json;
using System.Text.Json.Serialization;
using FlowForge.Core.Model;
using FlowForge.Core.Storage;
using FlowForge.Server.Triggers;

namespace FlowForge.Server.Api;

/// <summary>The body of <c>POST /api/workflows</c> and <c>PUT /api/workflows/{id}</c>. Unknown top-level fields are refused (typos would silently drop data).</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed class WorkflowBody
{
    public string? Name { get; set; }
    public string? Description { get; set; }
    public List<NodeBody?>? Nodes { get; set; }
    public List<EdgeBody?>? Edges { get; set; }
    public CanvasState? Canvas { get; set; }

    /// <summary>Optimistic concurrency for PUT when no If-Match header is sent.</summary>
    public long? Revision { get; set; }

    // Read-only fields a client may echo back from GET; accepted and ignored so a GET → edit → PUT round trip works.
    public string? Id { get; set; }
    public string? Status { get; set; }
    public int? Version { get; set; }
    public int? PublishedVersion { get; set; }
    public bool? HasUnpublishedChanges { get; set; }
    public DateTimeOffset? CreatedAt { get; set; }
    public DateTimeOffset? UpdatedAt { get; set; }
    public JsonElement? Triggers { get; set; }
}

/// <summary>A canvas node. React Flow's own UI fields (width, selected, …) are ignored.</summary>
internal sealed class NodeBody
{
    public JsonElement? Id { get; set; }
    public JsonElement? Type { get; set; }
    public JsonElement? Config { get; set; }
    public NodePosition? Position { get; set; }
}

internal sealed class EdgeBody
{
    public JsonElement? Id { get; set; }
    public JsonElement? Source { get; set; }
    public JsonElement? Target { get; set; }
    public JsonElement? SourceHandle { get; set; }
}

internal sealed record WorkflowResponse(
    string Id,
    string Name,
    string? Description,
    string Status,
    int Version,
    int? PublishedVersion,
    long Revision,
    bool HasUnpublishedChanges,
    IReadOnlyList<NodeDefinition> Nodes,
    IReadOnlyList<EdgeDefinition> Edges,
    CanvasState? Canvas,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    IReadOnlyList<TriggerInfo> Triggers)
{
    /// <param name="triggers">The active triggers (<c>{stepId, type, url, auth}</c>, a new secret only in the response that generated it).</param>
    public static WorkflowResponse From(WorkflowRecord r, IReadOnlyList<TriggerInfo>? triggers = null) => new(
        r.Id, r.Definition.Name, r.Definition.Description, r.Status, r.Version, r.PublishedVersion, r.Revision, r.HasUnpublishedChanges,
        r.Definition.Graph.Nodes, r.Definition.Graph.Edges, r.Definition.Canvas, r.CreatedAt, r.UpdatedAt, triggers ?? []);
}

/// <param name="LastExecution">The most recent execution (test runs are not executions), or null when it never ran.</param>
internal sealed record WorkflowSummary(
    string Id, string Name, string? Description, string Status, int Version, int? PublishedVersion, long Revision,
    bool HasUnpublishedChanges, int NodeCount, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, LastExecutionSummary? LastExecution)
{
    public static WorkflowSummary From(WorkflowRecord r, LastExecution? last) => new(
        r.Id, r.Definition.Name, r.Definition.Description, r.Status, r.Version, r.PublishedVersion, r.Revision,
        r.HasUnpublishedChanges, r.Definition.Graph.Nodes.Count, r.CreatedAt, r.UpdatedAt,
        last is null ? null : new LastExecutionSummary(last.ExecutionId, last.Status, last.StartedAt));
}

internal sealed record LastExecutionSummary(string ExecutionId, string Status, DateTimeOffset StartedAt);

internal sealed record WorkflowList(IReadOnlyList<WorkflowSummary> Workflows, int Total, int Page, int Limit, int Pages);

internal sealed record VersionSummary(int Version, string Name, DateTimeOffset PublishedAt, bool Active);

internal sealed record VersionList(string WorkflowId, int? PublishedVersion, IReadOnlyList<VersionSummary> Versions);

internal sealed record VersionResponse(
    string WorkflowId, int Version, string Name, string? Description, IReadOnlyList<NodeDefinition> Nodes,
    IReadOnlyList<EdgeDefinition> Edges, CanvasState? Canvas, DateTimeOffset PublishedAt, bool Active);
