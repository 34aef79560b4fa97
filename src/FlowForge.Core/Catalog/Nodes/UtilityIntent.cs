namespace FlowForge.Core.Catalog.Nodes;

internal static class UtilityIntent
{
    public static NodeTypeDescriptor Descriptor { get; } = new()
    {
        Type = NodeTypeNames.UtilityIntent,
        Category = NodeCategory.Utility,
        DisplayName = "Intent",
        Description = "Recognises what a text asks for, among the intents listed.",
        ConfigSchema = NodeSchemas.Step("""
            {
              "properties": {
                "inputText": "@inputText",
                "provider": { "type": "string", "enum": ["", "botcore", "openai", "builtin"], "default": "", "title": "Provider", "description": "botcore, openai, or builtin (the offline analyzer); empty uses the deployment's default (builtin when no provider is configured)." },
                "model": "@model",
                "credential": { "type": "string", "title": "Credential", "description": "An organisation credential {kind: botcore|openai, baseUrl, apiKey?, model?} to use instead of the deployment's provider settings." },
                "intents": {
                  "type": "array",
                  "title": "Intents",
                  "description": "The intents to choose from, with the keywords the built-in analyzer matches (whole words or phrases, any case); empty uses greeting, refund, cancel, complaint, purchase and support (built-in) or lets the model name one.",
                  "items": {
                    "type": "object",
                    "required": ["name"],
                    "properties": {
                      "name": { "type": "string", "title": "Name", "description": "The intent's name, output as intent." },
                      "keywords": { "type": "array", "items": { "type": "string" }, "title": "Keywords", "description": "Words that suggest this intent." }
                    }
                  }
                }
              }
            }
            """),
        OutputFields =
        [
            new("intent", "string", "The recognised intent's name."),
            new("confidence", "number", "The confidence, 0 to 1."),
        ],
    };
}
