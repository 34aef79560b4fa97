using System.Text.Json.Nodes;
using FlowForge.Core.Catalog;

namespace FlowForge.Core.Engine;

/// <summary>
/// Shapes the trigger data into the fields each trigger type promises downstream templates, as the
/// original platform named them, keeping every field that came in. Common alternative spellings are
/// accepted so a hand-written test payload works too.
/// </summary>
public static class TriggerShapes
{
    private static readonly Dictionary<string, (string Field, string[] Aliases)[]> Fields = new(StringComparer.Ordinal)
    {
        [NodeTypeNames.TriggerWhatsApp] =
        [
            ("phone_number", ["phoneNumber", "from"]),
            ("message_text", ["messageText", "text", "body", "message"]),
            ("message_timestamp", ["messageTimestamp", "timestamp"]),
            ("message_id", ["messageId", "id"]),
        ],
        [NodeTypeNames.TriggerEmail] =
        [
            ("email_from", ["emailFrom", "from"]),
            ("email_subject", ["emailSubject", "subject"]),
            ("email_body", ["emailBody", "text", "body"]),
            ("email_timestamp", ["emailTimestamp", "timestamp", "date"]),
        ],
        [NodeTypeNames.TriggerVoice] =
        [
            ("caller_number", ["callerNumber", "from", "caller"]),
            ("call_duration", ["callDuration", "duration"]),
            ("call_transcript", ["callTranscript", "transcript"]),
        ],
    };

    public static JsonNode? Shape(string triggerType, JsonNode? triggerData)
    {
        if (triggerData is not JsonObject data) return triggerData?.DeepClone();
        var output = (JsonObject)data.DeepClone();
        if (!Fields.TryGetValue(triggerType, out var fields)) return output;
        foreach (var (field, aliases) in fields)
        {
            if (output.ContainsKey(field)) continue;
            var alias = aliases.FirstOrDefault(output.ContainsKey);
            output[field] = alias is null ? null : output[alias]?.DeepClone();
        }
        return output;
    }
}
