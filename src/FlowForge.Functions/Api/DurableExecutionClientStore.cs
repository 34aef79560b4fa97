using FlowForge.Core.Engine.History;
using FlowForge.Core.Storage;
using FlowForge.Functions.ExecutionLog;
using FlowForge.Functions.Orchestration;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace FlowForge.Functions.Api;

/// <summary>
/// The Functions host's <see cref="IExecutionClientStore"/>: the execution log in Table storage for everything read
/// (rows, history, lists, the idempotency index), Durable Task for everything that makes an execution move (start,
/// events, cancel, purge). The server's endpoint handlers, <c>ExecutionStarter</c>, quotas and hooks run over it
/// unchanged, so both hosts share one implementation of each endpoint.
/// </summary>
internal sealed class DurableExecutionClientStore(IExecutionLog log, DurableClientSlot durable, TimeProvider clock) : IExecutionClientStore
{
    /// <summary>
    /// The log row first (it is what the 202 and every read answer from, and it holds the idempotency key), then the
    /// orchestration with instance id = execution id. A start repeated with the same idempotency key finds the row and,
    /// if the first start died before scheduling, schedules the orchestration then: a client's retry heals its start.
    /// </summary>
    public async Task<StartResult> StartAsync(NewExecution execution, CancellationToken ct = default)
    {
        // Durable Task schedules the orchestration itself: there is no dispatcher lease to take, and none goes into its input.
        execution = execution with { Lease = null };
        var result = await log.CreateAsync(execution, clock.GetUtcNow(), ct);
        var id = result.Execution.Id;
        if (result.Existing)
        {
            if (!ExecutionStatus.IsTerminal(result.Execution.Status) && await durable.Client.GetInstanceAsync(id, getInputsAndOutputs: false, ct) is null)
            {
                await ScheduleAsync(ToNew(result.Execution, execution), ct);
            }
            return result;
        }
        await ScheduleAsync(execution, ct);
        return result;
    }

    private async Task ScheduleAsync(NewExecution execution, CancellationToken ct)
    {
        try
        {
            await durable.Client.ScheduleNewOrchestrationInstanceAsync(OrchestrationNames.RunWorkflow, new WorkflowRunInput(execution),
                new StartOrchestrationOptions(InstanceId: execution.Id), ct);
        }
        catch (Exception) when (!ct.IsCancellationRequested)
        {
            // Two repeats of one start raced to schedule it: the other one did, which is all that was needed.
            if (await durable.Client.GetInstanceAsync(execution.Id, getInputsAndOutputs: false, ct) is null) throw;
        }
    }

    /// <summary>The original request of an execution found by its idempotency key (the repeat's own id was never used).</summary>
    private static NewExecution ToNew(ExecutionRecord existing, NewExecution repeat) => repeat with
    {
        Id = existing.Id, WorkflowId = existing.WorkflowId, Version = existing.Version, TriggerData = existing.TriggerData,
        ParentExecutionId = existing.ParentExecutionId, RetryOf = existing.RetryOf,
    };

    public Task<ExecutionRecord?> GetAsync(string orgId, string executionId, CancellationToken ct = default) => log.GetAsync(orgId, executionId, ct);

    public Task<IReadOnlyList<HistoryEvent>> GetHistoryAsync(string executionId, long afterSequence = 0, CancellationToken ct = default) =>
        log.GetHistoryAsync(executionId, afterSequence, ct);

    public Task<FlowForge.Core.Storage.Page<ExecutionRecord>> ListAsync(string orgId, ExecutionQuery query, CancellationToken ct = default) => log.ListAsync(orgId, query, ct);

    public Task<ExecutionSlice> SearchAsync(string orgId, ExecutionSearch search, CancellationToken ct = default) => log.SearchAsync(orgId, search, ct);

    public Task<int> CountUnfinishedAsync(string orgId, CancellationToken ct = default) => log.CountUnfinishedAsync(orgId, ct);

    public Task<IReadOnlyList<ExecutionRecord>> ListWaitingAsync(string orgId, ExecutionCursor? after, int limit, CancellationToken ct = default) =>
        log.ListWaitingAsync(orgId, after, limit, ct);

    public Task<ExecutionRecord?> FindByIdempotencyKeyAsync(string orgId, string idempotencyKey, CancellationToken ct = default) =>
        log.FindByIdempotencyKeyAsync(orgId, idempotencyKey, ct);

    public Task<IReadOnlyList<HistoryEvent>> GetHistoryOfTypesAsync(string executionId, IReadOnlyCollection<Type> types, CancellationToken ct = default) =>
        log.GetHistoryOfTypesAsync(executionId, types, ct);

    /// <summary>
    /// An external event becomes a raised event of the same name, a cancel the orchestration's cancel event (payload: the
    /// reason). The log answers "not found" and "finished" as the server's inbox does. Resuming a failed execution from
    /// its failed step is not offered on this host (a failed orchestration cannot continue): it throws
    /// <see cref="NotSupportedException"/>, and the resume function answers 501 before it gets here.
    /// </summary>
    public async Task<bool> SendAsync(string orgId, string executionId, HistoryEvent message, DateTimeOffset now, bool allowTerminal = false, CancellationToken ct = default)
    {
        var (name, payload) = message switch
        {
            EventRaised raised => (raised.Name, (object?)raised.Payload),
            CancelRequested cancel => (OrchestrationNames.CancelEvent, cancel.Reason),
            ExecutionResumed => throw new NotSupportedException(ResumeNotOffered),
            _ => throw new NotSupportedException($"The Functions host does not send {message.GetType().Name} to an execution."),
        };
        var execution = await log.GetAsync(orgId, executionId, ct);
        if (execution is null || (!allowTerminal && ExecutionStatus.IsTerminal(execution.Status))) return false;
        try
        {
            await durable.Client.RaiseEventAsync(executionId, name, payload, ct);
        }
        catch (Exception) when (!ct.IsCancellationRequested)
        {
            // The run finished between the read and the raise (its orchestration is gone or closed): answered as finished.
            if (await log.GetAsync(orgId, executionId, ct) is { } latest && ExecutionStatus.IsTerminal(latest.Status)) return false;
            throw;
        }
        return true;
    }

    public const string ResumeNotOffered =
        "Resuming a failed execution from its failed step is offered by the FlowForge server only; on Azure Functions, retry it (POST /api/executions/{id}/retry) to run it again from the start.";

    /// <summary>
    /// The orchestration's history first, then the log rows: a failure in between leaves the log (what every read
    /// answers from) in place, and purging again finishes the job (purging a purged instance is a no-op).
    /// </summary>
    public async Task<bool> PurgeAsync(string orgId, string executionId, CancellationToken ct = default)
    {
        var execution = await log.GetAsync(orgId, executionId, ct);
        if (execution is null || !ExecutionStatus.IsTerminal(execution.Status)) return false;
        await durable.Client.PurgeInstanceAsync(executionId, cancellation: ct);
        return await log.PurgeAsync(orgId, executionId, ct);
    }
}
