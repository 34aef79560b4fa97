using FlowForge.Server.Credentials;
using FlowForge.Storage.Postgres;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Data.Sqlite;

namespace FlowForge.Server.Hosting;

internal static class DataProtectionRegistration
{
    /// <summary>
    /// The one Data Protection key ring, encrypting stored credentials and webhook signing secrets; every process of a
    /// deployment must share it, and losing it makes those secrets unreadable. On SQLite (one machine) it is a folder
    /// outside the database, so a copy of the database alone reveals nothing. On PostgreSQL it is a table of the
    /// database (<see cref="PostgresKeyRepository"/>), so N processes or pods share it with no shared folder; back it
    /// up with the database, and guard the database (or its backups) as the secrets it unlocks.
    /// </summary>
    public static IServiceCollection AddFlowForgeDataProtection(this IServiceCollection services, IConfiguration configuration)
    {
        var builder = services.AddDataProtection().SetApplicationName("FlowForge");
        if (string.Equals(configuration["Storage:Provider"]?.Trim(), StorageOptions.Postgres, StringComparison.OrdinalIgnoreCase))
        {
            services.AddOptions<KeyManagementOptions>().Configure<PostgresDatabase>((o, db) => o.XmlRepository = new PostgresKeyRepository(db));
        }
        else
        {
            builder.PersistKeysToFileSystem(new DirectoryInfo(KeyPath(configuration)));
        }
        services.AddSingleton<KeyRingBootstrap>();
        return services;
    }

    /// <summary><c>DataProtection:KeyPath</c>, else a <c>keys</c> folder next to the SQLite database file.</summary>
    public static string KeyPath(IConfiguration configuration)
    {
        if (configuration["DataProtection:KeyPath"] is { Length: > 0 } configured) return Path.GetFullPath(configured);
        var connectionString = configuration["Storage:ConnectionString"];
        var provider = configuration["Storage:Provider"];
        var dataSource = string.IsNullOrWhiteSpace(connectionString) || string.Equals(provider, StorageOptions.Postgres, StringComparison.OrdinalIgnoreCase)
            ? Path.Combine("data", "flowforge.db")
            : new SqliteConnectionStringBuilder(connectionString).DataSource;
        var folder = string.IsNullOrEmpty(dataSource) || dataSource == ":memory:" || dataSource.StartsWith("file:", StringComparison.OrdinalIgnoreCase)
            ? "data"
            : Path.GetDirectoryName(Path.GetFullPath(dataSource)) ?? "data";
        return Path.GetFullPath(Path.Combine(folder, "keys"));
    }
}
