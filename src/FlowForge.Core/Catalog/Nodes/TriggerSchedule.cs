using System.Text.Json;

namespace FlowForge.Core.Catalog.Nodes;

internal static class TriggerSchedule
{
    public const string TypeName = "trigger_schedule";

    public static NodeTypeDescriptor Descriptor { get; } = new()
    {
        Type = TypeName,
        Category = NodeCategory.Trigger,
        DisplayName = "Schedule",
        Description = "Starts a run on a cron schedule.",
        ConfigSchema = NodeSchemas.Trigger("""
            {
              "required": ["cron"],
              "properties": {
                "cron": { "type": "string", "title": "Cron expression", "description": "When to run: five fields (minute hour day-of-month month day-of-week), or six with seconds first, e.g. 0 9 * * MON-FRI." },
                "timezone": { "type": "string", "default": "UTC", "title": "Time zone", "description": "The IANA time zone the schedule is read in, e.g. Europe/Paris." },
                "catchUp": {
                  "type": "string",
                  "enum": ["skip", "once"],
                  "default": "skip",
                  "title": "Missed runs",
                  "description": "When the server was down at a scheduled time: skip the missed runs, or run once to catch up."
                }
              }
            }
            """),
        ConfigRules = CheckCron,
        RequiresOutgoingEdge = true,
        OutputFields =
        [
            new("scheduled_time", "string", "The time the run was scheduled for (ISO 8601)."),
            new("fired_at", "string", "The time the run actually started (ISO 8601)."),
        ],
    };

    private static IEnumerable<SchemaError> CheckCron(JsonElement config)
    {
        if (config.TryGetProperty("cron", out var cron) && cron.ValueKind == JsonValueKind.String
            && !string.IsNullOrWhiteSpace(cron.GetString()) && !ConfigSchemaValidator.ContainsTemplate(cron.GetString()))
        {
            var fields = cron.GetString()!.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
            if (fields is < 5 or > 7)
            {
                yield return new("cron", $"must have 5 fields (minute hour day month weekday) or 6-7 with seconds and year; it has {fields}");
            }
        }
    }
}
