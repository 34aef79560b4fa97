using System.Text.Json.Nodes;
using FlowForge.Core.Engine.History;
using FlowForge.Core.Storage;

namespace FlowForge.Storage.Tests.Conformance;

// Starts that carry their first turn (NewExecution.FirstTurn): a store may write it in the start's own transaction, in place
// of the ExecutionStarted inbox message; whether it did or not, the execution must be exactly one of the two, never both or half.
public abstract partial class ExecutionStoreConformance
{
    /// <summary>A first turn as the dispatcher decides it for <paramref name="execution"/>: started, one step scheduled and leased to <paramref name="owner"/>.</summary>
    private static OrchestrationCommit FirstTurnOf(NewExecution execution, string owner, string status = ExecutionStatus.Running, JsonNode? output = null)
    {
        var started = new ExecutionStarted(execution.WorkflowId, execution.Version, execution.TriggerData?.DeepClone(), execution.TriggerNodeId,
            null, null, 0) { Timestamp = Now() };
        var activity = Activity(execution.Id, execution.OrgId, "s1");
        HistoryEvent scheduled = new StepScheduled("s1", activity.NodeId, activity.NodeType, 1, activity.Input!.DeepClone());
        HistoryEvent[] events = ExecutionStatus.IsTerminal(status)
            ? [started, scheduled, new ExecutionCompleted(output?.DeepClone())]
            : [started, scheduled];
        return new OrchestrationCommit(execution.Id, 0, [], events, status, output, Activities: [activity],
            ActivityLeaseOwner: owner, ActivityLeaseGrace: TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task StartWithFirstTurn_WritesTheTurnInsteadOfTheMessage_AndLeasesItsActivities()
    {
        var store = await CreateStoreAsync();
        var org = NewId("org");
        var owner = NewId("owner");
        var execution = NewExecution(org) with { Lease = new ExecutionLease(owner, Now() + Lease) };
        var turn = FirstTurnOf(execution, owner);
        var before = Now();

        var result = await store.StartAsync(execution with { FirstTurn = turn });

        // Every backend here takes a lone start's first turn (the contract lets a store decline).
        Assert.NotNull(result.FirstTurn);
        Assert.False(result.Existing);
        Assert.Null(result.FirstMessage);
        Assert.Equal((ExecutionStatus.Running, 2L), (result.Execution.Status, result.Execution.LastSequence));
        var leased = Assert.Single(result.FirstTurn!.LeasedActivities);
        Assert.Equal(CommitOutcome.Committed, result.FirstTurn.Outcome);
        Assert.Equal(turn.Activities![0], leased.Request);
        Assert.Equal(1, leased.ClaimCount);
        AssertWithin(before + leased.Request.Timeout + turn.ActivityLeaseGrace, Now() + leased.Request.Timeout + turn.ActivityLeaseGrace + TimeSpan.FromSeconds(1), leased.LeaseExpires);

        // The history is the turn's events, in order; the row is as a commit would leave it.
        var history = await store.GetHistoryAsync(execution.Id);
        static string Unstamped(HistoryEvent e) => StoredEvent.Serialize(e with { Timestamp = default });
        Assert.Equal(turn.NewEvents.Select(Unstamped), history.Select(Unstamped));
        Assert.Equal(turn.NewEvents[0].Timestamp, history[0].Timestamp);
        var row = await store.GetAsync(org, execution.Id);
        Assert.Equal((ExecutionStatus.Running, 2L, (DateTimeOffset?)null), (row!.Status, row.LastSequence, row.CompletedAt));
        Assert.Equal((row.Id, row.Status, row.LastSequence, row.CreatedAt, row.UpdatedAt),
            (result.Execution.Id, result.Execution.Status, result.Execution.LastSequence, result.Execution.CreatedAt, result.Execution.UpdatedAt));

        // No inbox message and no lease on the execution: nothing to claim now, and a message sent to it is anyone's at once.
        Assert.Null(await TryClaimAsync(store, execution.Id, NewId("owner"), Now() + Lease + Lease));
        Assert.True(await store.SendAsync(org, execution.Id, new TimerFired("t1"), Now()));
        Assert.IsType<TimerFired>(Assert.Single((await ClaimAsync(store, execution.Id, NewId("owner"))).Messages).Event);
        await store.ReleaseOrchestrationsAsync(owner);

        // Its activity is leased to the owner: nobody else claims it before the lease expires, and its result commits as any turn's.
        Assert.Empty(await ClaimActivitiesOfAsync(store, execution.Id, NewId("worker"), Now()));
        var done = new ActivityCompletion(leased.Id, owner, execution.Id, new StepCompleted("s1", "node_s1", "http.request", 1, null, "out"));
        var next = await CommitAsync(store, owner, new OrchestrationCommit(execution.Id, 2, [], [done.Result, new ExecutionCompleted(null)],
            ExecutionStatus.Completed, CompletedActivities: [done]));
        Assert.Equal(CommitOutcome.Committed, next.Outcome);
        Assert.Equal(4, (await store.GetHistoryAsync(execution.Id)).Count);
    }

    [Fact]
    public async Task StartWithTerminalFirstTurn_IsFinishedAtOnce_WithItsOutput_AndNothingLeftToRun()
    {
        var store = await CreateStoreAsync();
        var org = NewId("org");
        var owner = NewId("owner");
        var execution = NewExecution(org);
        var before = Now();

        var result = await store.StartAsync(execution with { FirstTurn = FirstTurnOf(execution, owner, ExecutionStatus.Completed, new JsonObject { ["done"] = true }) });

        Assert.Empty(result.FirstTurn!.LeasedActivities);
        var row = await store.GetAsync(org, execution.Id);
        Assert.Equal((ExecutionStatus.Completed, 3L), (row!.Status, row.LastSequence));
        Assert.Equal("""{"done":true}""", row.Output!.ToJsonString());
        AssertWithin(before, Now() + TimeSpan.FromSeconds(1), row.CompletedAt!.Value);
        Assert.Equal(0, await store.CountUnfinishedAsync(org));
        Assert.Empty(await ClaimActivitiesOfAsync(store, execution.Id, NewId("worker"), Now() + TimeSpan.FromHours(1)));
    }

    [Fact]
    public async Task StartWithFirstTurn_RepeatedWithItsIdempotencyKey_WritesNothingOfTheTurn()
    {
        var store = await CreateStoreAsync();
        var org = NewId("org");
        var owner = NewId("owner");
        var first = await store.StartAsync(NewExecution(org, idempotencyKey: "key-turn"));

        var again = NewExecution(org, idempotencyKey: "key-turn") with { Lease = new ExecutionLease(owner, Now() + Lease) };
        var repeat = await store.StartAsync(again with { FirstTurn = FirstTurnOf(again, owner) });

        Assert.True(repeat.Existing);
        Assert.Equal(first.Execution.Id, repeat.Execution.Id);
        Assert.Null(repeat.FirstTurn);
        Assert.Null(repeat.FirstMessage);
        Assert.Empty(await store.GetHistoryAsync(first.Execution.Id));
        Assert.Empty(await store.GetHistoryAsync(again.Id));
        Assert.Null(await store.GetAsync(org, again.Id));
        Assert.Empty(await ClaimActivitiesOfAsync(store, again.Id, owner, Now() + TimeSpan.FromHours(1)));
        // The first start is untouched: pending, its message claimable.
        Assert.IsType<ExecutionStarted>(Assert.Single((await ClaimAsync(store, first.Execution.Id, owner)).Messages).Event);
    }

    [Fact]
    public async Task StartWithAFirstTurnThatSendsMessages_IsAPlainStart()
    {
        var store = await CreateStoreAsync();
        var org = NewId("org");
        var owner = NewId("owner");
        var execution = NewExecution(org) with { Lease = new ExecutionLease(owner, Now() + Lease) };
        var turn = FirstTurnOf(execution, owner) with { Messages = [new ScheduledMessage(execution.Id, new TimerFired("t"), Now().AddHours(1))] };

        var result = await store.StartAsync(execution with { FirstTurn = turn });

        Assert.Null(result.FirstTurn);
        Assert.IsType<ExecutionStarted>(result.FirstMessage!.Event);
        Assert.Equal((ExecutionStatus.Pending, 0L), (result.Execution.Status, result.Execution.LastSequence));
        Assert.Empty(await store.GetHistoryAsync(execution.Id));
        Assert.Empty(await ClaimActivitiesOfAsync(store, execution.Id, NewId("worker"), Now() + TimeSpan.FromHours(1)));
    }

    [Fact]
    public async Task StartsWithFirstTurns_ManyConcurrently_AreEachEitherWrittenWithTheirTurnOrPlain_NeverBoth()
    {
        var store = await CreateStoreAsync();
        var org = NewId("org");
        var owner = NewId("owner");

        // Together, so a store that batches starts (PostgreSQL's drainer) gets several in one batch, where it writes them plain.
        var executions = Enumerable.Range(0, 60).Select(_ => NewExecution(org) with { Lease = new ExecutionLease(owner, Now() + Lease) }).ToList();
        var results = await Task.WhenAll(executions.Select(e => Task.Run(() => store.StartAsync(e with { FirstTurn = FirstTurnOf(e, owner) }))));

        for (var i = 0; i < results.Length; i++)
        {
            var history = await store.GetHistoryAsync(executions[i].Id);
            if (results[i].FirstTurn is { } written)
            {
                Assert.Null(results[i].FirstMessage);
                Assert.Equal(2, history.Count);
                Assert.Single(written.LeasedActivities);
            }
            else
            {
                Assert.Equal(executions[i].Id, results[i].FirstMessage!.ExecutionId);
                Assert.Empty(history);
                Assert.Empty(await ClaimActivitiesOfAsync(store, executions[i].Id, NewId("worker"), Now() + TimeSpan.FromHours(1)));
            }
        }
        // Only the plain ones have a message to claim (once their lease expires).
        var claimed = (await store.ClaimOrchestrationsAsync(NewId("owner"), ClaimAll, Lease, Now() + Lease + Lease)).Where(i => i.Execution.OrgId == org);
        Assert.Equal(results.Where(r => r.FirstTurn is null).Select(r => r.Execution.Id).Order(), claimed.Select(i => i.Execution.Id).Order());
    }
}
