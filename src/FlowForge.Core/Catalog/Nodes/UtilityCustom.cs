namespace FlowForge.Core.Catalog.Nodes;

internal static class UtilityCustom
{
    public static NodeTypeDescriptor Descriptor { get; } = new()
    {
        Type = NodeTypeNames.UtilityCustom,
        Category = NodeCategory.Utility,
        DisplayName = "Custom",
        Description = "Processes text with your own HTTP endpoint or your own prompt.",
        ConfigSchema = NodeSchemas.Step("""
            {
              "properties": {
                "endpoint": { "type": "string", "format": "uri", "title": "Endpoint", "description": "The URL that receives the input text (set this or prompt)." },
                "prompt": { "type": "string", "title": "Prompt", "description": "Instructions for a language model (set this or endpoint)." },
                "inputText": "@inputText",
                "method": { "type": "string", "enum": ["GET", "POST", "PUT", "PATCH"], "default": "POST", "title": "Method", "description": "The HTTP method used to call the endpoint." },
                "provider": "@provider",
                "model": "@model",
                "temperature": "@temperature",
                "credential": { "type": "string", "title": "Credential", "description": "An organisation credential {kind: botcore|openai, baseUrl, apiKey?, model?} to use instead of the deployment's provider settings." }
              }
            }
            """),
        ConfigRules = Rules.ExactlyOne("endpoint", "prompt"),
        OutputFields = [new("custom_output", "any", "The endpoint's response body, or the model's answer.")],
    };
}
