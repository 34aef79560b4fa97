namespace FlowForge.Core.Catalog.Nodes;

internal static class UtilityTextGen
{
    public static NodeTypeDescriptor Descriptor { get; } = new()
    {
        Type = NodeTypeNames.UtilityTextGen,
        Category = NodeCategory.Utility,
        DisplayName = "Generate text",
        Description = "Generates text from a prompt with a language model.",
        ConfigSchema = NodeSchemas.Step("""
            {
              "required": ["prompt"],
              "properties": {
                "prompt": { "type": "string", "title": "Prompt", "description": "What to write; may use {{templates}}." },
                "systemPrompt": "@systemPrompt",
                "temperature": "@temperature",
                "provider": "@provider",
                "model": "@model",
                "credential": { "type": "string", "title": "Credential", "description": "An organisation credential {kind: botcore|openai, baseUrl, apiKey?, model?} to use instead of the deployment's provider settings." }
              }
            }
            """),
        OutputFields = [new("generated_text", "string", "The generated text.")],
    };
}
