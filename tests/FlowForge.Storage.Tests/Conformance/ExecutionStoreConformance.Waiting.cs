using FlowForge.Core.Engine.History;
using FlowForge.Core.Storage;

namespace FlowForge.Storage.Tests.Conformance;

/// <summary>The approvals inbox's read: the organisation's waiting executions, oldest first, by keyset.</summary>
public abstract partial class ExecutionStoreConformance
{
    [Fact]
    public async Task ListWaiting_ReturnsTheOrganisationsWaitingExecutions_OldestFirst_InKeysetPages()
    {
        var store = await CreateStoreAsync();
        var org = NewId("org");
        var owner = NewId("owner");
        var waiting = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var id = await StartRunningAsync(store, org, owner);
            await CommitAsync(store, owner, new OrchestrationCommit(id, 1, [], [Wait()], ExecutionStatus.Waiting));
            waiting.Add(id);
        }
        await StartRunningAsync(store, org, owner);                       // running: not listed
        var finished = await StartRunningAsync(store, org, owner);
        await CommitAsync(store, owner, new OrchestrationCommit(finished, 1, [], [new ExecutionCompleted(null)], ExecutionStatus.Completed));
        var elsewhere = await StartRunningAsync(store, NewId("other"), owner);
        await CommitAsync(store, owner, new OrchestrationCommit(elsewhere, 1, [], [Wait()], ExecutionStatus.Waiting));

        var all = await store.ListWaitingAsync(org, null, 10);
        Assert.Equal(3, all.Count);
        Assert.All(all, e => Assert.Equal(ExecutionStatus.Waiting, e.Status));
        Assert.Equal(all.OrderBy(e => e.CreatedAt).ThenBy(e => e.Id, StringComparer.Ordinal).Select(e => e.Id), all.Select(e => e.Id));
        Assert.Equal(waiting.Order(), all.Select(e => e.Id).Order());

        var first = await store.ListWaitingAsync(org, null, 2);
        var rest = await store.ListWaitingAsync(org, new ExecutionCursor(first[^1].CreatedAt, first[^1].Id), 2);
        Assert.Equal(all.Select(e => e.Id), first.Concat(rest).Select(e => e.Id));
        Assert.Empty(await store.ListWaitingAsync(org, new ExecutionCursor(all[^1].CreatedAt, all[^1].Id), 2));
    }

    private static WaitStarted Wait() => new("approve", "approve", "approval", "approval:approve:1", DateTimeOffset.UtcNow.AddDays(1));
}
