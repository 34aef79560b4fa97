using FlowForge.Core.Engine.History;
using FlowForge.Core.Storage;
using FlowForge.Functions.ExecutionLog;
using FlowForge.Functions.Live;
using FlowForge.Server.Api;
using FlowForge.Server.Engine;
using FlowForge.Server.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FlowForge.Functions.Orchestration;

/// <summary>
/// The orchestration's activities: the only places it does I/O. Plain methods (no Durable Task or Functions types), so the
/// Functions bindings (<see cref="WorkflowFunctions"/>) and the test host's registrations (<see cref="OrchestrationRegistration"/>)
/// call the same code.
/// </summary>
internal sealed class OrchestrationActivities(
    IWorkflowStore workflows,
    ActivityRunner runner,
    IExecutionLog log,
    IProgressPublisher publisher,
    IOptions<RequestLimits> requestLimits,
    IOptions<EngineOptions> engine,
    TimeProvider clock,
    ILogger<OrchestrationActivities> logger)
{
    /// <summary>
    /// LoadWorkflow: the execution's pinned version (for a sub-workflow, version 0: the one published now) and the host's
    /// limits, and its log row when missing (a sub-workflow's: the parent's orchestration asks for the child, and the child
    /// writes its own row, keyed by its execution id so a repeat finds it). A sub-workflow of a workflow that does not exist
    /// or is not published gets no row: its parent records the reason, as the server does.
    /// </summary>
    public async Task<LoadedWorkflow> LoadWorkflowAsync(WorkflowRunInput input, CancellationToken ct = default)
    {
        var execution = input.Execution;
        var limits = new EngineLimitsData(requestLimits.Value.MaxStepOutputBytes, engine.Value.MaxSubworkflowDepth, requestLimits.Value.MaxStepsPerExecution);
        var version = execution.Version;
        var existing = await log.GetForHostAsync(execution.Id, ct);
        if (existing is not null)
        {
            version = existing.Version;
        }
        else if (version == 0)
        {
            var workflow = await workflows.GetAsync(execution.OrgId, execution.WorkflowId, ct);
            if (workflow?.PublishedVersion is not { } published)
            {
                var reason = workflow is null ? $"Workflow '{execution.WorkflowId}' does not exist." : $"Workflow '{execution.WorkflowId}' has no published version.";
                return new LoadedWorkflow(0, null, limits, reason, Created: false);
            }
            version = published;
        }
        if (existing is null) await log.CreateAsync(execution with { Version = version }, clock.GetUtcNow(), ct);
        var record = await workflows.GetVersionAsync(execution.OrgId, execution.WorkflowId, version, ct);
        return record is null
            ? new LoadedWorkflow(version, null, limits, $"Workflow version {execution.WorkflowId} v{version} was not found.", Created: true)
            : new LoadedWorkflow(version, record.Definition.Graph, limits, null, Created: true);
    }

    /// <summary>
    /// RunNode: one attempt of one step with the server's runner and handlers (egress policy, credentials, send ledger and
    /// outbox included), in <see cref="RunMode.Execution"/>, with the step's timeout. Every handler failure comes back as a
    /// <see cref="StepFailed"/> for the decider; only the host's own failures throw (and are retried by Durable Task).
    /// </summary>
    public async Task<StepResult> RunNodeAsync(ActivityRequest request, CancellationToken ct = default)
    {
        var result = await runner.RunAsync(request, RunMode.Execution, ct);
        // Null: the host is shutting down mid-attempt. Thrown, so Durable Task runs the attempt again (same idempotency key).
        return result is null ? throw new OperationCanceledException("The activity host stopped during the step's attempt.") : new StepResult(result);
    }

    /// <summary>
    /// RecordTurn: appends a turn's events to the execution log (a repeat rewrites the same rows) and publishes them as live
    /// progress, best effort: a failed publish never fails the turn (clients resync from the execution detail).
    /// </summary>
    public async Task RecordTurnAsync(TurnRecord turn, CancellationToken ct = default)
    {
        await log.AppendAsync(turn.ExecutionId, turn.AfterSequence, turn.Events, turn.Status, turn.Now, ct);
        try
        {
            if (await log.GetForHostAsync(turn.ExecutionId, ct) is { } record) await publisher.PublishAsync(record, turn.AfterSequence, turn.Events, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            OrchestrationLogs.PublishFailed(logger, e, turn.ExecutionId);
        }
    }
}
