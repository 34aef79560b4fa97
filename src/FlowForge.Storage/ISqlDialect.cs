using System.Data;
using System.Data.Common;
using Dapper;

namespace FlowForge.Storage;

/// <summary>
/// What the shared stores need of a database: pooled connections and its dialect. Each backend's database
/// class implements it, and enrolls each shared store with an empty sealed subclass over that database
/// (<c>SqliteWorkflowStore</c>, <c>PostgresWorkflowStore</c>, …) so the stores keep their backend's names.
/// </summary>
public interface IRelationalDatabase
{
    ISqlDialect Dialect { get; }

    /// <summary>An open connection; disposing it returns it to the pool.</summary>
    ValueTask<DbConnection> OpenConnectionAsync(CancellationToken ct = default);

    /// <summary>
    /// A connection for one of the point reads every request or start makes (its API key, the workflow it starts): a
    /// backend may keep a few warm connections apart for them (PostgreSQL does); otherwise any pooled connection.
    /// </summary>
    ValueTask<DbConnection> OpenReadConnectionAsync(CancellationToken ct = default) => OpenConnectionAsync(ct);
}

/// <summary>
/// The SQL and the values that differ between SQLite and PostgreSQL, and nothing else: the shared stores
/// write every statement once and splice these in. The SQL common to both (ON CONFLICT upserts,
/// LIMIT/OFFSET paging, COUNT(*) FILTER) is written out in the stores.
/// </summary>
public interface ISqlDialect
{
    /// <summary>A parameter written to a JSON column: PostgreSQL's json needs a cast from text, SQLite stores the text.</summary>
    string Json(string parameter);

    /// <summary>A timestamp parameter in the form the backend stores (SQLite: fixed-width UTC text; PostgreSQL: timestamptz).</summary>
    SqlTimestamp Timestamp(DateTimeOffset? value);

    /// <summary>
    /// The clock's current time as a timestamp parameter. PostgreSQL keeps microseconds: the time is rounded
    /// up to one, so the value read back is the value stored and never earlier than the instant taken.
    /// </summary>
    SqlTimestamp Now(TimeProvider clock);

    /// <summary>A timestamp column as read (SQLite: text; PostgreSQL: a UTC <see cref="DateTime"/>).</summary>
    DateTimeOffset ReadTimestamp(object value);

    /// <summary>A nullable timestamp column as read (Dapper leaves a NULL as null).</summary>
    DateTimeOffset? ReadTimestampOrNull(object? value) => value is null ? null : ReadTimestamp(value);

    /// <summary>The boolean literals as the backend's columns hold them (SQLite: 1 and 0, which its partial indexes name).</summary>
    string True { get; }

    /// <inheritdoc cref="True"/>
    string False { get; }

    /// <summary>LIKE that ignores case (SQLite's LIKE already ignores ASCII case; PostgreSQL needs ILIKE).</summary>
    string CaseInsensitiveLike { get; }

    /// <summary>A JSON column as text, for a LIKE over its content (PostgreSQL's json needs a cast; SQLite stores text).</summary>
    string JsonAsText(string column);

    /// <summary>
    /// "The row comes before (<paramref name="timeParameter"/>, <paramref name="idParameter"/>)" in (time, id) order, as
    /// one bound of an index ending in those columns: PostgreSQL's row comparison; for SQLite
    /// <c>time &lt;= @t AND (time &lt; @t OR id &lt; @id)</c>, which it reads as one range where an OR of two ranges
    /// would be two index scans and a sort.
    /// </summary>
    string KeysetBefore(string timeColumn, string idColumn, string timeParameter, string idParameter);

    /// <summary>A text column to ORDER BY in byte order, as SQLite's BINARY collation does, whatever PostgreSQL's collation is.</summary>
    string ByteOrder(string column);

    /// <summary>"Column is one of the array parameter's values" (SQLite: Dapper's IN list; PostgreSQL: = ANY of an array).</summary>
    string AnyOf(string column, string parameter);

    /// <summary>
    /// Appended to a SELECT of the row a transaction is about to change, to lock it against concurrent writers
    /// (PostgreSQL: FOR UPDATE). Empty for SQLite, whose write transaction already excludes every other writer.
    /// </summary>
    string ForUpdate { get; }

    /// <summary>
    /// A statement that serializes transactions on the string parameter <paramref name="keyParameter"/> until
    /// commit (PostgreSQL: a transaction-scoped advisory lock), or null when the backend's write transaction
    /// already excludes every other writer (SQLite).
    /// </summary>
    string? TransactionLock(string keyParameter);
}

/// <summary>
/// A timestamp parameter with the database type its backend stores it as, so a null is sent as a typed null
/// (as Dapper sends a null <see cref="DateTimeOffset"/>?) rather than one the database has to guess.
/// </summary>
public sealed class SqlTimestamp(object? value, DbType type) : SqlMapper.ICustomQueryParameter
{
    public void AddParameter(IDbCommand command, string name)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.DbType = type;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
    }
}
