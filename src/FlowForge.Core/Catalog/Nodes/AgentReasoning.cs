namespace FlowForge.Core.Catalog.Nodes;

internal static class AgentReasoning
{
    public static NodeTypeDescriptor Descriptor { get; } = new()
    {
        Type = NodeTypeNames.AgentReasoning,
        Category = NodeCategory.Agent,
        DisplayName = "Reasoning agent",
        Description = "Has a language model think a question through step by step and state a conclusion.",
        ConfigSchema = NodeSchemas.Step("""
            {
              "properties": {
                "systemPrompt": "@systemPrompt",
                "inputText": "@inputText",
                "provider": "@provider",
                "model": "@model",
                "credential": { "type": "string", "title": "Credential", "description": "An organisation credential {kind: botcore|openai, baseUrl, apiKey?, model?} to use instead of the deployment's provider settings." }
              }
            }
            """),
        OutputFields =
        [
            new("reasoning", "string", "The steps of the model's reasoning."),
            new("conclusion", "string", "The conclusion reached."),
        ],
    };
}
