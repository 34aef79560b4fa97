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
    /// <remarks>
    /// Every write of this process runs on one long-lived connection (the gate serializes them anyway), so the
    /// statements of the hot path stay prepared across transactions (<see cref="SqliteWrite.Command"/>):
    /// Microsoft.Data.Sqlite finalizes a command's statements when its connection object closes, and a pooled
    /// connection is a new object each time. The connection is closed after <see cref="WriterIdle"/> without writes,
    /// so a database nobody writes to any more (a test's, a deleted file) does not keep a handle open for good.
    /// </remarks>
    public async Task<SqliteWrite> BeginWriteAsync(CancellationToken ct = default)
    {
        await _writeGate.WaitAsync(ct);
        try
        {
            if (_writer is null)
            {
                _writer = new SqliteWriter(await OpenAsync(ct));
                _idleTimer ??= new Timer(static state => ((SqliteDatabase)state!).CloseIdleWriter(Environment.TickCount64), this, WriterIdle, WriterIdle);
            }
            _lastWrite = Environment.TickCount64;
            return new SqliteWrite(_writer, _writer.Connection.BeginTransaction(), this);
        }
        catch
        {
            // A connection that failed to open or begin is not trusted again: the next write opens a fresh one.
            _writer?.Dispose();
            _writer = null;
            _writeGate.Release();
            throw;
        }
    }

    /// <summary>How long the writer connection stays open without a write.</summary>
    internal static readonly TimeSpan WriterIdle = TimeSpan.FromSeconds(5);

    private SqliteWriter? _writer;
    private Timer? _idleTimer;
    private long _lastWrite;

    /// <summary>Called by <see cref="SqliteWrite"/> when it ends: the gate passes to the next writer.</summary>
    internal void EndWrite(bool discardWriter)
    {
        if (discardWriter)
        {
            _writer?.Dispose();
            _writer = null;
        }
        _lastWrite = Environment.TickCount64;
        _writeGate.Release();
    }

    /// <summary>Whether the long-lived write connection is open (tests).</summary>
    internal bool WriterOpen => _writer is not null;

    /// <summary>Closes the write connection if nothing wrote for <see cref="WriterIdle"/> before <paramref name="now"/> (<see cref="Environment.TickCount64"/>).</summary>
    internal void CloseIdleWriter(long now)
    {
        // Never waits: a writer holding the gate is by definition not idle.
        if (!_writeGate.Wait(0)) return;
        try
        {
            if (now - _lastWrite < (long)WriterIdle.TotalMilliseconds) return;
            _writer?.Dispose();
            _writer = null;
            // Nothing left to close: the timer stops too, so it does not keep this database alive.
            _idleTimer?.Dispose();
            _idleTimer = null;
        }
        finally
        {
            _writeGate.Release();
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

/// <summary>The long-lived write connection and the statements prepared on it.</summary>
internal sealed class SqliteWriter(SqliteConnection connection) : IDisposable
{
    // Bounded: the hot path has a handful of statements (a few shapes of multi-row inserts each); SQL built for
    // one-off sizes beyond this runs unprepared rather than growing the cache.
    private const int MaxCommands = 64;
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

    public SqliteConnection Connection { get; } = connection;

    public SqliteCommand? Cached(string sql)
    {
        if (_commands.TryGetValue(sql, out var command)) return command;
        if (_commands.Count >= MaxCommands) return null;
        command = Connection.CreateCommand();
        command.CommandText = sql;
        _commands.Add(sql, command);
        return command;
    }

    public void Dispose()
    {
        foreach (var command in _commands.Values) command.Dispose();
        _commands.Clear();
        Connection.Dispose();
    }
}

/// <summary>A write transaction holding this process's write gate until disposed.</summary>
public sealed class SqliteWrite : IAsyncDisposable
{
    private readonly SqliteWriter _writer;
    private readonly SqliteDatabase _db;
    private List<SqliteCommand>? _uncached;
    private int _disposed;

    internal SqliteWrite(SqliteWriter writer, SqliteTransaction transaction, SqliteDatabase db)
    {
        _writer = writer;
        _db = db;
        Transaction = transaction;
    }

    public SqliteConnection Connection => _writer.Connection;
    public SqliteTransaction Transaction { get; }

    public Task CommitAsync(CancellationToken ct = default) => Transaction.CommitAsync(ct);

    /// <summary>
    /// A command for <paramref name="sql"/> in this transaction, with no parameters: reused (and its statements
    /// kept prepared) across this process's write transactions. Valid until this write ends; add parameters, run it.
    /// </summary>
    public SqliteCommand Command(string sql)
    {
        // The cached command already holds this text: setting it again could drop its prepared statements.
        var command = _writer.Cached(sql);
        if (command is null)
        {
            command = Connection.CreateCommand();
            command.CommandText = sql;
            (_uncached ??= []).Add(command);
        }
        command.Transaction = Transaction;
        command.Parameters.Clear();
        return command;
    }

    /// <summary><see cref="Command(string)"/> with its parameters (null is bound as SQL NULL).</summary>
    public SqliteCommand Command(string sql, params ReadOnlySpan<(string Name, object? Value)> parameters)
    {
        var command = Command(sql);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        var discard = false;
        try
        {
            foreach (var command in _uncached ?? []) command.Dispose();
            await Transaction.DisposeAsync();
        }
        catch
        {
            // The rollback failed: the connection's state is unknown, so the next write starts on a fresh one.
            discard = true;
            throw;
        }
        finally
        {
            _db.EndWrite(discard);
        }
    }
}
