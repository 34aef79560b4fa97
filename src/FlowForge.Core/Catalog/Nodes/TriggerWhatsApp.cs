namespace FlowForge.Core.Catalog.Nodes;

internal static class TriggerWhatsApp
{
    public static NodeTypeDescriptor Descriptor { get; } = new()
    {
        Type = NodeTypeNames.TriggerWhatsApp,
        Category = NodeCategory.Trigger,
        DisplayName = "WhatsApp message",
        Description = "Starts a run when a WhatsApp message arrives.",
        ConfigSchema = NodeSchemas.Trigger("""
            {
              "properties": {
                "phoneNumberId": { "type": "string", "title": "Phone number ID", "description": "The WhatsApp Business phone number ID to listen on; empty listens on all of them." }
              }
            }
            """),
        RequiresOutgoingEdge = true,
        OutputFields =
        [
            new("phone_number", "string", "The sender's phone number."),
            new("message_text", "string", "The message text."),
            new("message_timestamp", "string", "When the message was sent (ISO 8601)."),
            new("message_id", "string", "The WhatsApp message ID."),
        ],
    };
}
