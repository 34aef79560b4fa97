using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FlowForge.Core.Expressions;

/// <summary>How JSON values turn into text and numbers, shared by templates and conditions.</summary>
internal static class JsonText
{
    private static readonly JsonSerializerOptions Compact = new()
    {
        WriteIndented = false,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>JSON null (a null node or a JsonValue holding null) becomes a C# null.</summary>
    public static JsonNode? Normalize(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.Null ? null : node;

    public static JsonValueKind KindOf(JsonNode? node) => node?.GetValueKind() ?? JsonValueKind.Null;

    /// <summary>Strings as-is, numbers and booleans invariant, objects/arrays as compact JSON, null as "".</summary>
    public static string Format(JsonNode? node)
    {
        node = Normalize(node);
        if (node is null) return "";
        return node.GetValueKind() switch
        {
            JsonValueKind.String => GetString((JsonValue)node),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => node.ToJsonString(Compact),
        };
    }

    public static string GetString(JsonValue value) =>
        value.TryGetValue<string>(out var s) ? s : JsonSerializer.Deserialize<string>(value.ToJsonString()) ?? "";

    public static bool IsContainer(JsonNode? node) => node is JsonObject or JsonArray;

    /// <summary>A JSON number, or a string that parses as a finite invariant-culture number.</summary>
    public static bool TryGetNumber(JsonNode? node, out Number number)
    {
        number = default;
        if (Normalize(node) is not JsonValue value) return false;
        return value.GetValueKind() switch
        {
            JsonValueKind.Number => TryParseNumber(value.ToJsonString(), out number),
            JsonValueKind.String => TryParseNumber(GetString(value), out number),
            _ => false,
        };
    }

    public static bool TryParseNumber(string text, out Number number)
    {
        number = default;
        if (text.Length == 0 || text.Length > 400) return false;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) || !double.IsFinite(d)) return false;
        // Decimal keeps exact comparisons for ordinary values; doubles cover the huge and the tiny.
        if (decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var m) && (m != 0 || d == 0))
        {
            number = new Number(m, d);
        }
        else
        {
            number = new Number(null, d);
        }
        return true;
    }

    /// <summary>true/false, the strings "true"/"false"/"1"/"0" (any case, trimmed), the numbers 1 and 0.</summary>
    public static bool TryGetBoolean(JsonNode? node, out bool result)
    {
        result = false;
        if (Normalize(node) is not JsonValue value) return false;
        switch (value.GetValueKind())
        {
            case JsonValueKind.True: result = true; return true;
            case JsonValueKind.False: return true;
            case JsonValueKind.Number:
            case JsonValueKind.String:
                var text = value.GetValueKind() == JsonValueKind.String ? GetString(value).Trim() : value.ToJsonString();
                if (text.Equals("true", StringComparison.OrdinalIgnoreCase)) { result = true; return true; }
                if (text.Equals("false", StringComparison.OrdinalIgnoreCase)) return true;
                if (TryParseNumber(text, out var n) && (n.Double is 0 or 1)) { result = n.Double == 1; return true; }
                return false;
            default:
                return false;
        }
    }

    /// <summary>A JsonNode for an element, or null for JSON null.</summary>
    public static JsonNode? ToNode(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Undefined or JsonValueKind.Null => null,
        JsonValueKind.True => JsonValue.Create(true),
        JsonValueKind.False => JsonValue.Create(false),
        JsonValueKind.String => JsonValue.Create(element.GetString()),
        _ => JsonNode.Parse(element.GetRawText(), documentOptions: new JsonDocumentOptions { MaxDepth = TemplateResolver.MaxValueDepth }),
    };

    public static JsonNode? CreateNumber(Number number) =>
        number.Decimal is { } m ? JsonValue.Create(m) : JsonValue.Create(number.Double);
}

/// <summary>A parsed number: exact decimal when it fits (and is not an underflow), always a double.</summary>
internal readonly record struct Number(decimal? Decimal, double Double)
{
    public int CompareTo(Number other) =>
        Decimal is { } a && other.Decimal is { } b ? a.CompareTo(b) : Double.CompareTo(other.Double);
}
