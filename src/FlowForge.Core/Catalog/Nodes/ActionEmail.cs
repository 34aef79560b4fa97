namespace FlowForge.Core.Catalog.Nodes;

internal static class ActionEmail
{
    public static NodeTypeDescriptor Descriptor { get; } = new()
    {
        Type = NodeTypeNames.ActionEmail,
        Category = NodeCategory.Action,
        DisplayName = "Send email",
        Description = "Sends an email.",
        ConfigSchema = NodeSchemas.Step("""
            {
              "required": ["to", "subject", "body"],
              "properties": {
                "to": { "type": "string", "title": "To", "description": "Recipient addresses, comma-separated." },
                "cc": { "type": "string", "title": "Cc", "description": "Copy addresses, comma-separated." },
                "bcc": { "type": "string", "title": "Bcc", "description": "Blind copy addresses, comma-separated." },
                "subject": { "type": "string", "title": "Subject", "description": "The subject line; may use {{templates}}." },
                "body": { "type": "string", "title": "Body", "description": "The message body; may use {{templates}}." },
                "html": { "type": "boolean", "default": false, "title": "HTML", "description": "Send the body as HTML rather than plain text." },
                "credential": { "type": "string", "title": "Credential", "description": "The name of a 'smtp' credential of the organisation to use instead of the deployment's provider settings." }
              }
            }
            """),
        HasSideEffects = true,
        OutputFields =
        [
            new("email_sent", "boolean", "True when the email was accepted for delivery."),
            new("email_id", "string", "The message ID."),
            new("delivery", "string", "provider when sent over SMTP, outbox when SMTP is not configured and the message went to the outbox."),
        ],
    };
}
