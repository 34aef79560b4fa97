namespace FlowForge.Core.Catalog.Nodes;

internal static class AgentDecision
{
    public static NodeTypeDescriptor Descriptor { get; } = new()
    {
        Type = NodeTypeNames.AgentDecision,
        Category = NodeCategory.Agent,
        DisplayName = "Decision agent",
        Description = "Has a language model approve, reject or flag for review, and follows the matching port.",
        ConfigSchema = NodeSchemas.Step("""
            {
              "properties": {
                "systemPrompt": "@systemPrompt",
                "inputText": "@inputText",
                "criteria": { "type": "string", "title": "Criteria", "description": "What to approve, what to reject and when to ask a human to review." },
                "provider": "@provider",
                "model": "@model",
                "credential": { "type": "string", "title": "Credential", "description": "An organisation credential {kind: botcore|openai, baseUrl, apiKey?, model?} to use instead of the deployment's provider settings." }
              }
            }
            """),
        OutputPorts = ["approve", "reject", "review"],
        RequiresOutgoingEdge = true,
        OutputFields =
        [
            new("decision", "string", "Approve, Reject or Review (the port followed is its lower-case name)."),
            new("confidence", "number", "The model's confidence, 0 to 1."),
        ],
    };
}
