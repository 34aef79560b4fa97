using System.Globalization;

namespace FlowForge.Storage.Sqlite;

/// <summary>
/// How values are written to SQLite columns. Timestamps are fixed-width UTC ISO-8601 text so that
/// text order is time order and indexes on them work.
/// </summary>
internal static class SqliteValues
{
    private const string TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    public static string Timestamp(DateTimeOffset value) => value.UtcDateTime.ToString(TimestampFormat, CultureInfo.InvariantCulture);

    public static DateTimeOffset ParseTimestamp(string text) =>
        DateTimeOffset.ParseExact(text, TimestampFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    public static DateTimeOffset? ParseTimestampOrNull(string? text) => text is null ? null : ParseTimestamp(text);
}
