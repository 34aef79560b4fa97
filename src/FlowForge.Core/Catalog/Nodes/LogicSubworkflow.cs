namespace FlowForge.Core.Catalog.Nodes;

internal static class LogicSubworkflow
{
    public static NodeTypeDescriptor Descriptor { get; } = new()
    {
        Type = NodeTypeNames.LogicSubworkflow,
        Category = NodeCategory.Logic,
        DisplayName = "Run workflow",
        Description = "Runs another workflow as a child run; its output is the child's final output.",
        ConfigSchema = NodeSchemas.Step("""
            {
              "required": ["workflowId"],
              "properties": {
                "workflowId": { "type": "string", "title": "Workflow", "description": "The workflow to run (its published version)." },
                "input": { "type": "object", "title": "Input", "description": "The child run's trigger data; values may be {{templates}}." },
                "waitForCompletion": { "type": "boolean", "default": true, "title": "Wait for completion", "description": "Wait for the child run and output its result, or start it and go on at once." }
              }
            }
            """),
        DynamicOutput = true,
    };
}
