namespace FlowForge.Core.Catalog.Nodes;

/// <summary>An HTTP request. Its time limit is the common <c>timeout</c> execution setting.</summary>
internal static class ActionHttp
{
    public static NodeTypeDescriptor Descriptor { get; } = new()
    {
        Type = NodeTypeNames.ActionHttp,
        Category = NodeCategory.Action,
        DisplayName = "HTTP request",
        Description = "Sends an HTTP request and outputs the response.",
        ConfigSchema = NodeSchemas.Step("""
            {
              "required": ["url"],
              "properties": {
                "method": { "type": "string", "enum": ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"], "default": "GET", "title": "Method", "description": "The HTTP method." },
                "url": { "type": "string", "format": "uri", "title": "URL", "description": "The absolute URL to call; may use {{templates}}." },
                "headers": { "type": "object", "additionalProperties": { "type": "string" }, "title": "Headers", "description": "Request headers, name to value; values may use {{templates}}." },
                "body": { "title": "Body", "description": "The request body: JSON sent as application/json, or a string sent as is; may use {{templates}}." }
              }
            }
            """),
        HasSideEffects = true,
        OutputFields =
        [
            new("status", "number", "The response status code."),
            new("headers", "object", "The response headers."),
            new("body", "any", "The response body (parsed when JSON)."),
        ],
    };
}
