namespace FlowForge.Core.Catalog.Nodes;

/// <summary>
/// Runs the steps after its <c>item</c> port once per item; the body leads back to the loop, which is the only kind
/// of cycle a graph may have. When every item is done it follows <c>done</c>.
/// </summary>
internal static class LogicLoop
{
    public const string ItemPort = "item";
    public const string DonePort = "done";

    public static NodeTypeDescriptor Descriptor { get; } = new()
    {
        Type = NodeTypeNames.LogicLoop,
        Category = NodeCategory.Logic,
        DisplayName = "Loop",
        Description = "Runs the steps on its item port for each item of a list, then follows done.",
        ConfigSchema = NodeSchemas.Step("""
            {
              "required": ["items"],
              "properties": {
                "items": { "type": "array", "title": "Items", "description": "The list to go through: a JSON array, or a template such as {{steps.fetch.body.items}}." },
                "mode": { "type": "string", "enum": ["sequential", "parallel"], "default": "sequential", "title": "Mode", "description": "One item after the other, or several at once." },
                "maxIterations": { "type": "integer", "minimum": 1, "maximum": 10000, "default": 100, "title": "Max iterations", "description": "The run fails if the list is longer than this." },
                "maxParallelism": { "type": "integer", "minimum": 1, "maximum": 100, "default": 10, "title": "Max parallelism", "description": "In parallel mode, how many items run at once." }
              }
            }
            """),
        OutputPorts = [ItemPort, DonePort],
        RequiresOutgoingEdge = true,
        OutputFields =
        [
            new("item", "any", "The current item (item port; also vars.item)."),
            new("index", "number", "The current item's position, from 0 (item port; also vars.index)."),
            new("results", "array", "Each iteration's last output, in item order (done port)."),
            new("count", "number", "The number of items processed (done port)."),
        ],
    };
}
