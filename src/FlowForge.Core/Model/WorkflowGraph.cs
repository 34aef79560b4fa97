using System.Text.Json;
using System.Text.Json.Serialization;

namespace FlowForge.Core.Model;

/// <summary>
/// A workflow's step graph in the React Flow shape the canvas edits: nodes plus edges.
/// Immutable once built, so a published version can be shared across threads and replays.
/// </summary>
public sealed record WorkflowGraph(IReadOnlyList<NodeDefinition> Nodes, IReadOnlyList<EdgeDefinition> Edges)
{
    public static readonly WorkflowGraph Empty = new([], []);

    public NodeDefinition? FindNode(string id)
    {
        foreach (var node in Nodes)
        {
            if (node.Id == id) return node;
        }
        return null;
    }
}

/// <summary>A step of the graph. <see cref="Config"/> is always a JSON object (empty when none was given).</summary>
public sealed record NodeDefinition(string Id, string Type, JsonElement Config, NodePosition? Position = null)
{
    /// <summary>A config property, or null when absent or JSON null.</summary>
    public JsonElement? GetConfig(string name) =>
        Config.ValueKind == JsonValueKind.Object && Config.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value
            : null;

    public string? GetConfigString(string name) =>
        GetConfig(name) is { ValueKind: JsonValueKind.String } v ? v.GetString() : null;
}

public sealed record NodePosition(double X, double Y);

/// <summary>An edge; <see cref="SourceHandle"/> names the output port it leaves from (null = the default port).</summary>
public sealed record EdgeDefinition(
    string Id,
    string Source,
    string Target,
    [property: JsonPropertyName("sourceHandle")] string? SourceHandle = null);

/// <summary>The canvas viewport, stored as the editor left it.</summary>
public sealed record CanvasState(double Zoom, double X, double Y);
