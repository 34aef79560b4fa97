using FlowForge.Core.Engine.History;
using FlowForge.Core.Model;
using FlowForge.Core.Storage;

namespace FlowForge.Storage.Tests.Conformance;

/// <summary>
/// A fresh database of one backend, not yet migrated, with its stores; disposing it deletes the database.
/// The migration calls are delegates because the two backends' database classes share no interface.
/// </summary>
/// <param name="AllMigrations">Every embedded migration script's version, in order.</param>
/// <param name="MigrateUpToAsync">Applies the scripts up to a version (all of them with <see cref="int.MaxValue"/>).</param>
public sealed record FreshDatabase(
    IReadOnlyList<int> AllMigrations,
    Func<int, Task> MigrateUpToAsync,
    Func<Task<IReadOnlyList<int>>> AppliedMigrationsAsync,
    ITenantStore Tenants,
    IWorkflowStore Workflows,
    IExecutionStore Executions,
    IAsyncDisposable Database) : IAsyncDisposable
{
    public Task MigrateAsync() => MigrateUpToAsync(int.MaxValue);

    public ValueTask DisposeAsync() => Database.DisposeAsync();
}

/// <summary>
/// What every backend must do on a database of its own: migrate (and upgrade an old database keeping its data),
/// and give the exact answers that only an otherwise empty database can give (the next due instant).
/// </summary>
public abstract class FreshDatabaseConformance
{
    /// <summary>A fresh, unmigrated database, one per test.</summary>
    protected abstract Task<FreshDatabase> CreateDatabaseAsync();

    /// <summary>Now in whole microseconds (PostgreSQL's timestamptz precision), so instants read back compare equal on every backend.</summary>
    private static DateTimeOffset Now()
    {
        var now = DateTimeOffset.UtcNow;
        return now.AddTicks(-(now.Ticks % 10));
    }

    // ---- Migrations ------------------------------------------------------------------------

    [Fact]
    public async Task Migrations_AreNumberedFromOneWithoutGaps()
    {
        await using var db = await CreateDatabaseAsync();
        Assert.Equal(Enumerable.Range(1, db.AllMigrations.Count), db.AllMigrations);
    }

    [Fact]
    public async Task Migrate_Twice_AppliesEachScriptOnce()
    {
        await using var db = await CreateDatabaseAsync();

        await db.MigrateAsync();
        await db.MigrateAsync();

        Assert.Equal(db.AllMigrations, await db.AppliedMigrationsAsync());
        var started = await db.Executions.StartAsync(new NewExecution("ex_1", "org_1", "wf_1", 1, null));
        Assert.False(started.Existing);
    }

    [Fact]
    public async Task Migrate_DatabaseWithOnlyTheFirstScript_UpgradesAndKeepsItsData()
    {
        await using var db = await CreateDatabaseAsync();
        await db.MigrateUpToAsync(1);
        Assert.Equal([1], await db.AppliedMigrationsAsync());
        await db.Tenants.EnsureOrganizationAsync("org_old", "Old org");
        var workflow = await db.Workflows.CreateAsync("org_old", new WorkflowDefinition("Legacy", "from before executions", new WorkflowGraph([], []), null));

        await db.MigrateAsync();

        Assert.Equal(db.AllMigrations, await db.AppliedMigrationsAsync());
        var kept = await db.Workflows.GetAsync("org_old", workflow.Id);
        Assert.Equal(("Legacy", "from before executions", workflow.Revision), (kept!.Definition.Name, kept.Definition.Description, kept.Revision));
        await db.Executions.StartAsync(new NewExecution("ex_1", "org_old", workflow.Id, 1, null));
        Assert.Equal(workflow.Id, (await db.Executions.GetAsync("org_old", "ex_1"))!.WorkflowId);
    }

    // ---- Exact answers of an otherwise empty database --------------------------------------

    [Fact]
    public async Task NextDue_IsTheEarliestOfInboxMessagesAndActivityLeases()
    {
        await using var db = await CreateDatabaseAsync();
        await db.MigrateAsync();
        var store = db.Executions;
        Assert.Null(await store.NextDueAsync());

        // A started execution's message is due at once.
        var start = await store.StartAsync(new NewExecution("ex_1", "org", "wf", 1, null));
        Assert.Equal(start.Execution.CreatedAt, await store.NextDueAsync());

        // While a dispatcher holds the execution, its messages are due when the lease ends.
        var now = Now();
        var item = Assert.Single(await store.ClaimOrchestrationsAsync("d1", 10, TimeSpan.FromMinutes(1), now));
        Assert.Equal(now.AddMinutes(1), await store.NextDueAsync());

        // Committed: a timer in 10 minutes and an activity leased for 30 s + 5 s grace.
        var commit = Assert.Single(await store.CommitOrchestrationsAsync("d1",
        [
            new OrchestrationCommit("ex_1", 0, [item.Messages[0].Id], [item.Messages[0].Event], ExecutionStatus.Running,
                Activities: [new ActivityRequest("ex_1", "org", "s", "n", "t", 1, null, TimeSpan.FromSeconds(30))], ActivityLeaseOwner: "d1",
                ActivityLeaseGrace: TimeSpan.FromSeconds(5),
                Messages: [new ScheduledMessage("ex_1", new TimerFired("t"), now.AddMinutes(10))]),
        ]));
        var lease = Assert.Single(commit.LeasedActivities).LeaseExpires;
        Assert.Equal(lease, await store.NextDueAsync());

        // Completed: only the timer is left.
        Assert.Equal(1, await store.CompleteActivitiesAsync([new ActivityCompletion(commit.LeasedActivities[0].Id, "d1", "ex_1", new StepCompleted("s", "n", "t", 1, null, "main"))], now.AddMinutes(20)));
        Assert.Equal(now.AddMinutes(10), await store.NextDueAsync());
    }
}
