using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace FlowForge.Storage.Sqlite;

/// <summary>
/// Opens connections to one SQLite database file with the settings every connection needs, and
/// migrates its schema. WAL lets readers run beside the single writer; write transactions are
/// IMMEDIATE so two writers queue on the busy timeout instead of deadlocking on a lock upgrade.
/// </summary>
public sealed class SqliteDatabase : IRelationalDatabase
{
    private readonly string _connectionString;
    private readonly string _synchronous;

    /// <param name="connectionString">A Microsoft.Data.Sqlite connection string.</param>
    /// <param name="synchronous">The PRAGMA synchronous level: FULL (default, survives power loss) or NORMAL (survives process crashes).</param>
    public SqliteDatabase(string connectionString, string synchronous = "FULL")
    {
        var builder = new SqliteConnectionStringBuilder(connectionString)
        {
            Pooling = true,
            DefaultTimeout = 30,
        };
        if (builder.Mode != SqliteOpenMode.Memory && !string.IsNullOrEmpty(builder.DataSource))
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(builder.DataSource));
            if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
            if (!builder.DataSource.StartsWith("file:", StringComparison.OrdinalIgnoreCase) && builder.DataSource != ":memory:")
                FilePath = Path.GetFullPath(builder.DataSource);
        }
        _connectionString = builder.ToString();
        _synchronous = synchronous.ToUpperInvariant() switch
        {
            "FULL" => "FULL",
            "NORMAL" => "NORMAL",
            "EXTRA" => "EXTRA",
            _ => throw new ArgumentException($"Unsupported SQLite synchronous level '{synchronous}' (use FULL, NORMAL or EXTRA).", nameof(synchronous)),
        };
    }

    // SQLite has one writer. Queuing this process's writers here costs a semaphore hand-off; leaving it
    // to SQLite's busy handler costs sleeps of 1 to 100 ms each time two writers meet.
    private readonly SemaphoreSlim _writeGate = new(1, 1);

    private static readonly object Configured = new();
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<SQLitePCL.sqlite3, object> _configured = new();

    /// <summary>
    /// An IMMEDIATE write transaction, queued behind this process's other writers (other processes
    /// still meet on SQLite's busy timeout). Dispose ends it (rolling back unless committed).
    /// </summary>
    public async Task<SqliteWrite> BeginWriteAsync(CancellationToken ct = default)
    {
        await _writeGate.WaitAsync(ct);
        SqliteConnection? connection = null;
        try
        {
            connection = await OpenAsync(ct);
            return new SqliteWrite(connection, connection.BeginTransaction(), _writeGate);
        }
        catch
        {
            if (connection is not null) await connection.DisposeAsync();
            _writeGate.Release();
            throw;
        }
    }

    ISqlDialect IRelationalDatabase.Dialect => SqliteDialect.Instance;

    async ValueTask<DbConnection> IRelationalDatabase.OpenConnectionAsync(CancellationToken ct) => await OpenAsync(ct);

    public async Task<SqliteConnection> OpenAsync(CancellationToken ct = default)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(ct);
        // Pragmas stick to the native connection, which the pool hands out again and again: set them once per handle.
        if (connection.Handle is { } handle && !_configured.TryGetValue(handle, out _))
        {
            using var pragma = connection.CreateCommand();
            pragma.CommandText = $"PRAGMA foreign_keys = ON; PRAGMA synchronous = {_synchronous}; PRAGMA busy_timeout = 30000;";
            await pragma.ExecuteNonQueryAsync(ct);
            _configured.AddOrUpdate(handle, Configured);
        }
        return connection;
    }

    /// <summary>
    /// Applies the embedded migration scripts not yet recorded in <c>schema_versions</c>, in order,
    /// each in its own transaction. The IMMEDIATE transaction is the lock: two processes starting
    /// together apply each script once. Idempotent.
    /// </summary>
    public Task MigrateAsync(CancellationToken ct = default) => MigrateAsync(int.MaxValue, ct);

    /// <summary>Applies the migrations up to <paramref name="upToVersion"/> only: tests build an old database with it.</summary>
    internal async Task MigrateAsync(int upToVersion, CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        await Execute(connection, "PRAGMA journal_mode = WAL;", ct);
        await Execute(connection, "CREATE TABLE IF NOT EXISTS schema_versions (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL);", ct);

        foreach (var (version, name, sql) in LoadMigrations().Where(m => m.Version <= upToVersion))
        {
            await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(ct);
            using var check = connection.CreateCommand();
            check.Transaction = tx;
            check.CommandText = "SELECT COUNT(*) FROM schema_versions WHERE version = $v";
            check.Parameters.AddWithValue("$v", version);
            if ((long)(await check.ExecuteScalarAsync(ct))! > 0)
            {
                await tx.RollbackAsync(ct);
                continue;
            }
            using var apply = connection.CreateCommand();
            apply.Transaction = tx;
            apply.CommandText = sql;
            await apply.ExecuteNonQueryAsync(ct);
            using var record = connection.CreateCommand();
            record.Transaction = tx;
            record.CommandText = "INSERT INTO schema_versions (version, name, applied_at) VALUES ($v, $n, $t)";
            record.Parameters.AddWithValue("$v", version);
            record.Parameters.AddWithValue("$n", name);
            // Bookkeeping for operators, not store data: the wall clock, whatever clock the stores are given.
            record.Parameters.AddWithValue("$t", SqliteValues.Timestamp(TimeProvider.System.GetUtcNow()));
            await record.ExecuteNonQueryAsync(ct);
            await tx.CommitAsync(ct);
        }
    }

    /// <summary>The database file, or null for an in-memory or URI data source (the health check looks for it).</summary>
    public string? FilePath { get; }

    /// <summary>The highest migration this build carries: a schema below it is not ready for this code.</summary>
    public static int LatestMigration { get; } = LoadMigrations().Max(m => m.Version);

    /// <summary>The versions recorded as applied, for tests and diagnostics.</summary>
    public async Task<IReadOnlyList<int>> AppliedMigrationsAsync(CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT version FROM schema_versions ORDER BY version";
        var result = new List<int>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) result.Add(reader.GetInt32(0));
        return result;
    }

    internal static IEnumerable<(int Version, string Name, string Sql)> LoadMigrations()
    {
        var assembly = typeof(SqliteDatabase).Assembly;
        const string prefix = "FlowForge.Storage.Sqlite.Migrations.";
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            var name = resource[prefix.Length..^".sql".Length];
            var version = int.Parse(name[..name.IndexOf('_')], System.Globalization.CultureInfo.InvariantCulture);
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            yield return (version, name, reader.ReadToEnd());
        }
    }

    private static async Task Execute(SqliteConnection connection, string sql, CancellationToken ct)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        await cmd.ExecuteNonQueryAsync(ct);
    }
}

/// <summary>A write transaction holding this process's write gate until disposed.</summary>
public sealed class SqliteWrite(SqliteConnection connection, SqliteTransaction transaction, SemaphoreSlim gate) : IAsyncDisposable
{
    private int _disposed;

    public SqliteConnection Connection { get; } = connection;
    public SqliteTransaction Transaction { get; } = transaction;

    public Task CommitAsync(CancellationToken ct = default) => Transaction.CommitAsync(ct);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        try
        {
            await Transaction.DisposeAsync();
            await Connection.DisposeAsync();
        }
        finally
        {
            gate.Release();
        }
    }
}
