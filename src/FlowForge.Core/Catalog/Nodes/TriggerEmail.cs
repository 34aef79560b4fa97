namespace FlowForge.Core.Catalog.Nodes;

internal static class TriggerEmail
{
    public static NodeTypeDescriptor Descriptor { get; } = new()
    {
        Type = NodeTypeNames.TriggerEmail,
        Category = NodeCategory.Trigger,
        DisplayName = "Email received",
        Description = "Starts a run when an email arrives.",
        ConfigSchema = NodeSchemas.Trigger("""
            {
              "properties": {
                "address": { "type": "string", "title": "Address", "description": "The inbox address to listen on; empty listens on all inboxes." }
              }
            }
            """),
        RequiresOutgoingEdge = true,
        OutputFields =
        [
            new("email_from", "string", "The sender's address."),
            new("email_subject", "string", "The subject line."),
            new("email_body", "string", "The body as plain text."),
            new("email_timestamp", "string", "When the email was received (ISO 8601)."),
        ],
    };
}
