using System.Text.Json;
using FlowForge.Core.Scheduling;

namespace FlowForge.Core.Catalog.Nodes;

internal static class TriggerSchedule
{
    public static NodeTypeDescriptor Descriptor { get; } = new()
    {
        Type = NodeTypeNames.TriggerSchedule,
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
        if (config.ValueKind != JsonValueKind.Object) yield break;
        string? timeZone = null;
        if (config.TryGetProperty("timezone", out var tz) && tz.ValueKind == JsonValueKind.String)
        {
            timeZone = tz.GetString();
            if (!CronSchedule.TryFindTimeZone(timeZone, out _))
            {
                yield return new("timezone", $"unknown time zone '{timeZone}': use an IANA id such as Europe/Paris or UTC");
                yield break;
            }
        }
        if (config.TryGetProperty("cron", out var cron) && cron.ValueKind == JsonValueKind.String
            && !string.IsNullOrWhiteSpace(cron.GetString()) && !ConfigSchemaValidator.ContainsTemplate(cron.GetString()))
        {
            if (!CronSchedule.TryParse(cron.GetString(), timeZone, out _, out var error)) yield return new("cron", error!);
        }
    }
}
