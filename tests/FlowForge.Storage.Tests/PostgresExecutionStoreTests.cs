using FlowForge.Core.Storage;
using FlowForge.Storage.Postgres;
using FlowForge.Storage.Tests.Conformance;

namespace FlowForge.Storage.Tests;

/// <summary>The PostgreSQL store runs the conformance suite on one fresh schema per class.</summary>
public sealed class PostgresExecutionStoreTests(PostgresSchemaFixture fixture) : ExecutionStoreConformance, IClassFixture<PostgresSchemaFixture>
{
    protected override Task<IExecutionStore> CreateStoreAsync() => Task.FromResult<IExecutionStore>(new PostgresExecutionStore(fixture.Database));
}
