using System.Data.Common;
using System.Globalization;
using Npgsql;

namespace FlowForge.Storage.Postgres;

/// <summary>
/// One PostgreSQL database (or one schema of it): a pooled <see cref="NpgsqlDataSource"/> for the stores,
/// and the schema migrations. Every store of this assembly takes it; a new store adds its tables with a
/// new numbered script in <c>Migrations/</c> (append-only: a shipped script is never edited).
/// </summary>
/// <remarks>
/// With <c>Search Path</c> in the connection string, the first schema of it holds the tables and is
/// created when missing; without, PostgreSQL's default (<c>public</c>) does.
/// </remarks>
public sealed class PostgresDatabase : IRelationalDatabase, IAsyncDisposable, IDisposable
{
    private readonly NpgsqlDataSource _dataSource;

    /// <param name="connectionString">An Npgsql connection string, e.g. <c>Host=db;Username=flowforge;Password=…;Database=flowforge</c>.</param>
    public PostgresDatabase(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        Schema = FirstSchema(builder.SearchPath);
        // Prepared statements unless the connection string says otherwise: the engine runs the same few dozen statements
        // all day, and a prepared one skips parsing and planning on every call (Npgsql prepares those used twice).
        if (builder.MaxAutoPrepare == 0 && !connectionString.Contains("Max Auto Prepare", StringComparison.OrdinalIgnoreCase))
        {
            builder.MaxAutoPrepare = 128;
            builder.AutoPrepareMinUsages = 2;
        }
        // No session reset when a connection goes back to the pool: Npgsql's reset (RESET ALL, UNLISTEN *, …) is sent in
        // front of the next statement on it, about 50 µs of server time on every checkout, and nothing here leaves session
        // state behind (settings are SET LOCAL or set_config(…, true); locks are transaction-scoped). The one session-level
        // thing, the live feed's LISTEN, runs on its own unpooled connection (OpenUnpooledAsync).
        if (!connectionString.Contains("No Reset On Close", StringComparison.OrdinalIgnoreCase)) builder.NoResetOnClose = true;
        _dataSource = NpgsqlDataSource.Create(builder);
        // The engine's hot path (group commits, orchestration claims, starts) gets a small pool of its own. Npgsql hands
        // out idle connections first in, first out, so after a burst had opened dozens, each sequential commit landed on
        // the least recently used one: a cold backend, whose statements were prepared and planned generically only after
        // several uses of it. On this VM that doubled a commit's round trip (bench/README, issue 13). Those callers run one
        // at a time per process (the dispatcher's loop, the starts' drainer), so three connections stay warm.
        // The small pools are named after the process's (or "flowforge"), so pg_stat_activity tells them apart.
        var name = string.IsNullOrEmpty(builder.ApplicationName) ? "flowforge" : builder.ApplicationName;
        var engine = new NpgsqlDataSourceBuilder(new NpgsqlConnectionStringBuilder(builder.ConnectionString)
        {
            MaxPoolSize = Math.Min(EngineConnections, builder.MaxPoolSize),
            MinPoolSize = 0,
            ApplicationName = name + " engine",
            // The session settings below must survive the connection's returns to the pool (a reset would undo them).
            NoResetOnClose = true,
        }.ConnectionString);
        engine.UsePhysicalConnectionInitializer(
            connection => { using var set = new NpgsqlCommand(EngineSessionSql, connection); set.ExecuteNonQuery(); },
            async connection => { await using var set = new NpgsqlCommand(EngineSessionSql, connection); await set.ExecuteNonQueryAsync(); });
        _engine = engine.Build();
        // The point reads of every request (its API key, the workflow a start runs) get a few connections of their own
        // too, for the same reason: after a burst, each sequential request's reads landed on a cold connection of the
        // main pool, where their statements were not even prepared yet (0.4 ms more per start, bench/README).
        _reads = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(builder.ConnectionString)
        {
            MaxPoolSize = Math.Min(ReadConnections, builder.MaxPoolSize),
            MinPoolSize = 0,
            ApplicationName = name + " reads",
        });
        _unpooled = new NpgsqlConnectionStringBuilder(builder.ConnectionString) { Pooling = false }.ConnectionString;
    }

    private readonly string _unpooled;

    /// <summary>
    /// The engine connections' planner settings. Its statements are prepared (Npgsql auto-prepare) and written to be index
    /// scans whatever the parameters. Left to choose, PostgreSQL kept re-planning the group commit on every execution:
    /// its generic plan, costed for an array of unknown length, looked dearer than a custom plan for the one-turn array
    /// at hand, and planning that statement of CTEs took longer than running it (bench/README, issue 13). Generic plans
    /// are forced, and sequential scans ruled out where an index serves, so a plan made while a table was still nearly
    /// empty (a new database) does not scan it in full once it has grown, until autovacuum re-analyzes it.
    /// </summary>
    private const string EngineSessionSql = "SET plan_cache_mode = force_generic_plan; SET enable_seqscan = off";

    /// <summary>A connection of its own, never returned to the pool: for session state (LISTEN) that must die with it.</summary>
    public async ValueTask<NpgsqlConnection> OpenUnpooledAsync(CancellationToken ct = default)
    {
        var connection = new NpgsqlConnection(_unpooled);
        try
        {
            await connection.OpenAsync(ct);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>The schema named first in the connection string's search path, or null (the server's default).</summary>
    public string? Schema { get; }

    public ValueTask<NpgsqlConnection> OpenAsync(CancellationToken ct = default) => _dataSource.OpenConnectionAsync(ct);

    /// <summary>How many connections the engine's own pool holds at most (on top of the connection string's pool).</summary>
    public const int EngineConnections = 3;

    private readonly NpgsqlDataSource _engine;

    /// <summary>
    /// A connection from the engine's small pool: for the dispatcher's commits and claims and the batched starts only,
    /// which run one at a time per process and must find a warm connection (see the constructor).
    /// </summary>
    public ValueTask<NpgsqlConnection> OpenEngineAsync(CancellationToken ct = default) => _engine.OpenConnectionAsync(ct);

    /// <summary>A pooled connection, opened synchronously: for callers behind synchronous interfaces (the Data Protection key repository).</summary>
    public NpgsqlConnection Open() => _dataSource.OpenConnection();

    ISqlDialect IRelationalDatabase.Dialect => PostgresDialect.Instance;

    async ValueTask<DbConnection> IRelationalDatabase.OpenConnectionAsync(CancellationToken ct) => await OpenAsync(ct);

    /// <summary>How many connections the request path's point reads hold at most (on top of the other pools).</summary>
    public const int ReadConnections = 4;

    private readonly NpgsqlDataSource _reads;

    /// <summary>A connection from the small pool of the request path's point reads (see the constructor).</summary>
    async ValueTask<DbConnection> IRelationalDatabase.OpenReadConnectionAsync(CancellationToken ct) => await _reads.OpenConnectionAsync(ct);

    /// <summary>
    /// Applies the embedded migration scripts not yet recorded in <c>schema_versions</c>, in order, each
    /// in its own transaction under a transaction-scoped advisory lock (per schema): several processes
    /// starting together apply each script once, the others wait and then find it recorded. Idempotent.
    /// </summary>
    public Task MigrateAsync(CancellationToken ct = default) => MigrateAsync(int.MaxValue, ct);

    /// <summary>Applies the migrations up to <paramref name="upToVersion"/> only: tests build an old database with it.</summary>
    internal async Task MigrateAsync(int upToVersion, CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        var lockKey = "flowforge.migrations:" + (Schema ?? "");

        // The schema and the bookkeeping table, under the lock too: concurrent CREATE … IF NOT EXISTS
        // of the same object can still fail on a unique violation in the catalog.
        await using (var tx = await connection.BeginTransactionAsync(ct))
        {
            await ExecuteAsync(connection, tx, "SELECT pg_advisory_xact_lock(hashtext(@key))", ct, ("key", lockKey));
            if (Schema is not null)
                await ExecuteAsync(connection, tx, $"CREATE SCHEMA IF NOT EXISTS {QuoteIdentifier(Schema)}", ct);
            await ExecuteAsync(connection, tx,
                "CREATE TABLE IF NOT EXISTS schema_versions (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL)", ct);
            await tx.CommitAsync(ct);
        }

        foreach (var (version, name, sql) in LoadMigrations().Where(m => m.Version <= upToVersion))
        {
            await using var tx = await connection.BeginTransactionAsync(ct);
            await ExecuteAsync(connection, tx, "SELECT pg_advisory_xact_lock(hashtext(@key))", ct, ("key", lockKey));
            await using (var check = new NpgsqlCommand("SELECT COUNT(*) FROM schema_versions WHERE version = @v", connection, tx))
            {
                check.Parameters.AddWithValue("v", version);
                if ((long)(await check.ExecuteScalarAsync(ct))! > 0)
                {
                    await tx.RollbackAsync(ct);
                    continue;
                }
            }
            await ExecuteAsync(connection, tx, sql, ct);
            await ExecuteAsync(connection, tx, "INSERT INTO schema_versions (version, name, applied_at) VALUES (@v, @n, now())", ct,
                ("v", version), ("n", name));
            await tx.CommitAsync(ct);
        }
    }

    /// <summary>The highest migration this build carries: a schema below it is not ready for this code.</summary>
    public static int LatestMigration { get; } = LoadMigrations().Max(m => m.Version);

    /// <summary>The versions recorded as applied, for tests and diagnostics.</summary>
    public async Task<IReadOnlyList<int>> AppliedMigrationsAsync(CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        await using var cmd = new NpgsqlCommand("SELECT version FROM schema_versions ORDER BY version", connection);
        var result = new List<int>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) result.Add(reader.GetInt32(0));
        return result;
    }

    public async ValueTask DisposeAsync()
    {
        await _engine.DisposeAsync();
        await _reads.DisposeAsync();
        await _dataSource.DisposeAsync();
    }

    public void Dispose()
    {
        _engine.Dispose();
        _reads.Dispose();
        _dataSource.Dispose();
    }

    internal static IEnumerable<(int Version, string Name, string Sql)> LoadMigrations()
    {
        var assembly = typeof(PostgresDatabase).Assembly;
        const string prefix = "FlowForge.Storage.Postgres.Migrations.";
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            var name = resource[prefix.Length..^".sql".Length];
            var version = int.Parse(name[..name.IndexOf('_')], CultureInfo.InvariantCulture);
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            yield return (version, name, reader.ReadToEnd());
        }
    }

    /// <summary>The first entry of a search path (<c>"My Schema", public</c> → <c>My Schema</c>), or null.</summary>
    internal static string? FirstSchema(string? searchPath)
    {
        if (string.IsNullOrWhiteSpace(searchPath)) return null;
        var first = searchPath.Trim();
        if (first.StartsWith('"'))
        {
            var end = first.IndexOf('"', 1);
            while (end > 0 && end + 1 < first.Length && first[end + 1] == '"') end = first.IndexOf('"', end + 2);
            if (end < 0) throw new ArgumentException($"Unterminated quoted schema in Search Path '{searchPath}'.", nameof(searchPath));
            return first[1..end].Replace("\"\"", "\"");
        }
        var comma = first.IndexOf(',');
        var name = (comma < 0 ? first : first[..comma]).Trim();
        // Unquoted identifiers are folded to lower case by PostgreSQL; "$user" is not a schema to create.
        return name.Length == 0 || name == "$user" ? null : name.ToLowerInvariant();
    }

    internal static string QuoteIdentifier(string name) => "\"" + name.Replace("\"", "\"\"") + "\"";

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string sql, CancellationToken ct, params (string Name, object Value)[] parameters)
    {
        await using var cmd = new NpgsqlCommand(sql, connection, tx);
        foreach (var (name, value) in parameters) cmd.Parameters.AddWithValue(name, value);
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
