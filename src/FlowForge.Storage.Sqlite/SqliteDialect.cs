using System.Data;

namespace FlowForge.Storage.Sqlite;

/// <summary>SQLite's side of the shared stores' SQL: text timestamps, integer booleans, one writer at a time.</summary>
internal sealed class SqliteDialect : ISqlDialect
{
    public static readonly SqliteDialect Instance = new();

    private SqliteDialect()
    {
    }

    public string Json(string parameter) => parameter;

    public SqlTimestamp Timestamp(DateTimeOffset? value) =>
        new(value is { } v ? SqliteValues.Timestamp(v) : null, DbType.String);

    public SqlTimestamp Now(TimeProvider clock) => Timestamp(clock.GetUtcNow());

    public DateTimeOffset ReadTimestamp(object value) => SqliteValues.ParseTimestamp((string)value);

    public string True => "1";

    public string False => "0";

    public string CaseInsensitiveLike => "LIKE";

    public string JsonAsText(string column) => column;

    public string KeysetBefore(string timeColumn, string idColumn, string timeParameter, string idParameter) =>
        $"{timeColumn} <= {timeParameter} AND ({timeColumn} < {timeParameter} OR {idColumn} < {idParameter})";

    public string ByteOrder(string column) => column;

    public string AnyOf(string column, string parameter) => $"{column} IN {parameter}";

    public string ForUpdate => "";

    public string? TransactionLock(string keyParameter) => null;
}
