namespace FlowForge.Core.Catalog.Nodes;

internal static class ActionCrm
{
    public static NodeTypeDescriptor Descriptor { get; } = new()
    {
        Type = NodeTypeNames.ActionCrm,
        Category = NodeCategory.Action,
        DisplayName = "Update CRM",
        Description = "Creates or updates a record in a CRM.",
        ConfigSchema = NodeSchemas.Step("""
            {
              "required": ["crmSystem", "action", "fields"],
              "properties": {
                "crmSystem": { "type": "string", "title": "CRM", "description": "The connected CRM system, e.g. salesforce or hubspot." },
                "action": { "type": "string", "enum": ["create", "update"], "default": "create", "title": "Action", "description": "Create a new record or update an existing one." },
                "fields": { "type": "object", "title": "Fields", "description": "Field name to value; values may use {{templates}}." },
                "recordId": { "type": "string", "title": "Record ID", "description": "The record to update (for update)." },
                "credential": { "type": "string", "title": "Credential", "description": "The name of a 'crm' credential of the organisation to use instead of the deployment's provider settings." }
              }
            }
            """),
        HasSideEffects = true,
        OutputFields =
        [
            new("crm_updated", "boolean", "True when the record was written."),
            new("crm_system", "string", "The CRM written to."),
            new("record_id", "string", "The ID of the record created or updated."),
            new("action", "string", "create or update: what was done."),
        ],
    };
}
