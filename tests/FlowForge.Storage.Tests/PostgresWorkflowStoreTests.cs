using FlowForge.Core.Storage;
using FlowForge.Storage.Postgres;
using FlowForge.Storage.Tests.Conformance;

namespace FlowForge.Storage.Tests;

/// <summary>The PostgreSQL workflow and tenant stores run their conformance suite on one fresh schema per class.</summary>
public sealed class PostgresWorkflowStoreTests(PostgresSchemaFixture fixture) : WorkflowStoreConformance, IClassFixture<PostgresSchemaFixture>
{
    protected override Task<(ITenantStore Tenants, IWorkflowStore Workflows)> CreateStoresAsync() =>
        Task.FromResult<(ITenantStore, IWorkflowStore)>((new PostgresTenantStore(fixture.Database), new PostgresWorkflowStore(fixture.Database)));

    protected override IExecutionClientStore CreateExecutionStore(TimeProvider clock) => new PostgresExecutionStore(fixture.Database, clock);
}
