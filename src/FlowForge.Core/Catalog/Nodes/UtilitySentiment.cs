namespace FlowForge.Core.Catalog.Nodes;

internal static class UtilitySentiment
{
    public static NodeTypeDescriptor Descriptor { get; } = new()
    {
        Type = NodeTypeNames.UtilitySentiment,
        Category = NodeCategory.Utility,
        DisplayName = "Sentiment",
        Description = "Classifies the sentiment of a text.",
        ConfigSchema = NodeSchemas.Step("""
            {
              "properties": {
                "inputText": "@inputText",
                "provider": { "type": "string", "enum": ["", "botcore", "openai", "builtin"], "default": "", "title": "Provider", "description": "botcore, openai, or builtin (the offline analyzer); empty uses the deployment's default (builtin when no provider is configured)." },
                "model": "@model",
                "credential": { "type": "string", "title": "Credential", "description": "An organisation credential {kind: botcore|openai, baseUrl, apiKey?, model?} to use instead of the deployment's provider settings." }
              }
            }
            """),
        OutputFields =
        [
            new("sentiment", "string", "positive, neutral or negative."),
            new("sentiment_score", "number", "From -1 (negative) to 1 (positive)."),
        ],
    };
}
