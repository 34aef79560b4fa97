using System.Globalization;
using Azure.Data.Tables;

namespace FlowForge.Functions.ExecutionLog;

/// <summary>
/// Long strings (JSON of trigger data, outputs, history events) in Table entities. A string property holds at most
/// 64 KiB (32 Ki UTF-16 characters) and an entity at most 1 MiB, so a value is split over <c>Name</c>, <c>Name1</c>,
/// <c>Name2</c>… with <c>NameParts</c> saying how many, and a value or an entity too large for a row is refused with
/// <see cref="ExecutionLogLimitException"/> before the service is asked (a clear error instead of a 400 from it).
/// </summary>
internal static class EntityText
{
    /// <summary>Characters per property: under 32 Ki so the property stays under 64 KiB.</summary>
    public const int PartChars = 30_000;

    /// <summary>
    /// The longest value one row keeps (250,000 characters, 9 parts). The entity as a whole is checked too: see
    /// <see cref="EnsureFits"/>.
    /// </summary>
    public const int MaxValueChars = 250_000;

    /// <summary>What the service counts for an entity, less a margin for keys, names and system properties.</summary>
    private const int MaxEntityBytes = 1_000_000;

    public static void Write(TableEntity entity, string name, string? value)
    {
        if (value is null) return;
        if (value.Length > MaxValueChars)
        {
            throw new ExecutionLogLimitException(
                $"{name} is {value.Length:N0} characters of JSON; the Table storage log keeps at most {MaxValueChars:N0} per value.");
        }
        if (value.Length <= PartChars)
        {
            entity[name] = value;
            return;
        }
        var parts = (value.Length + PartChars - 1) / PartChars;
        entity[name + "Parts"] = parts;
        for (var i = 0; i < parts; i++)
        {
            var part = value.Substring(i * PartChars, Math.Min(PartChars, value.Length - i * PartChars));
            entity[i == 0 ? name : name + i.ToString(CultureInfo.InvariantCulture)] = part;
        }
    }

    public static string? Read(TableEntity entity, string name)
    {
        var first = entity.GetString(name);
        if (first is null) return null;
        var parts = entity.GetInt32(name + "Parts") ?? 1;
        if (parts <= 1) return first;
        var b = new System.Text.StringBuilder(first, parts * PartChars);
        for (var i = 1; i < parts; i++)
        {
            b.Append(entity.GetString(name + i.ToString(CultureInfo.InvariantCulture))
                ?? throw new InvalidDataException($"Part {i} of {name} is missing from {entity.PartitionKey}/{entity.RowKey}."));
        }
        return b.ToString();
    }

    /// <summary>Throws when the entity's strings alone (2 bytes a character, as the service counts) exceed a row's size.</summary>
    public static void EnsureFits(TableEntity entity, string what)
    {
        var bytes = Size(entity);
        if (bytes > MaxEntityBytes)
        {
            throw new ExecutionLogLimitException(
                $"{what} needs about {bytes:N0} bytes; a Table storage entity holds at most 1 MiB (trigger data, output and error together).");
        }
    }

    /// <summary>The entity's approximate size as the service counts it: strings at 2 bytes a character, names included.</summary>
    public static int Size(TableEntity entity)
    {
        var bytes = 2 * (entity.PartitionKey.Length + entity.RowKey.Length);
        foreach (var (key, value) in entity)
        {
            bytes += 8 + 2 * key.Length + (value is string s ? 4 + 2 * s.Length : 8);
        }
        return bytes;
    }
}

/// <summary>
/// A value too large for the Table storage log (see <see cref="EntityText"/>). The orchestration fails the execution
/// with this message instead of retrying a write that can never succeed.
/// </summary>
internal sealed class ExecutionLogLimitException(string message) : InvalidOperationException(message);
