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
        using var stop = new CancellationTokenSource();
        var (received, listen) = await ListenAsync(otherProcess, stop.Token);

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

    [Fact]
    public async Task AStoreThatDoesNotAnnounce_SendsNothing_WhileOneThatDoesIsHeard()
    {
        // Live__CrossProcess=false: no other process listens, so the store spares the NOTIFY transaction after its commits.
        await using var temp = await TempSchema.CreateMigratedAsync();
        var quiet = new PostgresExecutionStore(temp.Database, announceCommits: false);
        var loud = new PostgresExecutionStore(temp.Database);
        await using var otherProcess = new PostgresDatabase(temp.ConnectionString);
        using var stop = new CancellationTokenSource();
        var (received, listen) = await ListenAsync(otherProcess, stop.Token);

        await CommitAsync(quiet, await StartAndClaimAsync(quiet, "ex_quiet"), 0);
        // The witness: committed after the quiet one returned, so its notice is the later one on the channel.
        await CommitAsync(loud, await StartAndClaimAsync(loud, "ex_loud"), 0);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (received.IsEmpty && DateTime.UtcNow < deadline) await Task.Delay(20);

        Assert.Equal(["ex_loud"], received.Select(t => t.ExecutionId));
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => listen);
    }

    [Fact]
    public async Task SlowReader_MergesAnExecutionsTurns_AndDropsBeyondTheBacklogLimit()
    {
        await using var temp = await TempSchema.CreateMigratedAsync();
        var store = new PostgresExecutionStore(temp.Database);
        await using var otherProcess = new PostgresDatabase(temp.ConnectionString);
        var listener = new PostgresFeedListener(otherProcess);
        var received = new ConcurrentQueue<PostgresFeedTurn>();
        var listening = new TaskCompletionSource();
        var firstArrived = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        using var stop = new CancellationTokenSource();
        var listen = listener.ListenAsync(async turn =>
        {
            received.Enqueue(turn);
            firstArrived.TrySetResult();
            await release.Task; // the reader is stuck on the first turn while more arrive
        }, () => listening.TrySetResult(), stop.Token, maxPending: 1);
        await listening.Task.WaitAsync(TimeSpan.FromSeconds(10));

        var first = await StartAndClaimAsync(store, "ex_1");
        await CommitAsync(store, first, 0);
        await firstArrived.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var second = await StartAndClaimAsync(store, "ex_2");
        await CommitAsync(store, second, 0);
        await CommitAsync(store, second, 1); // waits in the backlog with ex_2's first turn: merged into one read
        var third = await StartAndClaimAsync(store, "ex_3");
        await CommitAsync(store, third, 0); // the backlog already holds one execution: dropped

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (listener.DroppedNotices == 0 && DateTime.UtcNow < deadline) await Task.Delay(20);
        release.SetResult();
        while (received.Count < 2 && DateTime.UtcNow < deadline) await Task.Delay(20);
        await Task.Delay(300); // nothing more arrives

        Assert.Equal(1, listener.DroppedNotices);
        Assert.Equal([("ex_1", 1L, 1), ("ex_2", 1L, 2)], received.Select(t => (t.ExecutionId, t.FirstSequence, t.Events.Count)));

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => listen);
    }

    [Fact]
    public async Task ListenAgainAfterTheConnectionWasLost_DeliversTheTurnsCommittedWhileItWasDown()
    {
        await using var temp = await TempSchema.CreateMigratedAsync();
        var store = new PostgresExecutionStore(temp.Database);
        await using var otherProcess = new PostgresDatabase(temp.ConnectionString);
        var listener = new PostgresFeedListener(otherProcess);
        var received = new ConcurrentQueue<PostgresFeedTurn>();
        var listening = new TaskCompletionSource();
        using var stop = new CancellationTokenSource();
        Func<PostgresFeedTurn, ValueTask> onTurn = turn =>
        {
            received.Enqueue(turn);
            return ValueTask.CompletedTask;
        };
        var first = listener.ListenAsync(onTurn, () => listening.TrySetResult(), stop.Token);
        await listening.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var seen = await StartAndClaimAsync(store, "ex_seen");
        await CommitAsync(store, seen, 0);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (received.IsEmpty && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.Single(received);

        // The listening connection dies (what a PostgreSQL restart does to it); a turn commits while nobody listens.
        await using (var admin = await temp.Database.OpenAsync(CancellationToken.None))
        {
            await using var kill = new Npgsql.NpgsqlCommand(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE query = 'LISTEN \"flowforge_feed_' || md5(current_schema()) || '\"'", admin);
            Assert.Equal(1L, (long)(await kill.ExecuteScalarAsync())!);
        }
        await Assert.ThrowsAnyAsync<Exception>(() => first.WaitAsync(TimeSpan.FromSeconds(10)));
        await CommitAsync(store, seen, 1);
        var missed = await StartAndClaimAsync(store, "ex_missed");
        await CommitAsync(store, missed, 0);

        // Listening again hands over what was committed in the gap (and ex_seen's first turn again: consumers de-duplicate).
        var again = new TaskCompletionSource();
        var second = listener.ListenAsync(onTurn, () => again.TrySetResult(), stop.Token);
        await again.Task.WaitAsync(TimeSpan.FromSeconds(10));
        deadline = DateTime.UtcNow.AddSeconds(10);
        while (received.Count < 3 && DateTime.UtcNow < deadline) await Task.Delay(20);
        var after = received.Skip(1).OrderBy(t => t.ExecutionId, StringComparer.Ordinal).ToList();
        Assert.Equal([("ex_missed", 1L, 1), ("ex_seen", 1L, 2)], after.Select(t => (t.ExecutionId, t.FirstSequence, t.Events.Count)));

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => second);
    }

    private static async Task CommitAsync(PostgresExecutionStore store, OrchestrationWorkItem item, long lastSequence)
    {
        var consumed = lastSequence == 0 ? item.Messages.Select(m => m.Id).ToList() : [];
        var result = await store.CommitOrchestrationsAsync("owner", [
            new OrchestrationCommit(item.Execution.Id, lastSequence, consumed, [item.Messages[0].Event], ExecutionStatus.Running),
        ]);
        Assert.Equal(CommitOutcome.Committed, Assert.Single(result).Outcome);
    }

    /// <summary>A listener of another process that queues every turn it hears; returns once its LISTEN is in place.</summary>
    private static async Task<(ConcurrentQueue<PostgresFeedTurn> Received, Task Listen)> ListenAsync(PostgresDatabase otherProcess, CancellationToken stop)
    {
        var received = new ConcurrentQueue<PostgresFeedTurn>();
        var listening = new TaskCompletionSource();
        var listen = new PostgresFeedListener(otherProcess).ListenAsync(turn =>
        {
            received.Enqueue(turn);
            return ValueTask.CompletedTask;
        }, () => listening.TrySetResult(), stop);
        await listening.Task.WaitAsync(TimeSpan.FromSeconds(10), stop);
        return (received, listen);
    }

    private static async Task<OrchestrationWorkItem> StartAndClaimAsync(PostgresExecutionStore store, string id)
    {
        await store.StartAsync(new NewExecution(id, "org_1", "wf_test", 1, null, TriggerNodeId: "trigger"));
        var items = await store.ClaimOrchestrationsAsync("owner", 100, TimeSpan.FromMinutes(1), DateTimeOffset.UtcNow);
        return items.Single(i => i.Execution.Id == id);
    }
}
