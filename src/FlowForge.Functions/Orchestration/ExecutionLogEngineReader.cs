using FlowForge.Core.Engine.History;
using FlowForge.Core.Storage;
using FlowForge.Functions.ExecutionLog;

namespace FlowForge.Functions.Orchestration;

/// <summary>
/// The server's handlers read an execution (its trigger data, for the AI nodes and WhatsApp replies) through
/// <see cref="IExecutionWorkerStore.GetForEngineAsync"/>. On the Functions host executions live in the Table log, so this
/// answers those reads from it. The rest of the worker half (claims, commits, leases, retention) belongs to the server's
/// dispatcher and workers, which this host replaces with Durable Task: calling it is a wiring bug and throws.
/// </summary>
internal sealed class ExecutionLogEngineReader(IExecutionLog log) : IExecutionWorkerStore
{
    public Task<ExecutionRecord?> GetForEngineAsync(string executionId, CancellationToken ct = default) => log.GetForHostAsync(executionId, ct);

    public Task<IReadOnlyList<HistoryEvent>> GetHistoryAsync(string executionId, long afterSequence = 0, CancellationToken ct = default) =>
        log.GetHistoryAsync(executionId, afterSequence, ct);

    public Task<IReadOnlyList<OrchestrationWorkItem>> ClaimOrchestrationsAsync(string owner, int max, TimeSpan lease, DateTimeOffset now, CancellationToken ct = default) => throw NoDispatcher();

    public Task<IReadOnlyList<CommitResult>> CommitOrchestrationsAsync(string owner, IReadOnlyList<OrchestrationCommit> commits, CancellationToken ct = default) => throw NoDispatcher();

    public Task ReleaseOrchestrationsAsync(string owner, CancellationToken ct = default) => throw NoDispatcher();

    public Task<IReadOnlyList<ActivityWorkItem>> ClaimActivitiesAsync(string owner, int max, TimeSpan leaseGrace, DateTimeOffset now, CancellationToken ct = default) => throw NoDispatcher();

    public Task<int> CompleteActivitiesAsync(IReadOnlyList<ActivityCompletion> completions, DateTimeOffset now, CancellationToken ct = default) => throw NoDispatcher();

    public Task ReleaseActivitiesAsync(string owner, IReadOnlyCollection<long>? ids = null, CancellationToken ct = default) => throw NoDispatcher();

    public Task<DateTimeOffset?> NextDueAsync(CancellationToken ct = default) => throw NoDispatcher();

    public Task<DateTimeOffset?> NextMessageDueAsync(CancellationToken ct = default) => throw NoDispatcher();

    public Task<int> PurgeFinishedBeforeAsync(DateTimeOffset cutoff, int max, CancellationToken ct = default) => throw NoDispatcher();

    private static NotSupportedException NoDispatcher() =>
        new("The Functions host runs executions on Durable Task: the server's dispatcher and worker store are not used here.");
}
