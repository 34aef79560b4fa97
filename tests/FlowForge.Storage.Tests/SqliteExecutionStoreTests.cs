using FlowForge.Core.Engine.History;
using FlowForge.Core.Model;
using FlowForge.Core.Storage;
using FlowForge.Storage.Sqlite;
using FlowForge.Storage.Tests.Conformance;
using Microsoft.Data.Sqlite;

namespace FlowForge.Storage.Tests;

/// <summary>The SQLite store runs the conformance suite on one temporary database per class.</summary>
public sealed class SqliteExecutionStoreTests(SqliteDatabaseFixture fixture) : ExecutionStoreConformance, IClassFixture<SqliteDatabaseFixture>
{
    protected override Task<IExecutionStore> CreateStoreAsync() => Task.FromResult<IExecutionStore>(new SqliteExecutionStore(fixture.Database));

    protected override (ITenantStore Tenants, IWorkflowStore Workflows) CreateWorkflowStores() =>
        (new SqliteTenantStore(fixture.Database), new SqliteWorkflowStore(fixture.Database));
}

/// <summary>The SQLite backend runs the fresh-database suite (migrations, next due) on one temporary database per test.</summary>
public sealed class SqliteFreshDatabaseTests : FreshDatabaseConformance
{
    protected override Task<FreshDatabase> CreateDatabaseAsync()
    {
        var temp = new TempDatabase();
        return Task.FromResult(new FreshDatabase(
            [.. SqliteDatabase.LoadMigrations().Select(m => m.Version)],
            version => temp.Database.MigrateAsync(version),
            () => temp.Database.AppliedMigrationsAsync(),
            new SqliteTenantStore(temp.Database), new SqliteWorkflowStore(temp.Database), new SqliteExecutionStore(temp.Database), temp));
    }
}

/// <summary>What only SQLite has: its history columns, the savepoint of a conflicting commit, its injected clock.</summary>
public sealed class SqliteExecutionStoreSpecificTests
{
    [Fact]
    public async Task History_StoresTheTypeDiscriminatorAndTheTimestampInColumns()
    {
        await using var temp = await TempDatabase.CreateMigratedAsync();
        var store = new SqliteExecutionStore(temp.Database);
        await store.StartAsync(new NewExecution("ex_1", "org", "wf", 1, null));
        var item = Assert.Single(await store.ClaimOrchestrationsAsync("d1", 10, TimeSpan.FromMinutes(1), DateTimeOffset.UtcNow));
        var at = new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);
        await store.CommitOrchestrationsAsync("d1", [new OrchestrationCommit("ex_1", 0, [item.Messages[0].Id],
            [item.Messages[0].Event, new StepFailed("s", "n", "t", 1, "nope") { Timestamp = at }], ExecutionStatus.Running)]);

        await using var c = new SqliteConnection($"Data Source={temp.Path}");
        await c.OpenAsync();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT type, timestamp FROM history WHERE execution_id = 'ex_1' ORDER BY sequence";
        var rows = new List<(string, string)>();
        await using (var reader = await cmd.ExecuteReaderAsync())
            while (await reader.ReadAsync()) rows.Add((reader.GetString(0), reader.GetString(1)));

        Assert.Equal(2, rows.Count);
        Assert.Equal("executionStarted", rows[0].Item1);
        Assert.Equal(("stepFailed", "2025-01-02T03:04:05.0000000Z"), rows[1]);
    }

    [Fact]
    public async Task Commit_WhenHistoryAlreadyHoldsTheSequence_IsConflictRolledBackAlone()
    {
        await using var temp = await TempDatabase.CreateMigratedAsync();
        var store = new SqliteExecutionStore(temp.Database);
        await store.StartAsync(new NewExecution("ex_1", "org", "wf", 1, null));
        await store.StartAsync(new NewExecution("ex_2", "org", "wf", 1, null));
        var items = await store.ClaimOrchestrationsAsync("d1", 10, TimeSpan.FromMinutes(1), DateTimeOffset.UtcNow);
        Assert.Equal(2, items.Count);
        // Another appender wrote sequence 1 of ex_1 without moving last_sequence: only the primary key can
        // catch the second append, after the compare-and-set and the inbox delete already ran.
        await using (var c = await temp.Database.OpenAsync())
        {
            using var cmd = c.CreateCommand();
            cmd.CommandText = "INSERT INTO history (execution_id, sequence, type, timestamp, data) VALUES ('ex_1', 1, 'timerFired', '2025-01-01T00:00:00.0000000Z', '{\"type\":\"timerFired\",\"timerId\":\"x\"}')";
            await cmd.ExecuteNonQueryAsync();
        }

        var results = await store.CommitOrchestrationsAsync("d1",
            [.. items.OrderBy(i => i.Execution.Id).Select(i => new OrchestrationCommit(i.Execution.Id, 0, [i.Messages[0].Id], [i.Messages[0].Event], ExecutionStatus.Running))]);

        Assert.Equal([CommitOutcome.Conflict, CommitOutcome.Committed], results.Select(r => r.Outcome));
        var ex1 = await store.GetForEngineAsync("ex_1");
        Assert.Equal((ExecutionStatus.Pending, 0L), (ex1!.Status, ex1.LastSequence));
        Assert.IsType<TimerFired>(Assert.Single(await store.GetHistoryAsync("ex_1")));
        // The consumed message is back (the savepoint undid its delete) and ex_1 stays leased to d1.
        Assert.Empty(await store.ClaimOrchestrationsAsync("d2", 10, TimeSpan.FromMinutes(1), DateTimeOffset.UtcNow));
        var again = Assert.Single(await store.ClaimOrchestrationsAsync("d1", 10, TimeSpan.FromMinutes(1), DateTimeOffset.UtcNow));
        Assert.Equal(("ex_1", items.Single(i => i.Execution.Id == "ex_1").Messages[0].Id), (again.Execution.Id, again.Messages[0].Id));
        Assert.Equal((ExecutionStatus.Running, 1L), ((await store.GetForEngineAsync("ex_2"))!.Status, (await store.GetForEngineAsync("ex_2"))!.LastSequence));
    }

    [Fact]
    public async Task Commit_TimestampsComeFromTheInjectedClock()
    {
        await using var temp = await TempDatabase.CreateMigratedAsync();
        var clock = new FixedClock(new DateTimeOffset(2030, 6, 1, 12, 0, 0, TimeSpan.Zero));
        var store = new SqliteExecutionStore(temp.Database, clock);

        var started = await store.StartAsync(new NewExecution("ex_1", "org", "wf", 1, null));
        Assert.Equal(clock.Now, started.Execution.CreatedAt);
        var item = Assert.Single(await store.ClaimOrchestrationsAsync("d1", 10, TimeSpan.FromMinutes(1), clock.Now));
        Assert.Equal(clock.Now, item.Messages[0].Event.Timestamp);
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now => now;

        public override DateTimeOffset GetUtcNow() => now;
    }
}
