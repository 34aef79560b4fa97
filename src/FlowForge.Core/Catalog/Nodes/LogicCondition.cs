namespace FlowForge.Core.Catalog.Nodes;

internal static class LogicCondition
{
    public static NodeTypeDescriptor Descriptor { get; } = new()
    {
        Type = NodeTypeNames.LogicCondition,
        Category = NodeCategory.Logic,
        DisplayName = "Condition",
        Description = "Follows the true or the false port depending on a condition.",
        ConfigSchema = NodeSchemas.Step("""
            {
              "required": ["condition"],
              "properties": {
                "condition": {
                  "type": ["string", "object"],
                  "title": "Condition",
                  "description": "An expression such as {{steps.sentiment.sentiment_score}} < 0, or a filter object {combinator, conditions}."
                }
              }
            }
            """),
        OutputPorts = ["true", "false"],
        PortAliases = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["yes"] = "true", ["no"] = "false" },
        RequiresOutgoingEdge = true,
        OutputFields = [new("result", "boolean", "The condition's value.")],
    };
}
