using System.Data;

namespace FlowForge.Storage.Postgres;

/// <summary>PostgreSQL's side of the shared stores' SQL: json casts, timestamptz, row and advisory locks, byte-order sorts.</summary>
internal sealed class PostgresDialect : ISqlDialect
{
    public static readonly PostgresDialect Instance = new();

    private PostgresDialect()
    {
    }

    public string Json(string parameter) => $"CAST({parameter} AS json)";

    public SqlTimestamp Timestamp(DateTimeOffset? value) => new(PostgresValues.Timestamp(value), DbType.DateTimeOffset);

    public SqlTimestamp Now(TimeProvider clock) => new(PostgresValues.Now(clock), DbType.DateTimeOffset);

    public DateTimeOffset ReadTimestamp(object value) => PostgresValues.FromDb((DateTime)value);

    public string True => "true";

    public string False => "false";

    public string CaseInsensitiveLike => "ILIKE";

    public string JsonAsText(string column) => $"{column}::text";

    public string KeysetBefore(string timeColumn, string idColumn, string timeParameter, string idParameter) =>
        $"({timeColumn}, {idColumn}) < ({timeParameter}, {idParameter})";

    // COLLATE "C": byte order, as SQLite's BINARY, whatever the database's collation.
    public string ByteOrder(string column) => $"{column} COLLATE \"C\"";

    public string AnyOf(string column, string parameter) => $"{column} = ANY({parameter})";

    public string ForUpdate => " FOR UPDATE";

    public string? TransactionLock(string keyParameter) => $"SELECT pg_advisory_xact_lock(hashtext({keyParameter}))";
}
