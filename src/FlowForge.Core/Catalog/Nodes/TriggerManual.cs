namespace FlowForge.Core.Catalog.Nodes;

internal static class TriggerManual
{
    public static NodeTypeDescriptor Descriptor { get; } = new()
    {
        Type = NodeTypeNames.TriggerManual,
        Category = NodeCategory.Trigger,
        DisplayName = "Manual",
        Description = "Starts a run by hand or through the API; its output is the data given at the start.",
        ConfigSchema = NodeSchemas.Trigger("""{ "properties": {} }"""),
        RequiresOutgoingEdge = true,
        DynamicOutput = true,
    };
}
