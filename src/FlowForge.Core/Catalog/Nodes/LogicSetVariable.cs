using System.Text.Json;
using FlowForge.Core.Model;

namespace FlowForge.Core.Catalog.Nodes;

internal static class LogicSetVariable
{
    public static NodeTypeDescriptor Descriptor { get; } = new()
    {
        Type = NodeTypeNames.LogicSetVariable,
        Category = NodeCategory.Logic,
        DisplayName = "Set variables",
        Description = "Sets run variables, readable later as {{vars.name}}; its output is the variables set.",
        ConfigSchema = NodeSchemas.Step("""
            {
              "required": ["variables"],
              "properties": {
                "variables": { "type": "object", "title": "Variables", "description": "Variable name to value; values may be {{templates}}." }
              }
            }
            """),
    };

    /// <summary>The names this node sets.</summary>
    public static IEnumerable<string> VariableNames(NodeDefinition node) =>
        node.GetConfig("variables") is { ValueKind: JsonValueKind.Object } variables
            ? variables.EnumerateObject().Select(p => p.Name)
            : [];
}
