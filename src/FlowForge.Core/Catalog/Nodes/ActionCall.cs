namespace FlowForge.Core.Catalog.Nodes;

internal static class ActionCall
{
    public static NodeTypeDescriptor Descriptor { get; } = new()
    {
        Type = NodeTypeNames.ActionCall,
        Category = NodeCategory.Action,
        DisplayName = "Place call",
        Description = "Places an outbound phone call handled by a voice agent.",
        ConfigSchema = NodeSchemas.Step("""
            {
              "required": ["phoneNumber", "voiceAgent"],
              "properties": {
                "phoneNumber": { "type": "string", "title": "Phone number", "description": "The number to call, in international format; may use {{templates}}." },
                "voiceAgent": { "type": "string", "title": "Voice agent", "description": "The voice agent that conducts the call." },
                "credential": { "type": "string", "title": "Credential", "description": "The name of a 'voice' credential of the organisation to use instead of the deployment's provider settings." }
              }
            }
            """),
        HasSideEffects = true,
        OutputFields =
        [
            new("call_initiated", "boolean", "True when the call was placed."),
            new("call_id", "string", "The call's ID."),
            new("delivery", "string", "provider when placed through the voice service, outbox when it is not configured and the call went to the outbox."),
        ],
    };
}
