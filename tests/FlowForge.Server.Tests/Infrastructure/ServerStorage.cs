using System.Data.Common;
using FlowForge.Core.Storage;
using FlowForge.Storage.Postgres;
using FlowForge.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace FlowForge.Server.Tests.Infrastructure;

/// <summary>
/// The database under a test server, so that one scenario is written once and run on each backend: an in-process
/// <see cref="ServerFixture"/> or a <see cref="ServerProcess"/> gets its <see cref="Settings"/>, and the database is
/// dropped when the storage is disposed. Suites take it as a type parameter (<c>new()</c>): each backend enrolls with an
/// empty subclass.
/// </summary>
public abstract class ServerStorage : IAsyncDisposable
{
    /// <summary>The storage settings, as configuration keys (<c>Storage:Provider</c>), for a server whose folder is <paramref name="directory"/>.</summary>
    public abstract IReadOnlyDictionary<string, string?> Settings(string directory);

    /// <summary>The same settings as a child process's environment (<c>Storage__Provider</c>).</summary>
    public IEnumerable<KeyValuePair<string, string>> Environment(string directory) =>
        Settings(directory).Where(s => s.Value is not null).Select(s => KeyValuePair.Create(s.Key.Replace(":", "__", StringComparison.Ordinal), s.Value!));

    /// <summary>The backend's real execution store over the server's database, for a fixture that wraps it.</summary>
    public abstract IExecutionStore ExecutionStore(IServiceProvider services);

    /// <summary>The error the backend's driver throws for a value it cannot store (not transient): a turn's own fault.</summary>
    public abstract DbException DataError(string message);

    /// <summary>The error the backend's driver throws when the disk fails under it (not transient either).</summary>
    public abstract DbException IoError(string message);

    /// <summary>How many bytes the database takes now (tests that bound growth).</summary>
    public abstract Task<long> DatabaseBytesAsync(string directory);

    public abstract ValueTask DisposeAsync();
}

/// <summary>SQLite, the default backend: a database file in the server's folder (which its owner deletes).</summary>
public sealed class SqliteStorage : ServerStorage
{
    public override IReadOnlyDictionary<string, string?> Settings(string directory) => new Dictionary<string, string?>
    {
        ["Storage:Provider"] = "sqlite",
        ["Storage:ConnectionString"] = $"Data Source={Path.Combine(directory, "flowforge.db")}",
    };

    public override IExecutionStore ExecutionStore(IServiceProvider services) =>
        new SqliteExecutionStore(services.GetRequiredService<SqliteDatabase>(), TimeProvider.System);

    // SQLITE_MISMATCH and SQLITE_IOERR.
    public override DbException DataError(string message) => new SqliteException(message, 20);

    public override DbException IoError(string message) => new SqliteException(message, 10);

    // The database file with its write-ahead log and shared-memory index.
    public override Task<long> DatabaseBytesAsync(string directory) =>
        Task.FromResult(new DirectoryInfo(directory).GetFiles("flowforge.db*").Sum(f => f.Length));

    public override ValueTask DisposeAsync()
    {
        // Pooled connections keep the file open; the folder can only be deleted once they are gone.
        SqliteConnection.ClearAllPools();
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// PostgreSQL: a fresh schema <c>t_&lt;guid&gt;</c> in the test server (<c>FLOWFORGE_TEST_POSTGRES</c>, or the local one
/// <c>infra/setup.sh</c> provisions), created by the server's own migrations at start and dropped on dispose. A schema,
/// not a database: creating one costs a catalog row, not a copy of <c>template1</c>, so a suite can afford one per class.
/// </summary>
public sealed class PostgresStorage : ServerStorage
{
    public const string DefaultConnectionString = "Host=127.0.0.1;Port=5432;Username=flowforge;Password=flowforge;Database=flowforge_test";

    public static string ServerConnectionString =>
        System.Environment.GetEnvironmentVariable("FLOWFORGE_TEST_POSTGRES") is { Length: > 0 } configured ? configured : DefaultConnectionString;

    public PostgresStorage() : this($"t_{Guid.NewGuid():N}")
    {
    }

    /// <param name="schema">The schema.</param>
    /// <param name="owned">Whether disposing drops it: false for another process's view of a schema someone else owns.</param>
    public PostgresStorage(string schema, bool owned = true)
    {
        Schema = schema;
        _owned = owned;
    }

    private readonly bool _owned;

    /// <summary>The schema the server runs in.</summary>
    public string Schema { get; }

    /// <summary>A connection string whose <c>Search Path</c> is <paramref name="schema"/>.</summary>
    public static string SchemaConnectionString(string schema) =>
        new NpgsqlConnectionStringBuilder(ServerConnectionString) { SearchPath = schema, MaxPoolSize = 20 }.ConnectionString;

    public override IReadOnlyDictionary<string, string?> Settings(string directory) => new Dictionary<string, string?>
    {
        ["Storage:Provider"] = "postgres",
        ["Storage:ConnectionString"] = SchemaConnectionString(Schema),
    };

    public override IExecutionStore ExecutionStore(IServiceProvider services) =>
        new PostgresExecutionStore(services.GetRequiredService<PostgresDatabase>(), TimeProvider.System);

    // numeric_value_out_of_range and io_error, as the server would send them.
    public override DbException DataError(string message) => new PostgresException(message, "ERROR", "ERROR", "22003");

    public override DbException IoError(string message) => new PostgresException(message, "ERROR", "ERROR", "58030");

    // Every table of the schema with its indexes and TOAST (where large documents go).
    public override async Task<long> DatabaseBytesAsync(string directory)
    {
        await using var c = new NpgsqlConnection(SchemaConnectionString(Schema));
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand(
            "SELECT COALESCE(sum(pg_total_relation_size(format('%I.%I', schemaname, tablename)::regclass)), 0)::bigint FROM pg_tables WHERE schemaname = @s", c);
        cmd.Parameters.AddWithValue("s", Schema);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    public override async ValueTask DisposeAsync()
    {
        if (!_owned) return;
        await using var c = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ServerConnectionString) { Pooling = false }.ConnectionString);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{Schema}\" CASCADE", c);
        await cmd.ExecuteNonQueryAsync();
    }
}
