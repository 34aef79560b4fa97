namespace FlowForge.Core.Catalog.Nodes;

/// <summary>
/// Waits for a person's decision. Its <c>timeout</c> replaces the common execution setting: how long to wait for
/// the decision before following the <c>timeout</c> port.
/// </summary>
internal static class LogicApproval
{
    public static NodeTypeDescriptor Descriptor { get; } = new()
    {
        Type = NodeTypeNames.LogicApproval,
        Category = NodeCategory.Logic,
        DisplayName = "Approval",
        Description = "Waits for a person to approve or reject, then follows the matching port.",
        ConfigSchema = NodeSchemas.Step("""
            {
              "properties": {
                "message": { "type": "string", "title": "Message", "description": "What the approvers are asked; may use {{templates}}." },
                "approvers": { "type": "array", "items": { "type": "string" }, "title": "Approvers", "description": "Who may decide (user names or email addresses); empty means anyone with access." },
                "eventName": { "type": "string", "default": "approval", "title": "Event name", "description": "The event the decision arrives as." },
                "timeout": { "type": ["string", "number"], "format": "duration", "default": "7d", "title": "Timeout", "description": "How long to wait for a decision before following the timeout port." }
              }
            }
            """),
        OutputPorts = ["approved", "rejected", "timeout"],
        RequiresOutgoingEdge = true,
        OutputFields =
        [
            new("approved", "boolean", "True when approved."),
            new("approved_by", "string", "Who decided."),
            new("comment", "string", "The approver's comment."),
        ],
    };
}
