using System.Text.Json;

namespace FlowForge.Core.Catalog;

/// <summary>Building blocks for <see cref="NodeTypeDescriptor.ConfigRules"/>.</summary>
internal static class Rules
{
    /// <summary>Exactly one of <paramref name="first"/> and <paramref name="second"/> must be set (present, not null, not blank).</summary>
    public static Func<JsonElement, IEnumerable<SchemaError>> ExactlyOne(string first, string second) => config =>
    {
        var hasFirst = IsSet(config, first);
        var hasSecond = IsSet(config, second);
        if (!hasFirst && !hasSecond) return [new(first, $"set either {first} or {second}")];
        if (hasFirst && hasSecond) return [new(second, $"set {first} or {second}, not both")];
        return [];
    };

    public static bool IsSet(JsonElement config, string name) =>
        config.ValueKind == JsonValueKind.Object
        && !ConfigSchemaValidator.IsMissing(config.TryGetProperty(name, out var value) ? value : null);
}
