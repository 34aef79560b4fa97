namespace FlowForge.Server.Tests.Infrastructure;

/// <summary>
/// The real server on PostgreSQL (<c>Storage:Provider=postgres</c>), in a fresh schema <c>t_&lt;guid&gt;</c> per
/// fixture (created by the server's migrations, dropped on dispose: <see cref="PostgresStorage"/>), plus a
/// <see cref="FakeService"/>. The server is <c>FLOWFORGE_TEST_POSTGRES</c> (a connection string) or the local one
/// <c>infra/setup.sh</c> provisions.
/// </summary>
public sealed class PostgresServerFixture : FakeServiceFixture
{
    public const string DefaultConnectionString = PostgresStorage.DefaultConnectionString;

    public PostgresServerFixture() : this(new PostgresStorage(), null)
    {
    }

    /// <summary>A server on a fresh schema of its own, with <paramref name="settings"/> over the defaults (a factory: xunit class fixtures need one public constructor).</summary>
    public static PostgresServerFixture WithSettings(IReadOnlyDictionary<string, string?> settings) => new(new PostgresStorage(), settings);

    /// <summary>Another server on <paramref name="schema"/>: another process on the same database. It leaves the schema alone on dispose.</summary>
    /// <param name="settings">More settings, over the defaults.</param>
    public static PostgresServerFixture OnSchema(string schema, IReadOnlyDictionary<string, string?> settings) => new(new PostgresStorage(schema, owned: false), settings);

    private PostgresServerFixture(PostgresStorage storage, IReadOnlyDictionary<string, string?>? settings) : base(Settings(settings), storage)
    {
        Schema = storage.Schema;
    }

    private static Dictionary<string, string?> Settings(IReadOnlyDictionary<string, string?>? extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Engine:PollInterval"] = "00:00:00.200",
        };
        foreach (var (k, v) in extra ?? new Dictionary<string, string?>()) settings[k] = v;
        return settings;
    }

    public static string ServerConnectionString => PostgresStorage.ServerConnectionString;

    /// <summary>The schema this fixture's server runs in.</summary>
    public string Schema { get; }

    public static string SchemaConnectionString(string schema) => PostgresStorage.SchemaConnectionString(schema);
}
