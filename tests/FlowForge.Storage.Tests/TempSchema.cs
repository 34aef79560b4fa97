using FlowForge.Storage.Postgres;
using Npgsql;

namespace FlowForge.Storage.Tests;

/// <summary>
/// A fresh schema <c>t_&lt;guid&gt;</c> in the test PostgreSQL database, dropped (with everything in it) on
/// dispose. The server is <c>FLOWFORGE_TEST_POSTGRES</c> (a connection string) or the local one
/// <c>infra/setup.sh</c> installs and provisions.
/// </summary>
public sealed class TempSchema : IAsyncDisposable
{
    public const string DefaultConnectionString = "Host=127.0.0.1;Port=5432;Username=flowforge;Password=flowforge;Database=flowforge_test";

    public static string ServerConnectionString =>
        Environment.GetEnvironmentVariable("FLOWFORGE_TEST_POSTGRES") is { Length: > 0 } configured ? configured : DefaultConnectionString;

    public TempSchema()
    {
        Name = $"t_{Guid.NewGuid():N}";
        var builder = new NpgsqlConnectionStringBuilder(ServerConnectionString)
        {
            SearchPath = Name,
            // Test classes run in parallel on one server: keep each one's share of max_connections small.
            MaxPoolSize = 16,
        };
        ConnectionString = builder.ConnectionString;
        Database = new PostgresDatabase(ConnectionString);
    }

    public string Name { get; }

    /// <summary>The connection string of this schema: another <see cref="PostgresDatabase"/> on it is another "process".</summary>
    public string ConnectionString { get; }

    public PostgresDatabase Database { get; }

    public static async Task<TempSchema> CreateMigratedAsync()
    {
        var schema = new TempSchema();
        await schema.Database.MigrateAsync();
        return schema;
    }

    /// <summary>Runs SQL in this schema, outside the stores (test set-up and inspection).</summary>
    public async Task<List<object?[]>> QueryAsync(string sql)
    {
        await using var c = await Database.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, c);
        await using var reader = await cmd.ExecuteReaderAsync();
        var rows = new List<object?[]>();
        while (await reader.ReadAsync())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++) row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            rows.Add(row);
        }
        return rows;
    }

    public async ValueTask DisposeAsync()
    {
        await Database.DisposeAsync();
        await using var c = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ServerConnectionString) { Pooling = false }.ConnectionString);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {PostgresDatabase.QuoteIdentifier(Name)} CASCADE", c);
        await cmd.ExecuteNonQueryAsync();
    }
}

/// <summary>One migrated schema shared by the tests of a class.</summary>
public sealed class PostgresSchemaFixture : IAsyncLifetime
{
    private TempSchema? _schema;

    public TempSchema Schema => _schema ?? throw new InvalidOperationException("The fixture is not initialised.");

    public PostgresDatabase Database => Schema.Database;

    public async Task InitializeAsync() => _schema = await TempSchema.CreateMigratedAsync();

    public async Task DisposeAsync()
    {
        if (_schema is not null) await _schema.DisposeAsync();
    }
}
