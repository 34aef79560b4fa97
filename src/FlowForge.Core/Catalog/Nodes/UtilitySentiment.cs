namespace FlowForge.Core.Catalog.Nodes;

internal static class UtilitySentiment
{
    public const string TypeName = "utility_sentiment";

    public static NodeTypeDescriptor Descriptor { get; } = new()
    {
        Type = TypeName,
        Category = NodeCategory.Utility,
        DisplayName = "Sentiment",
        Description = "Classifies the sentiment of a text.",
        ConfigSchema = NodeSchemas.Step("""{ "properties": { "inputText": "@inputText" } }"""),
        OutputFields =
        [
            new("sentiment", "string", "positive, neutral or negative."),
            new("sentiment_score", "number", "From -1 (negative) to 1 (positive)."),
        ],
    };
}
