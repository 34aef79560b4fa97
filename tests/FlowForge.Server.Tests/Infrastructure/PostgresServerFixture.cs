using Npgsql;

namespace FlowForge.Server.Tests.Infrastructure;

/// <summary>
/// The real server on PostgreSQL (<c>Storage:Provider=postgres</c>), in a fresh schema <c>t_&lt;guid&gt;</c> per
/// fixture (created by the server's migrations, dropped on dispose), plus a <see cref="FakeService"/>. The server
/// is <c>FLOWFORGE_TEST_POSTGRES</c> (a connection string) or the local one <c>infra/setup.sh</c> provisions.
/// </summary>
public sealed class PostgresServerFixture : FakeServiceFixture
{
    public const string DefaultConnectionString = "Host=127.0.0.1;Port=5432;Username=flowforge;Password=flowforge;Database=flowforge_test";

    private readonly bool _ownsSchema;

    public PostgresServerFixture() : this($"t_{Guid.NewGuid():N}", null, ownsSchema: true)
    {
    }

    /// <summary>Another server on <paramref name="schema"/>: another process on the same database. It leaves the schema alone on dispose.</summary>
    /// <param name="settings">More settings, over the defaults.</param>
    public static PostgresServerFixture OnSchema(string schema, IReadOnlyDictionary<string, string?> settings) => new(schema, settings, ownsSchema: false);

    private PostgresServerFixture(string schema, IReadOnlyDictionary<string, string?>? settings, bool ownsSchema) : base(Settings(schema, settings))
    {
        Schema = schema;
        _ownsSchema = ownsSchema;
    }

    private static Dictionary<string, string?> Settings(string schema, IReadOnlyDictionary<string, string?>? extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "postgres",
            ["Storage:ConnectionString"] = SchemaConnectionString(schema),
            ["DataProtection:KeyPath"] = KeyPathOf(schema),
            ["Engine:PollInterval"] = "00:00:00.200",
        };
        foreach (var (k, v) in extra ?? new Dictionary<string, string?>()) settings[k] = v;
        return settings;
    }

    public static string ServerConnectionString =>
        Environment.GetEnvironmentVariable("FLOWFORGE_TEST_POSTGRES") is { Length: > 0 } configured ? configured : DefaultConnectionString;

    /// <summary>The schema this fixture's server runs in.</summary>
    public string Schema { get; }

    private static string KeyPathOf(string schema) => Path.Combine(Path.GetTempPath(), "flowforge-tests", schema + "-keys");

    public static string SchemaConnectionString(string schema) =>
        new NpgsqlConnectionStringBuilder(ServerConnectionString) { SearchPath = schema, MaxPoolSize = 20 }.ConnectionString;

    public override async Task DisposeAsync()
    {
        try
        {
            await base.DisposeAsync();
        }
        finally
        {
            if (_ownsSchema) await DropSchemaAsync();
        }
    }

    private async Task DropSchemaAsync()
    {
        await using var c = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ServerConnectionString) { Pooling = false }.ConnectionString);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{Schema}\" CASCADE", c);
        await cmd.ExecuteNonQueryAsync();
        try { System.IO.Directory.Delete(KeyPathOf(Schema), recursive: true); } catch (IOException) { }
    }
}
