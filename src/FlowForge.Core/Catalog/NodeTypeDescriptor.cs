using System.Text.Json;
using System.Text.Json.Serialization;
using FlowForge.Core.Model;

namespace FlowForge.Core.Catalog;

[JsonConverter(typeof(JsonStringEnumConverter<NodeCategory>))]
public enum NodeCategory { Trigger, Agent, Action, Utility, Logic }

/// <summary>A field a node writes into its output, so the editor can offer <c>{{field}}</c> completions.</summary>
public sealed record OutputField(string Name, string Type, string Description);

/// <summary>
/// Everything the platform knows about a node type except how to run it: the handler lives with the
/// I/O in the server. The config schema is a JSON Schema (the subset <see cref="ConfigSchemaValidator"/>
/// understands) that the UI renders as a form and validation checks configs against.
/// </summary>
public sealed class NodeTypeDescriptor
{
    /// <summary>The port an edge leaves from when its <c>sourceHandle</c> is null: nodes with one output.</summary>
    public const string DefaultPort = "out";

    /// <summary>The port a failed step routes to when its <c>onError</c> is <c>"error"</c>.</summary>
    public const string ErrorPort = "error";

    public required string Type { get; init; }
    public required NodeCategory Category { get; init; }
    public required string DisplayName { get; init; }
    public required string Description { get; init; }

    /// <summary>JSON Schema of the node's <c>config</c> object.</summary>
    public required JsonElement ConfigSchema { get; init; }

    /// <summary>Fixed output ports; ignored when <see cref="PortsFromConfig"/> is set.</summary>
    public IReadOnlyList<string> OutputPorts { get; init; } = [DefaultPort];

    /// <summary>Ports that depend on the node's config (one per A/B variant, say).</summary>
    [JsonIgnore]
    public Func<NodeDefinition, IReadOnlyList<string>>? PortsFromConfig { get; init; }

    /// <summary>Other names an edge may use for a port (<c>yes</c> → <c>true</c>).</summary>
    public IReadOnlyDictionary<string, string> PortAliases { get; init; } = new Dictionary<string, string>();

    public IReadOnlyList<OutputField> OutputFields { get; init; } = [];

    /// <summary>True when a node of this type makes no sense as the last step (a condition, a loop, a trigger).</summary>
    public bool RequiresOutgoingEdge { get; init; }

    /// <summary>True for nodes with effects outside the platform (messages, calls, HTTP): previewed in test runs.</summary>
    public bool HasSideEffects { get; init; }

    /// <summary>
    /// True when the node's output has fields nobody can list ahead of time (a webhook's payload, a manual run's
    /// data, a child workflow's result): validation then accepts any bare <c>{{name}}</c> downstream.
    /// </summary>
    public bool DynamicOutput { get; init; }

    /// <summary>
    /// Checks the schema cannot express ("exactly one of duration and until"), run on the config object after
    /// the schema checks. Must tolerate values of the wrong type (the schema has reported those already).
    /// </summary>
    [JsonIgnore]
    public Func<JsonElement, IEnumerable<SchemaError>>? ConfigRules { get; init; }

    public bool IsTrigger => Category == NodeCategory.Trigger;

    /// <summary>The ports this node has, given its config. Non-trigger nodes also have <see cref="ErrorPort"/>.</summary>
    public IReadOnlyList<string> PortsFor(NodeDefinition node)
    {
        var ports = PortsFromConfig?.Invoke(node) ?? OutputPorts;
        return IsTrigger ? ports : [.. ports, ErrorPort];
    }

    /// <summary>
    /// The canonical port an edge's <c>sourceHandle</c> names, or null when the node has no such port.
    /// A null handle means the default port, or the only port of a single-output node.
    /// </summary>
    public string? ResolvePort(NodeDefinition node, string? sourceHandle)
    {
        var ports = PortsFor(node);
        if (string.IsNullOrEmpty(sourceHandle))
        {
            var main = PortsFromConfig?.Invoke(node) ?? OutputPorts;
            return main.Count == 1 ? main[0] : null;
        }
        if (PortAliases.TryGetValue(sourceHandle, out var canonical)) sourceHandle = canonical;
        foreach (var p in ports)
        {
            if (string.Equals(p, sourceHandle, StringComparison.OrdinalIgnoreCase)) return p;
        }
        return null;
    }
}
