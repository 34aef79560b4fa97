using FlowForge.Core.Storage;
using FlowForge.Storage.Sqlite;
using FlowForge.Storage.Tests.Conformance;

namespace FlowForge.Storage.Tests;

/// <summary>The SQLite workflow and tenant stores run their conformance suite on one temporary database per class.</summary>
public sealed class SqliteWorkflowStoreTests(SqliteDatabaseFixture fixture) : WorkflowStoreConformance, IClassFixture<SqliteDatabaseFixture>
{
    protected override Task<(ITenantStore Tenants, IWorkflowStore Workflows)> CreateStoresAsync() =>
        Task.FromResult<(ITenantStore, IWorkflowStore)>((new SqliteTenantStore(fixture.Database), new SqliteWorkflowStore(fixture.Database)));

    protected override IExecutionClientStore CreateExecutionStore(TimeProvider clock) => new SqliteExecutionStore(fixture.Database, clock);
}
