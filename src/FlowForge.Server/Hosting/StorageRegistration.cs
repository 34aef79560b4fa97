using FlowForge.Core.Storage;
using FlowForge.Server.Live;
using FlowForge.Storage.Postgres;
using FlowForge.Storage.Sqlite;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FlowForge.Server.Hosting;

/// <summary>
/// The one place that decides between SQLite and PostgreSQL: every store (tenants, workflows, executions,
/// triggers, the send ledger, the outbox, credentials, analytics), the schema migrator and the cross-process live
/// feed are registered here per provider. The other registrations only add provider-independent services
/// on top of the store interfaces.
/// </summary>
internal static class StorageRegistration
{
    /// <summary>Registers the stores of the configured provider, failing at start-up (not at first request) on a bad setting.</summary>
    public static IServiceCollection AddFlowForgeStorage(this IServiceCollection services, IConfiguration configuration)
    {
        var options = Options(configuration);
        switch (Provider(options))
        {
            case StorageOptions.Sqlite:
                var connectionString = string.IsNullOrWhiteSpace(options.ConnectionString)
                    ? "Data Source=" + Path.Combine("data", "flowforge.db")
                    : options.ConnectionString;
                services.AddSingleton(new SqliteDatabase(connectionString, options.SqliteSynchronous));
                services.AddSingleton<ITenantStore>(sp => new SqliteTenantStore(sp.GetRequiredService<SqliteDatabase>(), sp.GetRequiredService<TimeProvider>()));
                services.AddSingleton<IWorkflowStore>(sp => new SqliteWorkflowStore(sp.GetRequiredService<SqliteDatabase>(), sp.GetRequiredService<TimeProvider>()));
                services.AddSingleton<ITriggerStore>(sp => new SqliteTriggerStore(sp.GetRequiredService<SqliteDatabase>(), sp.GetRequiredService<TimeProvider>()));
                // TryAdd: tests wrap the real store in a decorator that injects faults (poison, outages).
                services.TryAddSingleton<IExecutionStore>(sp => new SqliteExecutionStore(sp.GetRequiredService<SqliteDatabase>(), sp.GetRequiredService<TimeProvider>()));
                services.AddSingleton<ISendLedger>(sp => new SqliteSendLedger(sp.GetRequiredService<SqliteDatabase>(), sp.GetRequiredService<TimeProvider>()));
                services.AddSingleton<IOutboxStore>(sp => new SqliteOutboxStore(sp.GetRequiredService<SqliteDatabase>()));
                services.AddSingleton<ICredentialStore>(sp => new SqliteCredentialStore(sp.GetRequiredService<SqliteDatabase>()));
                services.AddSingleton<IAnalyticsStore>(sp => new SqliteAnalyticsStore(sp.GetRequiredService<SqliteDatabase>()));
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
                // Commits are announced (NOTIFY) only where other processes listen: Live__CrossProcess is set on every process sharing the database.
                var announce = configuration.ReadSettings<LiveOptions>("Live").CrossProcess;
                services.TryAddSingleton<IExecutionStore>(sp => new PostgresExecutionStore(sp.GetRequiredService<PostgresDatabase>(), sp.GetRequiredService<TimeProvider>(), announce));
                services.AddSingleton<ITriggerStore>(sp => new PostgresTriggerStore(sp.GetRequiredService<PostgresDatabase>(), sp.GetRequiredService<TimeProvider>()));
                services.AddSingleton<ISendLedger>(sp => new PostgresSendLedger(sp.GetRequiredService<PostgresDatabase>(), sp.GetRequiredService<TimeProvider>()));
                services.AddSingleton<IOutboxStore>(sp => new PostgresOutboxStore(sp.GetRequiredService<PostgresDatabase>()));
                services.AddSingleton<ICredentialStore>(sp => new PostgresCredentialStore(sp.GetRequiredService<PostgresDatabase>()));
                services.AddSingleton<IAnalyticsStore>(sp => new PostgresAnalyticsStore(sp.GetRequiredService<PostgresDatabase>()));
                services.AddSingleton<ISchemaMigrator>(sp => new PostgresMigrator(sp.GetRequiredService<PostgresDatabase>()));
                break;
            default:
                throw new InvalidOperationException($"Unknown Storage__Provider '{options.Provider}': use 'sqlite' or 'postgres'.");
        }
        // One execution store, resolved as either half: callers take the half they use, and a decorator registered
        // as IExecutionStore (the tests' fault injection, the bench's profiler) sits behind both.
        services.TryAddSingleton<IExecutionClientStore>(sp => sp.GetRequiredService<IExecutionStore>());
        services.TryAddSingleton<IExecutionWorkerStore>(sp => sp.GetRequiredService<IExecutionStore>());
        return services;
    }

    /// <summary>
    /// The live feed of turns committed by every process on the database (<c>Live__CrossProcess=true</c>; SQLite polls the <c>feed</c> table, PostgreSQL LISTENs), as an
    /// <see cref="IProgressFeed"/> and a hosted service. Called by the live registration, after the start-up tasks
    /// (hosted services start in registration order: the schema is migrated before the feed first reads it).
    /// </summary>
    public static IServiceCollection AddFlowForgeCrossProcessFeed(this IServiceCollection services, IConfiguration configuration)
    {
        switch (Provider(Options(configuration)))
        {
            case StorageOptions.Sqlite:
                services.AddSingleton<SqlitePollingProgressFeed>();
                services.AddSingleton<IProgressFeed>(sp => sp.GetRequiredService<SqlitePollingProgressFeed>());
                services.AddHostedService(sp => sp.GetRequiredService<SqlitePollingProgressFeed>());
                return services;
            case StorageOptions.Postgres:
                services.AddSingleton<PostgresNotifyProgressFeed>();
                services.AddSingleton<IProgressFeed>(sp => sp.GetRequiredService<PostgresNotifyProgressFeed>());
                services.AddHostedService(sp => sp.GetRequiredService<PostgresNotifyProgressFeed>());
                return services;
            default:
                throw new InvalidOperationException($"Unknown Storage__Provider '{Options(configuration).Provider}': use 'sqlite' or 'postgres'.");
        }
    }

    private static StorageOptions Options(IConfiguration configuration) =>
        configuration.ReadSettings<StorageOptions>("Storage");

    private static string Provider(StorageOptions options) => options.Provider.Trim().ToLowerInvariant();

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
internal interface ISchemaMigrator
{
    Task MigrateAsync(CancellationToken ct);
}
