using FlowForge.Core.Engine.History;
using FlowForge.Core.Storage;
using FlowForge.Storage.Sqlite;

namespace FlowForge.Storage.Tests;

/// <summary>
/// The long-lived write connection of <see cref="SqliteDatabase"/>: its statements are reused across write
/// transactions, a write that fails leaves it usable, and it is closed once idle.
/// </summary>
public sealed class SqliteWriterTests
{
    [Fact]
    public async Task Command_IsTheSameCommandInTheNextWriteTransaction()
    {
        await using var temp = await TempDatabase.CreateMigratedAsync();
        Microsoft.Data.Sqlite.SqliteCommand first, second;
        await using (var write = await temp.Database.BeginWriteAsync())
        {
            first = write.Command("UPDATE executions SET status = status WHERE id = @id", ("@id", "none"));
            await first.ExecuteNonQueryAsync();
            await write.CommitAsync();
        }
        await using (var write = await temp.Database.BeginWriteAsync())
        {
            second = write.Command("UPDATE executions SET status = status WHERE id = @id");
            // Reused, bound to the new transaction, and without the previous write's parameters.
            Assert.Same(first, second);
            Assert.Same(write.Transaction, second.Transaction);
            Assert.Empty(second.Parameters);
        }
    }

    [Fact]
    public async Task Commit_ThatThrows_RollsBackAndLeavesTheNextWriteWorking()
    {
        await using var temp = await TempDatabase.CreateMigratedAsync();
        var store = new SqliteExecutionStore(temp.Database);
        await store.StartAsync(new NewExecution("ex_1", "org", "wf", 1, null));
        await store.StartAsync(new NewExecution("ex_2", "org", "wf", 1, null));
        var item = (await store.ClaimOrchestrationsAsync("d1", 10, TimeSpan.FromMinutes(1), DateTimeOffset.UtcNow)).Single(i => i.Execution.Id == "ex_1");

        // A child whose id is taken is a bug, and the store throws rather than reporting a conflict.
        var failing = new OrchestrationCommit("ex_1", 0, [item.Messages[0].Id], [item.Messages[0].Event], ExecutionStatus.Running)
        {
            Children = [new NewExecution("ex_2", "org", "wf", 1, null)],
        };
        await Assert.ThrowsAnyAsync<Exception>(() => store.CommitOrchestrationsAsync("d1", [failing]));

        // Nothing of the failed turn stayed, and the same writer commits the turn without the child.
        Assert.Equal(0L, (await store.GetForEngineAsync("ex_1"))!.LastSequence);
        var results = await store.CommitOrchestrationsAsync("d1", [failing with { Children = null }]);
        Assert.Equal(CommitOutcome.Committed, Assert.Single(results).Outcome);
        Assert.IsType<ExecutionStarted>(Assert.Single(await store.GetHistoryAsync("ex_1")));
        // The statement that threw (the execution insert) is reused by the next start and works.
        Assert.False((await store.StartAsync(new NewExecution("ex_3", "org", "wf", 1, null))).Existing);
        Assert.NotNull(await store.GetForEngineAsync("ex_3"));
    }

    [Fact]
    public async Task Writer_IsClosedWhenIdle_AndReopenedByTheNextWrite()
    {
        await using var temp = await TempDatabase.CreateMigratedAsync();
        var store = new SqliteExecutionStore(temp.Database);
        await store.StartAsync(new NewExecution("ex_1", "org", "wf", 1, null));
        Assert.True(temp.Database.WriterOpen);

        // Not idle yet: it stays open.
        temp.Database.CloseIdleWriter(Environment.TickCount64);
        Assert.True(temp.Database.WriterOpen);

        temp.Database.CloseIdleWriter(Environment.TickCount64 + (long)SqliteDatabase.WriterIdle.TotalMilliseconds + 1);
        Assert.False(temp.Database.WriterOpen);

        await store.StartAsync(new NewExecution("ex_2", "org", "wf", 1, null));
        Assert.True(temp.Database.WriterOpen);
        Assert.NotNull(await store.GetForEngineAsync("ex_2"));
    }
}
