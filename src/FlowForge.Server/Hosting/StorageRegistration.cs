using FlowForge.Core.Storage;
using FlowForge.Storage.Sqlite;

namespace FlowForge.Server.Hosting;

public static class StorageRegistration
{
    /// <summary>Registers the stores of the configured provider, failing at start-up (not at first request) on a bad setting.</summary>
    public static IServiceCollection AddFlowForgeStorage(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection("Storage").Get<StorageOptions>() ?? new StorageOptions();
        switch (options.Provider.Trim().ToLowerInvariant())
        {
            case StorageOptions.Sqlite:
                var connectionString = string.IsNullOrWhiteSpace(options.ConnectionString)
                    ? "Data Source=" + Path.Combine("data", "flowforge.db")
                    : options.ConnectionString;
                services.AddSingleton(new SqliteDatabase(connectionString, options.SqliteSynchronous));
                services.AddSingleton<ITenantStore, SqliteTenantStore>();
                services.AddSingleton<IWorkflowStore, SqliteWorkflowStore>();
                services.AddSingleton<ITriggerStore, SqliteTriggerStore>();
                services.AddSingleton<IExecutionStore>(sp => new SqliteExecutionStore(sp.GetRequiredService<SqliteDatabase>(), sp.GetRequiredService<TimeProvider>()));
                services.AddSingleton<ISchemaMigrator>(sp => new SqliteMigrator(sp.GetRequiredService<SqliteDatabase>()));
                break;
            case StorageOptions.Postgres:
                throw new InvalidOperationException(
                    "Storage__Provider=postgres is not available in this build yet; use 'sqlite' (the default). See README, 'Storage'.");
            default:
                throw new InvalidOperationException($"Unknown Storage__Provider '{options.Provider}': use 'sqlite' or 'postgres'.");
        }
        return services;
    }

    private sealed class SqliteMigrator(SqliteDatabase db) : ISchemaMigrator
    {
        public Task MigrateAsync(CancellationToken ct) => db.MigrateAsync(ct);
    }
}

/// <summary>Brings the database schema up to date; idempotent, safe for several processes at once.</summary>
public interface ISchemaMigrator
{
    Task MigrateAsync(CancellationToken ct);
}
