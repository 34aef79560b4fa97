namespace FlowForge.Core.Catalog.Nodes;

internal static class AgentConversational
{
    public const string TypeName = "agent_conversational";

    public static NodeTypeDescriptor Descriptor { get; } = new()
    {
        Type = TypeName,
        Category = NodeCategory.Agent,
        DisplayName = "Conversational agent",
        Description = "Answers a message with a language model, keeping the conversation's context.",
        ConfigSchema = NodeSchemas.Step("""
            {
              "properties": {
                "systemPrompt": "@systemPrompt",
                "inputText": "@inputText",
                "memoryContext": { "type": "string", "title": "Memory context", "description": "Extra context to remember for this conversation, e.g. {{steps.crm.body.customer_summary}}." },
                "provider": "@provider",
                "model": "@model",
                "temperature": "@temperature"
              }
            }
            """),
        OutputFields = [new("agent_response", "string", "The agent's reply.")],
    };
}
