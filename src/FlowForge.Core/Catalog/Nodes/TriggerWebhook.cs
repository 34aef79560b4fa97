namespace FlowForge.Core.Catalog.Nodes;

internal static class TriggerWebhook
{
    public static NodeTypeDescriptor Descriptor { get; } = new()
    {
        Type = NodeTypeNames.TriggerWebhook,
        Category = NodeCategory.Trigger,
        DisplayName = "Webhook",
        Description = "Starts a run when an HTTP request reaches the workflow's webhook URL.",
        ConfigSchema = NodeSchemas.Trigger("""
            {
              "properties": {
                "methods": {
                  "type": "array",
                  "title": "Methods",
                  "description": "The HTTP methods accepted; others get 405.",
                  "minItems": 1,
                  "items": { "type": "string", "enum": ["GET", "POST", "PUT", "PATCH", "DELETE"] },
                  "default": ["POST"]
                },
                "auth": {
                  "type": "string",
                  "enum": ["none", "token", "signature"],
                  "default": "signature",
                  "title": "Authentication",
                  "description": "none: anyone with the URL; token: a bearer token; signature: an HMAC signature of the body."
                },
                "responseMode": {
                  "type": "string",
                  "enum": ["async", "sync"],
                  "default": "async",
                  "title": "Response mode",
                  "description": "async: answer 202 at once with the run ID; sync: wait for the run and answer with its output."
                },
                "syncTimeout": {
                  "type": ["string", "number"],
                  "format": "duration",
                  "default": "30s",
                  "title": "Sync timeout",
                  "description": "In sync mode, how long to wait for the run before answering 202 with the run ID."
                }
              }
            }
            """),
        RequiresOutgoingEdge = true,
        DynamicOutput = true,
        OutputFields =
        [
            new("method", "string", "The request's HTTP method."),
            new("headers", "object", "The request headers."),
            new("query", "object", "The query string parameters."),
            new("body", "any", "The request body (parsed when JSON)."),
        ],
    };
}
