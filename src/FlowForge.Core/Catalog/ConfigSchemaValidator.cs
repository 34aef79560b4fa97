using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using FlowForge.Core.Model;

namespace FlowForge.Core.Catalog;

/// <summary>One problem with a config: <see cref="Path"/> is the field (<c>retry.maxAttempts</c>, <c>intents[0].name</c>; empty for the config itself).</summary>
public sealed record SchemaError(string Path, string Message);

/// <summary>
/// Checks a node config against its JSON Schema. Only the subset the node catalog uses is understood:
/// <list type="bullet">
/// <item><c>type</c>: one of <c>string</c>, <c>number</c>, <c>integer</c>, <c>boolean</c>, <c>object</c>, <c>array</c>,
/// <c>null</c>, or an array of them (<c>integer</c> accepts whole numbers such as <c>3.0</c>);</item>
/// <item><c>enum</c> (compared with <see cref="JsonElement.DeepEquals"/>);</item>
/// <item>objects: <c>properties</c>, <c>required</c>, <c>additionalProperties</c> (<c>false</c>, or a schema for the other properties);</item>
/// <item>arrays: <c>items</c> (a single schema), <c>minItems</c>, <c>maxItems</c>;</item>
/// <item>numbers: <c>minimum</c>, <c>maximum</c>, <c>exclusiveMinimum</c>, <c>exclusiveMaximum</c> (numeric form);</item>
/// <item>strings: <c>minLength</c>, <c>maxLength</c>, <c>pattern</c>, and <c>format</c> <c>duration</c> (see
/// <see cref="Durations"/>; also applied to numbers, read as seconds), <c>date-time</c> (ISO 8601) and <c>uri</c>
/// (absolute); other formats are ignored;</item>
/// <item>an extension, <c>maxDuration</c> (a duration string): the longest a <c>duration</c>-format value may be.</item>
/// </list>
/// Everything else (<c>title</c>, <c>description</c>, <c>default</c>, <c>oneOf</c>, <c>$ref</c>, ...) is ignored; rules the
/// subset cannot express ("exactly one of") are <see cref="NodeTypeDescriptor.ConfigRules"/>.
/// <para>Departures from JSON Schema, because configs come from forms and templates:</para>
/// <list type="bullet">
/// <item>a string containing a <c>{{template}}</c> (<see cref="TemplateSyntax"/>) is accepted wherever a value is
/// expected, whatever the type, enum, format or bounds: its value is only known at run time;</item>
/// <item>a property whose value is JSON <c>null</c> counts as absent, and a <c>required</c> property must be present,
/// not null and, when a string, not blank.</item>
/// </list>
/// </summary>
public static class ConfigSchemaValidator
{
    private static readonly ConcurrentDictionary<string, Regex> Patterns = new(StringComparer.Ordinal);

    /// <summary>
    /// The problems with <paramref name="value"/> against <paramref name="schema"/>, empty when valid: for an object,
    /// missing required properties first, then the properties in the value's order.
    /// </summary>
    public static IReadOnlyList<SchemaError> Validate(JsonElement value, JsonElement schema)
    {
        var errors = new List<SchemaError>();
        Check(value, schema, "", errors);
        return errors;
    }

    /// <summary>True when <paramref name="text"/> holds at least one <c>{{placeholder}}</c>.</summary>
    public static bool ContainsTemplate(string? text) =>
        !string.IsNullOrEmpty(text) && text.Contains("{{", StringComparison.Ordinal) && TemplateSyntax.Placeholder().IsMatch(text);

    /// <summary>True when a value is missing as far as <c>required</c> is concerned: absent, null or a blank string.</summary>
    public static bool IsMissing(JsonElement? value) =>
        value is not { } v
        || v.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null
        || (v.ValueKind == JsonValueKind.String && string.IsNullOrWhiteSpace(v.GetString()));

    private static void Check(JsonElement value, JsonElement schema, string path, List<SchemaError> errors)
    {
        if (schema.ValueKind != JsonValueKind.Object) return;
        if (value.ValueKind == JsonValueKind.String && ContainsTemplate(value.GetString())) return;

        if (schema.TryGetProperty("type", out var type) && !TypeMatches(value, type))
        {
            errors.Add(new(path, $"must be {DescribeType(type)} (got {KindName(value)})"));
            return;
        }

        if (schema.TryGetProperty("enum", out var options) && options.ValueKind == JsonValueKind.Array)
        {
            var found = false;
            foreach (var option in options.EnumerateArray())
            {
                if (JsonElement.DeepEquals(option, value)) { found = true; break; }
            }
            if (!found)
            {
                var list = string.Join(", ", options.EnumerateArray().Select(o => o.GetRawText()));
                errors.Add(new(path, $"must be one of {list}"));
                return;
            }
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                CheckString(value.GetString()!, schema, path, errors);
                break;
            case JsonValueKind.Number:
                CheckNumber(value, schema, path, errors);
                break;
            case JsonValueKind.Array:
                CheckArray(value, schema, path, errors);
                break;
            case JsonValueKind.Object:
                CheckObject(value, schema, path, errors);
                break;
        }
    }

    private static void CheckString(string text, JsonElement schema, string path, List<SchemaError> errors)
    {
        if (TryGetNumber(schema, "minLength", out var minLength) && text.Length < minLength)
        {
            errors.Add(new(path, minLength <= 1 ? "must not be empty" : $"must be at least {minLength} characters long"));
        }
        if (TryGetNumber(schema, "maxLength", out var maxLength) && text.Length > maxLength)
        {
            errors.Add(new(path, $"must be at most {maxLength} characters long"));
        }
        if (schema.TryGetProperty("pattern", out var pattern) && pattern.ValueKind == JsonValueKind.String)
        {
            var regex = Patterns.GetOrAdd(pattern.GetString()!, p => new Regex(p, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)));
            if (!regex.IsMatch(text)) errors.Add(new(path, $"must match the pattern {pattern.GetString()}"));
        }
        switch (schema.TryGetProperty("format", out var format) ? format.GetString() : null)
        {
            case "duration":
                if (!Durations.TryParse(text, out var duration, out var error)) errors.Add(new(path, error!));
                else CheckMaxDuration(duration, schema, path, errors);
                break;
            case "date-time":
                if (!IsDateTime(text)) errors.Add(new(path, $"'{text}' is not an ISO 8601 date-time such as 2025-01-31T09:00:00Z"));
                break;
            case "uri":
                if (!Uri.TryCreate(text, UriKind.Absolute, out _)) errors.Add(new(path, $"'{text}' is not an absolute URL"));
                break;
        }
    }

    private static void CheckNumber(JsonElement value, JsonElement schema, string path, List<SchemaError> errors)
    {
        var number = value.GetDouble();
        if (TryGetNumber(schema, "minimum", out var min) && number < min) errors.Add(new(path, $"must be at least {Format(min)}"));
        if (TryGetNumber(schema, "maximum", out var max) && number > max) errors.Add(new(path, $"must be at most {Format(max)}"));
        if (TryGetNumber(schema, "exclusiveMinimum", out var xmin) && number <= xmin) errors.Add(new(path, $"must be greater than {Format(xmin)}"));
        if (TryGetNumber(schema, "exclusiveMaximum", out var xmax) && number >= xmax) errors.Add(new(path, $"must be less than {Format(xmax)}"));
        if (schema.TryGetProperty("format", out var format) && format.ValueEquals("duration"))
        {
            if (!Durations.TryParse(value.GetRawText(), out var duration, out var error)) errors.Add(new(path, error!));
            else CheckMaxDuration(duration, schema, path, errors);
        }
    }

    private static void CheckMaxDuration(TimeSpan duration, JsonElement schema, string path, List<SchemaError> errors)
    {
        if (schema.TryGetProperty("maxDuration", out var max) && max.ValueKind == JsonValueKind.String
            && Durations.TryParse(max.GetString(), out var limit) && duration > limit)
        {
            errors.Add(new(path, $"must be at most {max.GetString()}"));
        }
    }

    private static void CheckArray(JsonElement value, JsonElement schema, string path, List<SchemaError> errors)
    {
        var count = value.GetArrayLength();
        if (TryGetNumber(schema, "minItems", out var minItems) && count < minItems)
        {
            errors.Add(new(path, minItems <= 1 ? "must have at least one item" : $"must have at least {minItems} items"));
        }
        if (TryGetNumber(schema, "maxItems", out var maxItems) && count > maxItems)
        {
            errors.Add(new(path, $"must have at most {maxItems} items"));
        }
        if (schema.TryGetProperty("items", out var items))
        {
            var i = 0;
            foreach (var item in value.EnumerateArray())
            {
                Check(item, items, $"{path}[{i++}]", errors);
            }
        }
    }

    private static void CheckObject(JsonElement value, JsonElement schema, string path, List<SchemaError> errors)
    {
        var hasProperties = schema.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object;
        var missing = new HashSet<string>(StringComparer.Ordinal);
        if (schema.TryGetProperty("required", out var required) && required.ValueKind == JsonValueKind.Array)
        {
            foreach (var name in required.EnumerateArray())
            {
                var key = name.GetString()!;
                if (IsMissing(value.TryGetProperty(key, out var v) ? v : null) && missing.Add(key)) errors.Add(new(Join(path, key), "is required"));
            }
        }

        schema.TryGetProperty("additionalProperties", out var additional);
        foreach (var property in value.EnumerateObject())
        {
            if (property.Value.ValueKind == JsonValueKind.Null || missing.Contains(property.Name)) continue;
            var childPath = Join(path, property.Name);
            if (hasProperties && properties.TryGetProperty(property.Name, out var propertySchema))
            {
                Check(property.Value, propertySchema, childPath, errors);
            }
            else if (additional.ValueKind == JsonValueKind.False)
            {
                errors.Add(new(childPath, "is not a known setting"));
            }
            else if (additional.ValueKind == JsonValueKind.Object)
            {
                Check(property.Value, additional, childPath, errors);
            }
        }
    }

    private static bool TypeMatches(JsonElement value, JsonElement type) => type.ValueKind switch
    {
        JsonValueKind.String => KindMatches(value, type.GetString()!),
        JsonValueKind.Array => type.EnumerateArray().Any(t => t.ValueKind == JsonValueKind.String && KindMatches(value, t.GetString()!)),
        _ => true,
    };

    private static bool KindMatches(JsonElement value, string type) => type switch
    {
        "string" => value.ValueKind == JsonValueKind.String,
        "number" => value.ValueKind == JsonValueKind.Number,
        "integer" => value.ValueKind == JsonValueKind.Number && (value.TryGetInt64(out _) || IsWhole(value.GetDouble())),
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        "null" => value.ValueKind == JsonValueKind.Null,
        _ => true,
    };

    private static bool IsWhole(double d) => double.IsFinite(d) && Math.Floor(d) == d;

    private static string DescribeType(JsonElement type)
    {
        var names = type.ValueKind == JsonValueKind.Array
            ? type.EnumerateArray().Select(t => t.GetString() ?? "?").ToList()
            : [type.GetString() ?? "?"];
        var described = names.Select(n => n switch
        {
            "integer" => "an integer",
            "array" => "an array",
            "object" => "an object",
            "null" => "null",
            _ => "a " + n,
        }).ToList();
        return described.Count == 1 ? described[0] : string.Join(", ", described[..^1]) + " or " + described[^1];
    }

    private static string KindName(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    private static bool IsDateTime(string text) =>
        text.Length >= 10 && char.IsAsciiDigit(text[0]) && text[4] == '-'
        && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _);

    private static bool TryGetNumber(JsonElement schema, string name, out double number)
    {
        number = 0;
        return schema.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out number);
    }

    private static string Format(double d) => d.ToString(CultureInfo.InvariantCulture);

    private static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";
}
