using FlowForge.Core.Storage;
using FlowForge.Storage.Postgres;
using FlowForge.Storage.Tests.Conformance;

namespace FlowForge.Storage.Tests;

/// <summary>The PostgreSQL store runs the conformance suite on one fresh schema per class.</summary>
public sealed class PostgresExecutionStoreTests(PostgresSchemaFixture fixture) : ExecutionStoreConformance, IClassFixture<PostgresSchemaFixture>
{
    protected override Task<IExecutionStore> CreateStoreAsync() => Task.FromResult<IExecutionStore>(new PostgresExecutionStore(fixture.Database));

    protected override (ITenantStore Tenants, IWorkflowStore Workflows) CreateWorkflowStores() =>
        (new PostgresTenantStore(fixture.Database), new PostgresWorkflowStore(fixture.Database));
}

/// <summary>The PostgreSQL backend runs the fresh-database suite (migrations, next due) on one fresh schema per test.</summary>
public sealed class PostgresFreshDatabaseTests : FreshDatabaseConformance
{
    protected override Task<FreshDatabase> CreateDatabaseAsync()
    {
        var temp = new TempSchema();
        return Task.FromResult(new FreshDatabase(
            [.. PostgresDatabase.LoadMigrations().Select(m => m.Version)],
            version => temp.Database.MigrateAsync(version),
            () => temp.Database.AppliedMigrationsAsync(),
            new PostgresTenantStore(temp.Database), new PostgresWorkflowStore(temp.Database), new PostgresExecutionStore(temp.Database), temp));
    }
}
