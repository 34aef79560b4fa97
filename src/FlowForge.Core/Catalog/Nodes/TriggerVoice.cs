namespace FlowForge.Core.Catalog.Nodes;

internal static class TriggerVoice
{
    public static NodeTypeDescriptor Descriptor { get; } = new()
    {
        Type = NodeTypeNames.TriggerVoice,
        Category = NodeCategory.Trigger,
        DisplayName = "Voice call",
        Description = "Starts a run when a voice call ends, with its transcript.",
        ConfigSchema = NodeSchemas.Trigger("""
            {
              "properties": {
                "number": { "type": "string", "title": "Number", "description": "The phone number called; empty listens on all numbers." }
              }
            }
            """),
        RequiresOutgoingEdge = true,
        OutputFields =
        [
            new("caller_number", "string", "The caller's phone number."),
            new("call_duration", "number", "The call's length in seconds."),
            new("call_transcript", "string", "The call's transcript."),
        ],
    };
}
