using Microsoft.AspNetCore.DataProtection;
using Microsoft.Data.Sqlite;

namespace FlowForge.Server.Hosting;

internal static class DataProtectionRegistration
{
    /// <summary>
    /// The one Data Protection key ring, encrypting stored credentials and webhook signing secrets. It
    /// lives outside the database (a copy of the database alone reveals nothing); losing it makes those
    /// secrets unreadable, and every process of a deployment must share it.
    /// </summary>
    public static IServiceCollection AddFlowForgeDataProtection(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddDataProtection()
            .SetApplicationName("FlowForge")
            .PersistKeysToFileSystem(new DirectoryInfo(KeyPath(configuration)));
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
