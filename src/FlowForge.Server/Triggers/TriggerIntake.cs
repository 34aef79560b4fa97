using System.Text.Json;
using System.Text.Json.Nodes;
using FlowForge.Core.Expressions;
using FlowForge.Core.Storage;
using FlowForge.Server.Engine;

namespace FlowForge.Server.Triggers;

internal enum DeliveryKind { Started, Duplicate, Filtered, NotPublished, Throttled }

/// <summary>What became of one trigger event; <see cref="Refusal"/> is set when a quota refused it (nothing was started or logged).</summary>
internal sealed record Delivery(DeliveryKind Kind, string? ExecutionId, string? Detail = null, QuotaRefusal? Refusal = null);

/// <summary>
/// The common path of every trigger event: dedup, filter, start. An accepted event is a committed pending execution
/// before this returns (the starter commits first), so nothing acknowledged is lost. With a dedup key, the
/// execution's idempotency key is <c>trigger:&lt;workflowId&gt;/&lt;stepId&gt;:&lt;dedupKey&gt;</c>, so even two
/// deliveries racing in two processes start one execution; the event log answers later duplicates like the first.
/// </summary>
internal sealed class TriggerIntake(ITriggerStore store, ExecutionStarter starter, TimeProvider time)
{
    public static string IdempotencyKey(TriggerEndpoint endpoint, string dedupKey) => $"trigger:{endpoint.WorkflowId}/{endpoint.StepId}:{dedupKey}";

    public async Task<Delivery> DeliverAsync(TriggerEndpoint endpoint, JsonNode triggerData, string? dedupKey, bool countDuplicates = true, CancellationToken ct = default)
    {
        if (dedupKey is not null && await store.FindEventAsync(endpoint.OrgId, endpoint.WorkflowId, endpoint.StepId, dedupKey, ct) is { } first)
        {
            if (countDuplicates) await Record(endpoint, TriggerOutcome.Duplicate, null, first.ExecutionId, dedupKey, ct);
            return first.Outcome == TriggerOutcome.Filtered
                ? new Delivery(DeliveryKind.Filtered, null, first.Detail)
                : new Delivery(DeliveryKind.Duplicate, first.ExecutionId);
        }

        if (!PassesFilter(endpoint.Config?["filter"], triggerData, out var reason))
        {
            await Record(endpoint, TriggerOutcome.Filtered, dedupKey, null, reason, ct);
            return new Delivery(DeliveryKind.Filtered, null, reason);
        }

        var outcome = await starter.StartAsync(endpoint.OrgId, endpoint.WorkflowId, triggerData,
            dedupKey is null ? null : IdempotencyKey(endpoint, dedupKey), endpoint.StepId, ct: ct);
        switch (outcome.Status)
        {
            case StartStatus.WorkflowNotFound:
            case StartStatus.NotPublished:
                return new Delivery(DeliveryKind.NotPublished, null);
            case StartStatus.QuotaExceeded:
                // Not accepted, so not logged: the sender is told to come back (429), and a dedup key still works then.
                return new Delivery(DeliveryKind.Throttled, null, outcome.Refusal!.Message, outcome.Refusal);
            case StartStatus.Existing:
                // A concurrent delivery (or one logged before a crash) started it: make sure it is logged once.
                var logged = await Record(endpoint, TriggerOutcome.Accepted, dedupKey, outcome.Execution!.Id, null, ct);
                if (!logged && countDuplicates) await Record(endpoint, TriggerOutcome.Duplicate, null, outcome.Execution.Id, dedupKey, ct);
                return new Delivery(logged ? DeliveryKind.Started : DeliveryKind.Duplicate, outcome.Execution.Id);
            default:
                await Record(endpoint, TriggerOutcome.Accepted, dedupKey, outcome.Execution!.Id, null, ct);
                return new Delivery(DeliveryKind.Started, outcome.Execution.Id);
        }
    }

    public Task<bool> Record(TriggerEndpoint endpoint, string outcome, string? dedupKey, string? executionId, string? detail, CancellationToken ct) =>
        store.RecordEventAsync(new TriggerEventRecord(0, endpoint.OrgId, endpoint.WorkflowId, endpoint.StepId, endpoint.Type, outcome, dedupKey,
            executionId, detail, time.GetUtcNow()), ct);

    /// <summary>
    /// A trigger's <c>filter</c> (<c>{combinator, conditions}</c> or any condition form) against the event as trigger
    /// data. No filter, or no conditions, lets everything through; a filter that cannot be evaluated lets nothing through.
    /// </summary>
    public static bool PassesFilter(JsonNode? filter, JsonNode triggerData, out string? reason)
    {
        reason = null;
        if (filter is null) return true;
        if (filter is JsonObject obj && (obj["conditions"] is null || obj["conditions"] is JsonArray { Count: 0 })) return true;
        try
        {
            var element = JsonSerializer.SerializeToElement(filter);
            var context = new ExpressionContext(triggerData);
            if (ConditionEvaluator.Evaluate(element, context)) return true;
            reason = "The event did not match the trigger's filter.";
            return false;
        }
        catch (ConditionException e)
        {
            reason = "The trigger's filter cannot be evaluated: " + e.Message;
            return false;
        }
    }
}
