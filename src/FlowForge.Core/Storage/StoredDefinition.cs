using System.Text.Json;
using FlowForge.Core.Model;

namespace FlowForge.Core.Storage;

/// <summary>The JSON document a definition is stored as: the graph and the canvas viewport.</summary>
public sealed record StoredDefinition(IReadOnlyList<NodeDefinition> Nodes, IReadOnlyList<EdgeDefinition> Edges, CanvasState? Canvas)
{
    public static string Serialize(WorkflowDefinition d) =>
        JsonSerializer.Serialize(new StoredDefinition(d.Graph.Nodes, d.Graph.Edges, d.Canvas), JsonDefaults.Options);

    public static WorkflowDefinition Deserialize(string name, string? description, string json)
    {
        var stored = JsonSerializer.Deserialize<StoredDefinition>(json, JsonDefaults.Options)
            ?? throw new InvalidDataException("A stored workflow definition is empty.");
        return new WorkflowDefinition(name, description, new WorkflowGraph(stored.Nodes ?? [], stored.Edges ?? []), stored.Canvas);
    }
}
