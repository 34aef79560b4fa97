namespace FlowForge.Core.Catalog.Nodes;

internal static class UtilityReason
{
    public const string TypeName = "utility_reason";

    public static NodeTypeDescriptor Descriptor { get; } = new()
    {
        Type = TypeName,
        Category = NodeCategory.Utility,
        DisplayName = "Contact reason",
        Description = "Summarises why the person got in touch.",
        ConfigSchema = NodeSchemas.Step("""{ "properties": { "inputText": "@inputText" } }"""),
        OutputFields = [new("reason", "string", "The reason for contact.")],
    };
}
