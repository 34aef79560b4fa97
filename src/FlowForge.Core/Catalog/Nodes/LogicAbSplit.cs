using System.Text.Json;
using FlowForge.Core.Model;

namespace FlowForge.Core.Catalog.Nodes;

/// <summary>Sends each run down one variant's port, at random in proportion to the weights; a port per variant.</summary>
internal static class LogicAbSplit
{
    public static NodeTypeDescriptor Descriptor { get; } = new()
    {
        Type = NodeTypeNames.LogicAbSplit,
        Category = NodeCategory.Logic,
        DisplayName = "A/B split",
        Description = "Sends each run down one of several variants, at random in proportion to their weights.",
        ConfigSchema = NodeSchemas.Step("""
            {
              "required": ["variants"],
              "properties": {
                "variants": {
                  "type": "array",
                  "minItems": 2,
                  "title": "Variants",
                  "description": "The variants; each becomes an output port named after it.",
                  "items": {
                    "type": "object",
                    "required": ["name", "weight"],
                    "properties": {
                      "name": { "type": "string", "pattern": "^[a-z0-9_-]+$", "title": "Name", "description": "The port name: lower-case letters, digits, _ and -." },
                      "weight": { "type": "number", "exclusiveMinimum": 0, "default": 1, "title": "Weight", "description": "The variant's share, relative to the others' weights." }
                    }
                  }
                }
              }
            }
            """),
        PortsFromConfig = VariantNames,
        ConfigRules = CheckVariants,
        RequiresOutgoingEdge = true,
        OutputFields = [new("variant", "string", "The name of the variant chosen.")],
    };

    /// <summary>The variant names in config order (invalid entries skipped).</summary>
    public static IReadOnlyList<string> VariantNames(NodeDefinition node) =>
        node.GetConfig("variants") is { ValueKind: JsonValueKind.Array } variants
            ? [.. variants.EnumerateArray()
                .Select(v => v.ValueKind == JsonValueKind.Object && v.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null)
                .OfType<string>()
                .Where(n => n.Length > 0)]
            : [];

    private static IEnumerable<SchemaError> CheckVariants(JsonElement config)
    {
        if (!config.TryGetProperty("variants", out var variants) || variants.ValueKind != JsonValueKind.Array) yield break;
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var i = 0;
        foreach (var v in variants.EnumerateArray())
        {
            if (v.ValueKind == JsonValueKind.Object && v.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String)
            {
                var name = n.GetString()!;
                if (string.Equals(name, NodeTypeDescriptor.ErrorPort, StringComparison.OrdinalIgnoreCase))
                {
                    yield return new($"variants[{i}].name", $"'{name}' is reserved for the error port");
                }
                else if (name.Length > 0 && !seen.Add(name))
                {
                    yield return new($"variants[{i}].name", $"the variant name '{name}' is used twice");
                }
            }
            i++;
        }
    }
}
