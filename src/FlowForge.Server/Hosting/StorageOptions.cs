namespace FlowForge.Server.Hosting;

/// <summary>The <c>Storage</c> configuration section.</summary>
internal sealed class StorageOptions
{
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";

    /// <summary><c>sqlite</c> (default, embedded) or <c>postgres</c>.</summary>
    [OneOf(Sqlite, Postgres)]
    public string Provider { get; set; } = Sqlite;

    /// <summary>
    /// SQLite: a Microsoft.Data.Sqlite connection string, default <c>Data Source=./data/flowforge.db</c>, created on first start.
    /// PostgreSQL: an Npgsql connection string, required; <c>Search Path</c> picks (and creates) the schema.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>SQLite only: PRAGMA synchronous, FULL (default: an acknowledged write survives power loss) or NORMAL.</summary>
    [OneOf("FULL", "NORMAL", "EXTRA")]
    public string SqliteSynchronous { get; set; } = "FULL";
}
