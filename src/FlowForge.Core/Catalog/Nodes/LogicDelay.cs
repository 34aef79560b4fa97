namespace FlowForge.Core.Catalog.Nodes;

internal static class LogicDelay
{
    public const string TypeName = "logic_delay";

    public static NodeTypeDescriptor Descriptor { get; } = new()
    {
        Type = TypeName,
        Category = NodeCategory.Logic,
        DisplayName = "Delay",
        Description = "Waits for a while, or until a given time, durably (the server may restart meanwhile).",
        ConfigSchema = NodeSchemas.Step("""
            {
              "properties": {
                "duration": { "type": ["string", "number"], "format": "duration", "title": "Duration", "description": "How long to wait: 500ms, 30s, 5m, 2h, 2d, 1w, PT5M, or seconds (set this or until)." },
                "until": { "type": "string", "format": "date-time", "title": "Until", "description": "When to resume, as an ISO 8601 date-time such as 2025-01-31T09:00:00Z (set this or duration)." }
              }
            }
            """),
        ConfigRules = Rules.ExactlyOne("duration", "until"),
        OutputFields = [new("waited_until", "string", "When the wait ended (ISO 8601).")],
    };
}
