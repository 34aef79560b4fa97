using System.Text.Json;
using System.Text.Json.Nodes;

namespace FlowForge.Core.Catalog;

/// <summary>
/// Builds node config schemas from JSON text, merging in the parts every node of a kind shares so they are
/// written once: the trigger <c>filter</c>, and the execution settings (<c>retry</c>, <c>timeout</c>,
/// <c>onError</c>) of every other node. A property written as a string <c>"@name"</c> is replaced by the
/// shared property <c>name</c> (<c>@inputText</c>, <c>@provider</c>, ...), keeping its place in the form.
/// Each schema is parsed once, when its node type is first used.
/// </summary>
internal static class NodeSchemas
{
    private const string ExecutionSettingsJson = """
        {
          "retry": {
            "type": "object",
            "title": "Retry",
            "description": "How a failed attempt is retried: the wait starts at initialInterval and is multiplied by backoffCoefficient after each attempt, up to maxInterval.",
            "additionalProperties": false,
            "properties": {
              "maxAttempts": { "type": "integer", "minimum": 1, "maximum": 100, "default": 3, "title": "Max attempts", "description": "Attempts in all, the first included; 1 means no retry." },
              "initialInterval": { "type": ["string", "number"], "format": "duration", "maxDuration": "1d", "default": "1s", "title": "Initial interval", "description": "Wait before the first retry (500ms, 3s, 5m, PT5M, or seconds)." },
              "backoffCoefficient": { "type": "number", "minimum": 1, "maximum": 10, "default": 2, "title": "Backoff coefficient", "description": "Factor the wait grows by after each retry; 1 keeps it constant." },
              "maxInterval": { "type": ["string", "number"], "format": "duration", "maxDuration": "1d", "default": "1m", "title": "Max interval", "description": "Longest wait between two attempts." }
            }
          },
          "timeout": { "type": ["string", "number"], "format": "duration", "default": "30s", "title": "Timeout", "description": "How long one attempt may run before it fails (500ms, 30s, 5m, PT5M, or seconds)." },
          "onError": {
            "type": "string",
            "enum": ["stop", "continue", "error"],
            "default": "stop",
            "title": "On error",
            "description": "When the step still fails after its retries: stop the run, continue with the next steps as if it succeeded (with the error in its output), or follow the step's 'error' port."
          }
        }
        """;

    private const string FilterJson = """
        {
          "filter": {
            "type": "object",
            "title": "Filter",
            "description": "Only start a run when the trigger data matches these conditions; no conditions lets everything through.",
            "additionalProperties": false,
            "properties": {
              "combinator": { "type": "string", "enum": ["AND", "OR"], "default": "AND", "title": "Combine with", "description": "AND: every condition must hold; OR: any one is enough." },
              "conditions": {
                "type": "array",
                "title": "Conditions",
                "description": "The conditions to test against the trigger data.",
                "items": {
                  "type": "object",
                  "required": ["variable", "operator"],
                  "properties": {
                    "variable": { "type": "string", "title": "Variable", "description": "The trigger field to test, e.g. message_text." },
                    "operator": { "type": "string", "title": "Operator", "description": "How to compare, e.g. equals, not_equals, contains, starts_with, ends_with, greater_than, less_than, is_empty, matches." },
                    "value": { "title": "Value", "description": "The value to compare with (unused by is_empty)." },
                    "type": { "type": "string", "title": "Type", "description": "How to read the values: string, number, boolean or date." }
                  }
                }
              }
            }
          }
        }
        """;

    private const string SharedJson = """
        {
          "systemPrompt": { "type": "string", "title": "System prompt", "description": "Instructions that set the model's role and rules." },
          "inputText": { "type": "string", "title": "Input text", "description": "The text to work on; may use {{templates}}. Empty means the trigger's message text." },
          "provider": { "type": "string", "enum": ["", "botcore", "openai"], "default": "", "title": "Provider", "description": "The language model provider; empty uses the deployment's default." },
          "model": { "type": "string", "title": "Model", "description": "The provider's model name; empty uses the provider's default." },
          "temperature": { "type": "number", "minimum": 0, "maximum": 2, "title": "Temperature", "description": "Randomness of the answer, 0 (focused) to 2 (creative); empty uses the model's default." }
        }
        """;

    private static readonly JsonObject ExecutionSettingsNodes = ParseObject(ExecutionSettingsJson);
    private static readonly JsonObject FilterNodes = ParseObject(FilterJson);
    private static readonly JsonObject SharedNodes = ParseObject(SharedJson);

    /// <summary>A trigger's schema: <paramref name="json"/> plus <c>filter</c>.</summary>
    public static JsonElement Trigger(string json) => Build(json, FilterNodes);

    /// <summary>Any other node's schema: <paramref name="json"/> plus the execution settings. A node may redefine one
    /// of them with its own meaning (an approval's <c>timeout</c> is how long to wait for the decision).</summary>
    public static JsonElement Step(string json) => Build(json, ExecutionSettingsNodes);

    private static JsonElement Build(string json, JsonObject common)
    {
        var schema = ParseObject(json);
        if (schema["properties"] is not JsonObject properties)
        {
            properties = [];
            schema["properties"] = properties;
        }

        foreach (var (name, value) in properties.ToList())
        {
            if (value is JsonValue v && v.TryGetValue<string>(out var reference) && reference.StartsWith('@'))
            {
                var shared = SharedNodes[reference[1..]] ?? throw new InvalidOperationException($"No shared schema property '{reference}'.");
                var index = properties.IndexOf(name);
                properties.RemoveAt(index);
                properties.Insert(index, name, shared.DeepClone());
            }
        }
        foreach (var (name, value) in common)
        {
            if (!properties.ContainsKey(name)) properties[name] = value!.DeepClone();
        }
        schema.TryAdd("type", "object");

        using var document = JsonDocument.Parse(schema.ToJsonString());
        return document.RootElement.Clone();
    }

    private static JsonObject ParseObject(string json) =>
        JsonNode.Parse(json) as JsonObject ?? throw new InvalidOperationException("A schema must be a JSON object.");
}
