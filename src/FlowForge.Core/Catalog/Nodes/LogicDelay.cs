using System.Globalization;
using System.Text.Json;
using FlowForge.Core.Model;

namespace FlowForge.Core.Catalog.Nodes;

internal static class LogicDelay
{
    public static NodeTypeDescriptor Descriptor { get; } = new()
    {
        Type = NodeTypeNames.LogicDelay,
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
        ConfigRules = config => Rules.ExactlyOne("duration", "until")(config).Concat(UntilWithinCap(config)),
        OutputFields = [new("waited_until", "string", "When the wait ended (ISO 8601).")],
    };

    /// <summary>
    /// A literal <c>until</c> may be at most <see cref="Durations.Max"/> ahead, like a duration (measured from the time of
    /// validation; a templated one is checked when the step runs).
    /// </summary>
    private static IEnumerable<SchemaError> UntilWithinCap(JsonElement config)
    {
        if (config.ValueKind != JsonValueKind.Object || !config.TryGetProperty("until", out var until) || until.ValueKind != JsonValueKind.String) yield break;
        var text = until.GetString()!;
        if (ConfigSchemaValidator.ContainsTemplate(text)) yield break;
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) && at - DateTimeOffset.UtcNow > Durations.Max)
        {
            yield return new("until", $"'{text}' is more than {Durations.Max.TotalDays:0} days away: a delay may wait at most {Durations.Max.TotalDays:0} days");
        }
    }
}
