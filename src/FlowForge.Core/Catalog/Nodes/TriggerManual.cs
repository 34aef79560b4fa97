namespace FlowForge.Core.Catalog.Nodes;

internal static class TriggerManual
{
    public const string TypeName = "trigger_manual";

    public static NodeTypeDescriptor Descriptor { get; } = new()
    {
        Type = TypeName,
        Category = NodeCategory.Trigger,
        DisplayName = "Manual",
        Description = "Starts a run by hand or through the API; its output is the data given at the start.",
        ConfigSchema = NodeSchemas.Trigger("""{ "properties": {} }"""),
        RequiresOutgoingEdge = true,
        DynamicOutput = true,
    };
}
