using FlowForge.Core.Storage;
using FlowForge.Storage.Postgres;
using FlowForge.Storage.Sqlite;
using FlowForge.Storage.Tests.Conformance;

namespace FlowForge.Storage.Tests;

/// <summary>The analytics roll-ups on SQLite, one temporary database per test.</summary>
public sealed class SqliteAnalyticsStoreTests : AnalyticsStoreConformance
{
    protected override async Task<AnalyticsScope> CreateAsync(AnalyticsScope.Clock clock)
    {
        var temp = await TempDatabase.CreateMigratedAsync();
        return new AnalyticsScope(new SqliteExecutionStore(temp.Database, clock), new SqliteAnalyticsStore(temp.Database), clock, temp);
    }

    protected override IAnalyticsStore Reopen(AnalyticsScope scope) => new SqliteAnalyticsStore(((TempDatabase)scope.Database).Database);
}

/// <summary>The analytics roll-ups on PostgreSQL, one fresh schema per test.</summary>
public sealed class PostgresAnalyticsStoreTests : AnalyticsStoreConformance
{
    protected override async Task<AnalyticsScope> CreateAsync(AnalyticsScope.Clock clock)
    {
        var temp = await TempSchema.CreateMigratedAsync();
        return new AnalyticsScope(new PostgresExecutionStore(temp.Database, clock), new PostgresAnalyticsStore(temp.Database), clock, temp);
    }

    protected override IAnalyticsStore Reopen(AnalyticsScope scope) => new PostgresAnalyticsStore(((TempSchema)scope.Database).Database);
}
