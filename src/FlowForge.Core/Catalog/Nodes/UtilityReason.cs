namespace FlowForge.Core.Catalog.Nodes;

internal static class UtilityReason
{
    public static NodeTypeDescriptor Descriptor { get; } = new()
    {
        Type = NodeTypeNames.UtilityReason,
        Category = NodeCategory.Utility,
        DisplayName = "Contact reason",
        Description = "Summarises why the person got in touch.",
        ConfigSchema = NodeSchemas.Step("""
            {
              "properties": {
                "inputText": "@inputText",
                "provider": { "type": "string", "enum": ["", "botcore", "openai", "builtin"], "default": "", "title": "Provider", "description": "botcore, openai, or builtin (the offline analyzer); empty uses the deployment's default (builtin when no provider is configured)." },
                "model": "@model",
                "credential": { "type": "string", "title": "Credential", "description": "An organisation credential {kind: botcore|openai, baseUrl, apiKey?, model?} to use instead of the deployment's provider settings." }
              }
            }
            """),
        OutputFields = [new("reason", "string", "The reason for contact.")],
    };
}
