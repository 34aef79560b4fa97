using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using FlowForge.Core.Engine.History;
using FlowForge.Core.Storage;
using FlowForge.Server.Telemetry;
using Microsoft.Extensions.Options;

namespace FlowForge.Server.Engine;

internal enum StartStatus { Started, Existing, WorkflowNotFound, NotPublished, QuotaExceeded }

/// <summary>A start's outcome; <see cref="Refusal"/> says which quota refused it (<see cref="StartStatus.QuotaExceeded"/>).</summary>
internal sealed record StartOutcome(StartStatus Status, ExecutionRecord? Execution, QuotaRefusal? Refusal = null);

/// <summary>
/// The starter: one durable execution per trigger event, committed (row + first inbox message)
/// before the caller is answered, on the workflow's published version. When this process runs a dispatcher
/// (<see cref="LocalStarts"/> open, backlog not full), the execution is inserted already leased to it and handed
/// over in memory, so its first turn needs no claim. Better still, that dispatcher decides the first turn before the
/// insert, and the store writes it in the start's own commit in place of the inbox message (one commit fewer per run);
/// a store that does not take it (a burst of starts on PostgreSQL, a turn that sets timers or starts children) starts
/// the execution as before, and the turn is decided again from the hand-off. The workflow is not read on every start
/// either: the version last seen published is started on, and the store's insert checks it still is (a publish, an
/// unpublish or a delete by any process is seen by the next start, which then reads the workflow).
/// </summary>
internal sealed class ExecutionStarter(
    IExecutionClientStore store, IWorkflowStore workflows, EngineSignals signals, StartQuota quota, LocalStarts localStarts, IOptions<EngineOptions> options,
    TimeProvider clock)
{
    /// <summary>Past this many workflows remembered, the memory of published versions starts again (a read per workflow refills it).</summary>
    private const int MaxRemembered = 50_000;

    /// <summary>
    /// The version each workflow had published when this process last read it. A start runs on it without reading the
    /// workflow, and the store's insert checks that it is still the published one (<see cref="NewExecution.RequirePublishedVersion"/>):
    /// a publish, unpublish or delete by any process is seen by the next start, which then reads the workflow again.
    /// </summary>
    private readonly ConcurrentDictionary<(string OrgId, string WorkflowId), int> _published = new();

    public static string NewExecutionId() => "ex_" + Guid.CreateVersion7().ToString("N");

    public async Task<StartOutcome> StartAsync(
        string orgId, string workflowId, JsonNode? triggerData, string? idempotencyKey = null, string? triggerNodeId = null,
        string? retryOf = null, int? version = null, CancellationToken ct = default)
    {
        if (version is null && _published.TryGetValue((orgId, workflowId), out var known))
        {
            try
            {
                return await StartOnAsync(orgId, workflowId, known, true, triggerData, idempotencyKey, triggerNodeId, retryOf, ct);
            }
            catch (WorkflowVersionNotPublishedException)
            {
                // Published anew, unpublished or deleted since: nothing was written; read what is published now.
                _published.TryRemove(new((orgId, workflowId), known));
            }
        }
        var workflow = await workflows.GetPublicationAsync(orgId, workflowId, ct);
        if (workflow is null) return new StartOutcome(StartStatus.WorkflowNotFound, null);
        var pinned = version ?? workflow.PublishedVersion;
        if (pinned is null) return new StartOutcome(StartStatus.NotPublished, null);
        if (version is null)
        {
            if (_published.Count >= MaxRemembered) _published.Clear();
            _published[(orgId, workflowId)] = pinned.Value;
        }
        return await StartOnAsync(orgId, workflowId, pinned.Value, false, triggerData, idempotencyKey, triggerNodeId, retryOf, ct);
    }

    /// <summary>A start on <paramref name="pinned"/>; <paramref name="unread"/>: the version was remembered, not read (the store checks it).</summary>
    private async Task<StartOutcome> StartOnAsync(
        string orgId, string workflowId, int pinned, bool unread, JsonNode? triggerData, string? idempotencyKey, string? triggerNodeId, string? retryOf,
        CancellationToken ct)
    {
        if (await quota.TryStartAsync(orgId, ct) is { } refused)
        {
            // A client repeating a start it made (same Idempotency-Key) gets that execution whatever the quota: it starts nothing.
            if (idempotencyKey is not null && await store.FindByIdempotencyKeyAsync(orgId, idempotencyKey, ct) is { } first)
            {
                return new StartOutcome(StartStatus.Existing, first);
            }
            return new StartOutcome(StartStatus.QuotaExceeded, null, refused);
        }

        StartResult result;
        Dispatcher? dispatcher = null;
        Dispatcher.FirstTurn? firstTurn = null;
        var executionId = NewExecutionId();
        // The start's commit, in the new execution's trace; the caller's span (the HTTP or hook request) and it link to each other.
        using var span = StartTelemetry.Start(executionId, workflowId);
        try
        {
            var lease = localStarts.Lease(options.Value.OrchestrationLease);
            // The local dispatcher decides the first turn now, so that the start's own commit writes it (when the store takes it).
            dispatcher = lease is null || !store.LikelyWritesFirstTurn ? null : localStarts.Dispatcher;
            if (dispatcher is not null)
            {
                var now = clock.GetUtcNow();
                var started = new ExecutionStarted(workflowId, pinned, triggerData?.DeepClone(), triggerNodeId, null, null, 0) { Timestamp = now };
                firstTurn = await dispatcher.DecideFirstTurnAsync(
                    new ExecutionRecord(executionId, orgId, workflowId, pinned, ExecutionStatus.Pending, triggerData, null, null, null, retryOf, now, null, now, 0),
                    started, ct);
            }
            result = await store.StartAsync(new NewExecution(executionId, orgId, workflowId, pinned, triggerData, triggerNodeId, idempotencyKey, RetryOf: retryOf,
                Lease: lease, FirstTurn: firstTurn?.Commit, RequirePublishedVersion: unread), ct);
        }
        catch
        {
            quota.GiveBack(orgId);
            throw;
        }
        StartTelemetry.Started(span, result.Execution.Id, result.Existing);
        if (result.Existing) quota.GiveBack(orgId);
        else if (result.FirstTurn is { } written && firstTurn is not null) dispatcher!.FirstTurnWritten(result.Execution, firstTurn, written);
        // A leased start that cannot be handed over (the dispatcher stopped meanwhile) waits for its lease to expire or be released.
        else if (result.FirstMessage is not { } first || !localStarts.TryPost(new OrchestrationWorkItem(result.Execution, [first]))) signals.WakeDispatcher();
        return new StartOutcome(result.Existing ? StartStatus.Existing : StartStatus.Started, result.Execution);
    }
}
