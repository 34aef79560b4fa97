using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using FlowForge.Core.Expressions;
using FlowForge.Core.Model;

namespace FlowForge.Core.Engine;

/// <summary>The config rules of the logic nodes the decider runs itself; each throws <see cref="InlineStepException"/> with a message a user can act on.</summary>
internal static class InlineNodes
{
    /// <summary>Weighted pick of an A/B variant with <paramref name="draw"/> in [0, 1).</summary>
    public static string PickVariant(NodeDefinition node, double draw)
    {
        if (node.GetConfig("variants") is not { ValueKind: JsonValueKind.Array } variants || variants.GetArrayLength() == 0)
        {
            throw new InlineStepException("'variants' must list at least one {name, weight}.");
        }
        var list = new List<(string Name, double Weight)>();
        foreach (var v in variants.EnumerateArray())
        {
            var name = v.ValueKind == JsonValueKind.Object && v.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
            var weight = v.ValueKind == JsonValueKind.Object && v.TryGetProperty("weight", out var w) && w.TryGetDouble(out var d) ? d : 1;
            if (string.IsNullOrEmpty(name) || weight <= 0 || double.IsNaN(weight) || double.IsInfinity(weight))
            {
                throw new InlineStepException("Every variant needs a name and a positive weight.");
            }
            list.Add((name, weight));
        }
        var total = list.Sum(v => v.Weight);
        var target = draw * total;
        foreach (var (name, weight) in list)
        {
            if (target < weight) return name;
            target -= weight;
        }
        return list[^1].Name;
    }

    /// <summary>The loop's items: a JSON array, or a template resolving to one (or to JSON text of one).</summary>
    public static JsonArray LoopItems(NodeDefinition node, ExpressionContext context, ICollection<string> warnings)
    {
        var resolved = TemplateResolver.ResolveValue(node.GetConfig("items") ?? default, context, warnings);
        if (resolved is JsonValue text && text.GetValueKind() == JsonValueKind.String)
        {
            try { resolved = JsonNode.Parse(text.GetValue<string>()); }
            catch (JsonException) { resolved = null; }
        }
        if (resolved is not JsonArray items)
        {
            throw new InlineStepException($"'items' must be a list; it resolved to {Describe(resolved)}.");
        }
        var max = node.GetConfig("maxIterations") is { ValueKind: JsonValueKind.Number } m && m.TryGetInt32(out var mi) ? mi : 100;
        if (items.Count > max)
        {
            throw new InlineStepException($"'items' has {items.Count} entries, more than maxIterations ({max}). Raise maxIterations (up to 10000) or shorten the list.");
        }
        return items;
    }

    /// <summary>When a delay ends: <c>now + duration</c>, or the <c>until</c> time (a time in the past ends it at once).</summary>
    public static DateTimeOffset DelayUntil(JsonObject input, DateTimeOffset now)
    {
        if (input["until"] is JsonValue until && until.GetValueKind() == JsonValueKind.String)
        {
            var text = until.GetValue<string>();
            if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            {
                throw new InlineStepException($"'until' is not a date-time: '{text}'. Use ISO 8601, e.g. 2026-12-01T09:00:00Z.");
            }
            // The same cap as a duration: a far-future 'until' (year 9999) would otherwise park the run for ever.
            if (at - now > Durations.Max)
            {
                throw new InlineStepException($"'until' ({text}) is more than {Durations.Max.TotalDays:0} days away; a delay may wait at most {Durations.Max.TotalDays:0} days.");
            }
            return at > now ? at : now;
        }
        if (input["duration"] is { } duration)
        {
            return now + Duration(duration, "duration");
        }
        throw new InlineStepException("A delay needs 'duration' (e.g. 5m, 2d, PT1H) or 'until' (a date-time).");
    }

    /// <summary>
    /// A time as the ISO 8601 string System.Text.Json writes (<c>2025-01-01T09:00:00+00:00</c>). Outputs and the
    /// context hold times as plain strings, never as DateTimeOffset-backed JSON values: after a trip through the
    /// store those come back as strings, and a template that copies one would then be serialized differently
    /// (<c>+</c> escaped or not), so a replayed run would not decide byte for byte what the live run decided.
    /// </summary>
    public static string IsoTime(DateTimeOffset time) => time.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture);

    /// <summary>The event an approval waits for and until when.</summary>
    public static (string EventName, DateTimeOffset Until) ApprovalWait(JsonObject input, DateTimeOffset now)
    {
        var name = input["eventName"] is JsonValue n && n.GetValueKind() == JsonValueKind.String && n.GetValue<string>().Length > 0 ? n.GetValue<string>() : "approval";
        var timeout = input["timeout"] is { } t ? Duration(t, "timeout") : TimeSpan.FromDays(7);
        return (name, now + timeout);
    }

    /// <summary>
    /// Reads an approval event: <c>{approved: true|false}</c> (also "true"/"yes"/"approved"), or
    /// <c>{decision: "approve"|"reject"}</c>; anything else is a rejection. Who and why are passed on.
    /// </summary>
    public static (bool Approved, JsonObject Output) ApprovalOutcome(JsonNode? payload)
    {
        var data = payload as JsonObject;
        var approved = Truthy(data?["approved"]) ?? Truthy(data?["decision"]) ?? false;
        var output = new JsonObject
        {
            ["approved"] = approved,
            ["approved_by"] = (data?["approvedBy"] ?? data?["approved_by"] ?? data?["by"])?.DeepClone(),
            ["comment"] = data?["comment"]?.DeepClone(),
            ["payload"] = payload?.DeepClone(),
        };
        return (approved, output);
    }

    private static bool? Truthy(JsonNode? value) => value switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.True => true,
        JsonValue v when v.GetValueKind() == JsonValueKind.False => false,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>().Trim().ToLowerInvariant() switch
        {
            "true" or "yes" or "approve" or "approved" => true,
            "false" or "no" or "reject" or "rejected" => false,
            _ => null,
        },
        _ => null,
    };

    private static TimeSpan Duration(JsonNode value, string field)
    {
        var text = value.GetValueKind() switch
        {
            JsonValueKind.String => value.GetValue<string>(),
            JsonValueKind.Number => value.GetValue<double>().ToString(CultureInfo.InvariantCulture),
            _ => null,
        };
        if (text is null) throw new InlineStepException($"'{field}' is not a duration: {Describe(value)}.");
        return Durations.TryParse(text, out var d, out var error) ? d : throw new InlineStepException($"'{field}' is not a duration: {error}");
    }

    private static string Describe(JsonNode? value) => value switch
    {
        null => "null",
        JsonArray => "a list",
        JsonObject => "an object",
        _ => $"{value.GetValueKind().ToString().ToLowerInvariant()} {value.ToJsonString()}",
    };
}
