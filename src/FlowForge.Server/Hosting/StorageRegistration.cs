using FlowForge.Core.Storage;
using FlowForge.Storage.Postgres;
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
                if (string.IsNullOrWhiteSpace(options.ConnectionString))
                    throw new InvalidOperationException(
                        "Storage__Provider=postgres needs Storage__ConnectionString, e.g. " +
                        "'Host=db.internal;Port=5432;Database=flowforge;Username=flowforge;Password=…' (see README, 'Configuration').");
                PostgresDatabase postgres;
                try
                {
                    postgres = new PostgresDatabase(options.ConnectionString);
                }
                catch (ArgumentException ex)
                {
                    throw new InvalidOperationException($"Storage__ConnectionString is not a valid PostgreSQL connection string: {ex.Message}", ex);
                }
                // Registered through a factory so the container disposes the data source (and its pooled connections) at shutdown.
                services.AddSingleton(_ => postgres);
                services.AddSingleton<ITenantStore>(sp => new PostgresTenantStore(sp.GetRequiredService<PostgresDatabase>(), sp.GetRequiredService<TimeProvider>()));
                services.AddSingleton<IWorkflowStore>(sp => new PostgresWorkflowStore(sp.GetRequiredService<PostgresDatabase>(), sp.GetRequiredService<TimeProvider>()));
                services.AddSingleton<IExecutionStore>(sp => new PostgresExecutionStore(sp.GetRequiredService<PostgresDatabase>(), sp.GetRequiredService<TimeProvider>()));
                services.AddSingleton<ISchemaMigrator>(sp => new PostgresMigrator(sp.GetRequiredService<PostgresDatabase>()));
                break;
            default:
                throw new InvalidOperationException($"Unknown Storage__Provider '{options.Provider}': use 'sqlite' or 'postgres'.");
        }
        return services;
    }

    private sealed class SqliteMigrator(SqliteDatabase db) : ISchemaMigrator
    {
        public Task MigrateAsync(CancellationToken ct) => db.MigrateAsync(ct);
    }

    private sealed class PostgresMigrator(PostgresDatabase db) : ISchemaMigrator
    {
        public Task MigrateAsync(CancellationToken ct) => db.MigrateAsync(ct);
    }
}

/// <summary>Brings the database schema up to date; idempotent, safe for several processes at once.</summary>
public interface ISchemaMigrator
{
    Task MigrateAsync(CancellationToken ct);
}
