using System.Text.Json.Nodes;
using FlowForge.Core.Engine.History;
using FlowForge.Core.Storage;

namespace FlowForge.Storage.Tests.Conformance;

// Helpers of the conformance suite. Every test makes its own organisation, execution ids and lease
// owners, because the store may be shared by every test of a class (and claims are global): tests
// look for their own rows in claim results and never assert global counts.
public abstract partial class ExecutionStoreConformance
{
    /// <summary>Large enough that a claim returns this test's work whatever earlier tests left behind.</summary>
    protected const int ClaimAll = 100_000;

    protected static readonly TimeSpan Lease = TimeSpan.FromMinutes(1);

    protected static string NewId(string prefix) => $"{prefix}_{Guid.NewGuid():N}";

    /// <summary>
    /// The current time in whole microseconds: the finest precision the contract promises for instants a
    /// store keeps in columns and returns (PostgreSQL's timestamptz), such as an inbox message's
    /// <see cref="InboxMessage.VisibleAt"/>. Event timestamps are kept to the tick, and the suite
    /// checks that with a time of its own.
    /// </summary>
    protected static DateTimeOffset Now()
    {
        var now = DateTimeOffset.UtcNow;
        return now.AddTicks(-(now.Ticks % (TimeSpan.TicksPerMillisecond / 1000)));
    }

    protected static NewExecution NewExecution(string orgId, string? id = null, string workflowId = "wf_test", string? idempotencyKey = null) =>
        new(id ?? NewId("ex"), orgId, workflowId, 1, new JsonObject { ["n"] = 1 }, TriggerNodeId: "trigger", IdempotencyKey: idempotencyKey);

    protected static async Task<string> StartNewAsync(IExecutionStore store, string orgId, string workflowId = "wf_test")
    {
        var result = await store.StartAsync(NewExecution(orgId, workflowId: workflowId));
        return result.Execution.Id;
    }

    /// <summary>Claims everything due and returns this execution's work item, or null when it was not claimable.</summary>
    protected static async Task<OrchestrationWorkItem?> TryClaimAsync(IExecutionStore store, string executionId, string owner, DateTimeOffset now, TimeSpan? lease = null)
    {
        var items = await store.ClaimOrchestrationsAsync(owner, ClaimAll, lease ?? Lease, now);
        Assert.Equal(items.Count, items.Select(i => i.Execution.Id).Distinct().Count());
        return items.SingleOrDefault(i => i.Execution.Id == executionId);
    }

    protected static async Task<OrchestrationWorkItem> ClaimAsync(IExecutionStore store, string executionId, string owner, DateTimeOffset? now = null)
    {
        var item = await TryClaimAsync(store, executionId, owner, now ?? Now());
        Assert.NotNull(item);
        return item;
    }

    protected static async Task<CommitResult> CommitAsync(IExecutionStore store, string owner, OrchestrationCommit commit) =>
        Assert.Single(await store.CommitOrchestrationsAsync(owner, [commit]));

    /// <summary>
    /// Runs the first turn: claims the execution, consumes its messages and appends ExecutionStarted,
    /// leaving it running at sequence 1 and unlocked.
    /// </summary>
    protected static async Task<string> StartRunningAsync(IExecutionStore store, string orgId, string owner)
    {
        var id = await StartNewAsync(store, orgId);
        var item = await ClaimAsync(store, id, owner);
        var started = Assert.IsType<ExecutionStarted>(Assert.Single(item.Messages).Event);
        var result = await CommitAsync(store, owner, new OrchestrationCommit(id, 0, [.. item.Messages.Select(m => m.Id)], [started], ExecutionStatus.Running));
        Assert.Equal(CommitOutcome.Committed, result.Outcome);
        return id;
    }

    protected static ActivityRequest Activity(string executionId, string orgId, string stepKey, int attempt = 1, TimeSpan? timeout = null) =>
        new(executionId, orgId, stepKey, "node_" + stepKey, "http.request", attempt, new JsonObject { ["url"] = "https://example.test/" + stepKey }, timeout ?? TimeSpan.FromSeconds(30));

    /// <summary>Claims every claimable activity and returns this execution's.</summary>
    protected static async Task<List<ActivityWorkItem>> ClaimActivitiesOfAsync(IExecutionStore store, string executionId, string owner, DateTimeOffset now, TimeSpan? grace = null) =>
        [.. (await store.ClaimActivitiesAsync(owner, ClaimAll, grace ?? TimeSpan.FromSeconds(10), now)).Where(a => a.Request.ExecutionId == executionId)];

    protected static void AssertWithin(DateTimeOffset from, DateTimeOffset to, DateTimeOffset actual) =>
        Assert.InRange(actual, from, to);
}
