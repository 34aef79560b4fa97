using FlowForge.Storage.Postgres;
using FlowForge.Storage.Sqlite;
using FlowForge.Storage.Tests.Conformance;

namespace FlowForge.Storage.Tests;

/// <summary>The send ledger, the outbox and the credential store on SQLite, one temporary database per test.</summary>
public sealed class SqliteActionStoresTests : ActionStoresConformance
{
    protected override async Task<ActionStores> CreateStoresAsync()
    {
        var temp = await TempDatabase.CreateMigratedAsync();
        return new ActionStores(new SqliteSendLedger(temp.Database), new SqliteOutboxStore(temp.Database), new SqliteCredentialStore(temp.Database), new SqliteExecutionStore(temp.Database), temp);
    }
}

/// <summary>The send ledger, the outbox and the credential store on PostgreSQL, one fresh schema per test.</summary>
public sealed class PostgresActionStoresTests : ActionStoresConformance
{
    protected override async Task<ActionStores> CreateStoresAsync()
    {
        var temp = await TempSchema.CreateMigratedAsync();
        return new ActionStores(new PostgresSendLedger(temp.Database), new PostgresOutboxStore(temp.Database), new PostgresCredentialStore(temp.Database), new PostgresExecutionStore(temp.Database), temp);
    }
}

/// <summary>The trigger store on SQLite, one temporary database per test.</summary>
public sealed class SqliteTriggerStoreTests : TriggerStoreConformance
{
    protected override async Task<TriggerStoreScope> CreateStoreAsync()
    {
        var temp = await TempDatabase.CreateMigratedAsync();
        return new TriggerStoreScope(new SqliteTriggerStore(temp.Database), temp);
    }
}

/// <summary>The trigger store on PostgreSQL, one fresh schema per test.</summary>
public sealed class PostgresTriggerStoreTests : TriggerStoreConformance
{
    protected override async Task<TriggerStoreScope> CreateStoreAsync()
    {
        var temp = await TempSchema.CreateMigratedAsync();
        return new TriggerStoreScope(new PostgresTriggerStore(temp.Database), temp);
    }
}
