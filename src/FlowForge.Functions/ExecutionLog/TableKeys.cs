using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace FlowForge.Functions.ExecutionLog;

/// <summary>
/// Partition and row keys of the Table log. Table keys may not hold '/', '\', '#', '?' nor control characters, so
/// values from outside (organisation and execution ids) are escaped, and idempotency keys (free text up to the API's
/// limit) are hashed. Row keys that carry a time are zero-padded tick counts so string order is time order.
/// </summary>
internal static class TableKeys
{
    /// <summary>Ticks wide enough for any DateTimeOffset, so every key has the same length and sorts as a number.</summary>
    private const string TicksFormat = "D19";

    /// <summary>The value with the characters Table keys refuse (and '%', the escape itself) written as %XX.</summary>
    public static string Escape(string value)
    {
        if (!value.Any(NeedsEscape)) return value;
        var b = new StringBuilder(value.Length + 8);
        foreach (var c in value)
        {
            if (NeedsEscape(c)) b.Append('%').Append(((int)c).ToString(c > 0xFF ? "X4" : "X2", CultureInfo.InvariantCulture));
            else b.Append(c);
        }
        return b.ToString();
    }

    private static bool NeedsEscape(char c) => c is '/' or '\\' or '#' or '?' or '%' || char.IsControl(c);

    /// <summary>
    /// The executions table's row key: newest first in ascending key order (inverted ticks), then the id. Executions
    /// created in the same tick (100 ns) sort by id ascending (the server's stores sort them descending): the cursor is
    /// a position in this order, so paging stays exact; only the order of such ties differs.
    /// </summary>
    public static string NewestFirst(DateTimeOffset createdAt, string executionId) =>
        Inverted(createdAt) + "_" + Escape(executionId);

    /// <summary>The first row key of rows created strictly before <paramref name="at"/> (newest-first order).</summary>
    public static string NewestFirstBefore(DateTimeOffset at) =>
        (DateTime.MaxValue.Ticks - at.UtcTicks + 1).ToString(TicksFormat, CultureInfo.InvariantCulture);

    /// <summary>The open-executions table's row key: oldest first (creation ticks), then the id.</summary>
    public static string OldestFirst(DateTimeOffset createdAt, string executionId) =>
        createdAt.UtcTicks.ToString(TicksFormat, CultureInfo.InvariantCulture) + "_" + Escape(executionId);

    /// <summary>A history row's key: the sequence number, zero-padded so rows read back in order.</summary>
    public static string Sequence(long sequence) => sequence.ToString(TicksFormat, CultureInfo.InvariantCulture);

    /// <summary>An idempotency key's row key: its SHA-256 (the key itself is kept in the row).</summary>
    public static string Idempotency(string key) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    private static string Inverted(DateTimeOffset at) =>
        (DateTime.MaxValue.Ticks - at.UtcTicks).ToString(TicksFormat, CultureInfo.InvariantCulture);
}
