using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using FlowForge.Core.Engine.History;
using FlowForge.Core.Model;

namespace FlowForge.Core.Storage;

/// <summary>
/// How history events and JSON values are stored as text. Events are always serialized as the
/// polymorphic base type so the "type" discriminator is written and they read back as the right record.
/// </summary>
public static class StoredEvent
{
    // The discriminators declared on HistoryEvent, so the type column matches the JSON "type" exactly
    // without parsing the JSON we just wrote.
    private static readonly Dictionary<Type, string> TypeNames = typeof(HistoryEvent)
        .GetCustomAttributes<JsonDerivedTypeAttribute>()
        .ToDictionary(a => a.DerivedType, a => (string)a.TypeDiscriminator!);

    public static string Serialize(HistoryEvent e) => JsonSerializer.Serialize<HistoryEvent>(e, JsonDefaults.Options);

    public static HistoryEvent Deserialize(string json) =>
        JsonSerializer.Deserialize<HistoryEvent>(json, JsonDefaults.Options)
        ?? throw new InvalidDataException("A stored history event is null.");

    public static string TypeName(HistoryEvent e) => TypeName(e.GetType());

    /// <summary>The stored <c>type</c> of history events of <paramref name="type"/> (its JSON discriminator).</summary>
    public static string TypeName(Type type) =>
        TypeNames.TryGetValue(type, out var name)
            ? name
            : throw new ArgumentException($"{type.Name} is not a registered history event type.", nameof(type));

    /// <summary>The event as appended: stamped with <paramref name="now"/> unless its appender already chose a time.</summary>
    public static HistoryEvent Stamp(HistoryEvent e, DateTimeOffset now) => e.Timestamp == default ? e with { Timestamp = now } : e;

    public static string? Json(JsonNode? node) => node?.ToJsonString(JsonDefaults.Options);

    public static JsonNode? ParseJson(string? text) => text is null ? null : JsonNode.Parse(text);
}
