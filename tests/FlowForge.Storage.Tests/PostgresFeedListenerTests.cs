using System.Collections.Concurrent;
using FlowForge.Core.Engine.History;
using FlowForge.Core.Storage;
using FlowForge.Storage.Postgres;

namespace FlowForge.Storage.Tests;

/// <summary>The cross-process feed on PostgreSQL (migration 0004): committed turns arrive in commit order, lost ones never.</summary>
public sealed class PostgresFeedListenerTests
{
    [Fact]
    public async Task CommittedTurns_ArriveInCommitOrder_ATurnThatLostItsRace_NeverDoes()
    {
        await using var temp = await TempSchema.CreateMigratedAsync();
        var store = new PostgresExecutionStore(temp.Database);
        await using var otherProcess = new PostgresDatabase(temp.ConnectionString);
        var received = new ConcurrentQueue<PostgresFeedTurn>();
        var listening = new TaskCompletionSource();
        using var stop = new CancellationTokenSource();
        var listen = new PostgresFeedListener(otherProcess).ListenAsync(turn =>
        {
            received.Enqueue(turn);
            return ValueTask.CompletedTask;
        }, () => listening.TrySetResult(), stop.Token);
        await listening.Task.WaitAsync(TimeSpan.FromSeconds(10));

        var first = await StartAndClaimAsync(store, "ex_1");
        var second = await StartAndClaimAsync(store, "ex_2");
        // One group commit: ex_2's turn is stale (expects sequence 5) and is rolled back alone, with its notification.
        var results = await store.CommitOrchestrationsAsync("owner", [
            new OrchestrationCommit("ex_1", 0, [.. first.Messages.Select(m => m.Id)], [first.Messages[0].Event], ExecutionStatus.Running),
            new OrchestrationCommit("ex_2", 5, [.. second.Messages.Select(m => m.Id)], [second.Messages[0].Event], ExecutionStatus.Running),
        ]);
        Assert.Equal([CommitOutcome.Committed, CommitOutcome.Conflict], results.Select(r => r.Outcome));
        var again = await store.CommitOrchestrationsAsync("owner", [
            new OrchestrationCommit("ex_2", 0, [.. second.Messages.Select(m => m.Id)], [second.Messages[0].Event], ExecutionStatus.Running),
        ]);
        Assert.Equal(CommitOutcome.Committed, Assert.Single(again).Outcome);

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (received.Count < 2 && DateTime.UtcNow < deadline) await Task.Delay(20);
        await Task.Delay(200); // nothing more arrives
        Assert.Equal([("ex_1", 1L), ("ex_2", 1L)], received.Select(t => (t.ExecutionId, t.FirstSequence)));
        var turn = received.First();
        Assert.Equal(("org_1", "wf_test", ExecutionStatus.Running), (turn.OrgId, turn.WorkflowId, turn.Status));
        Assert.IsType<ExecutionStarted>(Assert.Single(turn.Events));

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => listen);
    }

    private static async Task<OrchestrationWorkItem> StartAndClaimAsync(PostgresExecutionStore store, string id)
    {
        await store.StartAsync(new NewExecution(id, "org_1", "wf_test", 1, null, TriggerNodeId: "trigger"));
        var items = await store.ClaimOrchestrationsAsync("owner", 100, TimeSpan.FromMinutes(1), DateTimeOffset.UtcNow);
        return items.Single(i => i.Execution.Id == id);
    }
}
