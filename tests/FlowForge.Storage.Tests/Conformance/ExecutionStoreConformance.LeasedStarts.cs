using FlowForge.Core.Engine.History;
using FlowForge.Core.Storage;

namespace FlowForge.Storage.Tests.Conformance;

// Starts inserted already leased to a dispatcher (NewExecution.Lease): the process that accepted the start runs its
// first turn from StartResult.FirstMessage without a claim; nobody else may claim it until the lease expires.
public abstract partial class ExecutionStoreConformance
{
    private static NewExecution Leased(NewExecution execution, string owner, DateTimeOffset expires) =>
        execution with { Lease = new ExecutionLease(owner, expires) };

    /// <summary>The same message: id, execution, visibility and the event as stored.</summary>
    private static void AssertSameMessage(InboxMessage expected, InboxMessage actual)
    {
        Assert.Equal((expected.Id, expected.ExecutionId, expected.VisibleAt), (actual.Id, actual.ExecutionId, actual.VisibleAt));
        Assert.Equal(StoredEvent.Serialize(expected.Event), StoredEvent.Serialize(actual.Event));
    }

    [Fact]
    public async Task LeasedStart_IsNotClaimableByAnotherOwnerBeforeExpiry_AndIsAfter_WithTheMessageItReturned()
    {
        var store = await CreateStoreAsync();
        var org = NewId("org");
        var expires = Now() + Lease;

        var result = await store.StartAsync(Leased(NewExecution(org), NewId("owner"), expires));

        Assert.False(result.Existing);
        var first = Assert.IsType<InboxMessage>(result.FirstMessage);
        Assert.Equal(result.Execution.Id, first.ExecutionId);
        Assert.IsType<ExecutionStarted>(first.Event);
        var other = NewId("owner");
        Assert.Null(await TryClaimAsync(store, result.Execution.Id, other, Now()));
        Assert.Null(await TryClaimAsync(store, result.Execution.Id, other, expires.AddSeconds(-1)));

        var item = await ClaimAsync(store, result.Execution.Id, other, expires);
        AssertSameMessage(Assert.Single(item.Messages), first);
    }

    [Fact]
    public async Task LeasedStart_OwnerCommitsFirstTurnFromItsMessage_WithoutClaim_AndReleasesTheLease()
    {
        var store = await CreateStoreAsync();
        var org = NewId("org");
        var owner = NewId("owner");
        var result = await store.StartAsync(Leased(NewExecution(org), owner, Now() + Lease));
        var first = result.FirstMessage!;

        var commit = await CommitAsync(store, owner, new OrchestrationCommit(result.Execution.Id, 0, [first.Id], [first.Event], ExecutionStatus.Running));

        Assert.Equal(CommitOutcome.Committed, commit.Outcome);
        // The message was consumed and the lease given back: a new message is claimable by anyone at once.
        Assert.True(await store.SendAsync(org, result.Execution.Id, new TimerFired("t1"), Now()));
        var item = await ClaimAsync(store, result.Execution.Id, NewId("owner"));
        Assert.IsType<TimerFired>(Assert.Single(item.Messages).Event);
    }

    [Fact]
    public async Task LeasedStart_RepeatedWithItsIdempotencyKey_LeasesNothing_AndReturnsNoMessage()
    {
        var store = await CreateStoreAsync();
        var org = NewId("org");
        var first = await store.StartAsync(NewExecution(org, idempotencyKey: "key-lease"));

        var repeat = await store.StartAsync(Leased(NewExecution(org, idempotencyKey: "key-lease"), NewId("owner"), Now() + Lease));

        Assert.True(repeat.Existing);
        Assert.Equal(first.Execution.Id, repeat.Execution.Id);
        Assert.Null(repeat.FirstMessage);
        Assert.NotNull(await TryClaimAsync(store, first.Execution.Id, NewId("owner"), Now()));
    }

    [Fact]
    public async Task LeasedStarts_ManyConcurrently_EachGetTheirOwnMessage_AndUnleasedOnesStayClaimable()
    {
        var store = await CreateStoreAsync();
        var org = NewId("org");
        var owner = NewId("owner");
        var expires = Now() + Lease;

        // Together, so a store that batches starts (PostgreSQL's drainer) mixes leased and unleased rows in one statement.
        var results = await Task.WhenAll(Enumerable.Range(0, 100).Select(i => Task.Run(() =>
            store.StartAsync(i % 2 == 0 ? Leased(NewExecution(org), owner, expires) : NewExecution(org)))));

        var leased = results.Where((_, i) => i % 2 == 0).ToList();
        var unleased = results.Where((_, i) => i % 2 == 1).ToList();
        Assert.All(unleased, r => Assert.Null(r.FirstMessage));
        Assert.All(leased, r => Assert.Equal(r.Execution.Id, r.FirstMessage?.ExecutionId));
        Assert.Equal(leased.Count, leased.Select(r => r.FirstMessage!.Id).Distinct().Count());

        var other = NewId("owner");
        var now = (await store.ClaimOrchestrationsAsync(other, ClaimAll, Lease, Now())).Where(i => i.Execution.OrgId == org).ToList();
        Assert.Equal(unleased.Select(r => r.Execution.Id).Order(), now.Select(i => i.Execution.Id).Order());
        var later = (await store.ClaimOrchestrationsAsync(other, ClaimAll, Lease, expires)).Where(i => i.Execution.OrgId == org).ToDictionary(i => i.Execution.Id);
        Assert.All(leased, r => AssertSameMessage(Assert.Single(later[r.Execution.Id].Messages), r.FirstMessage!));
    }
}
