namespace FlowForge.Core.Catalog.Nodes;

internal static class AgentConversational
{
    public static NodeTypeDescriptor Descriptor { get; } = new()
    {
        Type = NodeTypeNames.AgentConversational,
        Category = NodeCategory.Agent,
        DisplayName = "Conversational agent",
        Description = "Answers a message with a language model, keeping the conversation's context.",
        ConfigSchema = NodeSchemas.Step("""
            {
              "properties": {
                "systemPrompt": "@systemPrompt",
                "inputText": "@inputText",
                "chatHistory": { "type": ["array", "string"], "title": "Chat history", "description": "Earlier messages, e.g. {{trigger.chatHistory}}: [{role: user|assistant, content}] or strings. Empty uses the trigger data's chatHistory." },
                "memoryContext": { "type": "string", "title": "Memory context", "description": "Extra context to remember for this conversation, e.g. {{steps.crm.body.customer_summary}}." },
                "provider": "@provider",
                "model": "@model",
                "credential": { "type": "string", "title": "Credential", "description": "An organisation credential {kind: botcore|openai, baseUrl, apiKey?, model?} to use instead of the deployment's provider settings." },
                "temperature": "@temperature"
              }
            }
            """),
        OutputFields = [new("agent_response", "string", "The agent's reply.")],
    };
}
