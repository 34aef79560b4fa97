namespace FlowForge.Core.Catalog.Nodes;

internal static class ActionWhatsApp
{
    public static NodeTypeDescriptor Descriptor { get; } = new()
    {
        Type = NodeTypeNames.ActionWhatsApp,
        Category = NodeCategory.Action,
        DisplayName = "Send WhatsApp message",
        Description = "Sends a WhatsApp message.",
        ConfigSchema = NodeSchemas.Step("""
            {
              "required": ["recipient", "messageTemplate"],
              "properties": {
                "recipient": { "type": "string", "default": "trigger", "title": "Recipient", "description": "\"trigger\" to answer the phone number that triggered the run, or a phone number in international format." },
                "messageTemplate": { "type": "string", "minLength": 1, "title": "Message", "description": "The message text; may use {{templates}} such as {{steps.agent.agent_response}}." },
                "credential": { "type": "string", "title": "Credential", "description": "The name of a 'whatsapp' credential of the organisation to use instead of the deployment's provider settings." }
              }
            }
            """),
        HasSideEffects = true,
        OutputFields =
        [
            new("message_sent", "boolean", "True when the message was accepted for delivery."),
            new("message_id", "string", "The WhatsApp message ID."),
            new("status", "string", "The delivery status reported by WhatsApp."),
            new("delivery", "string", "provider when sent through WhatsApp, outbox when WhatsApp is not configured and the message went to the outbox."),
        ],
    };
}
