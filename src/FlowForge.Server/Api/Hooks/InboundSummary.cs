using System.Text.Json.Nodes;
using FlowForge.Core.Storage;
using FlowForge.Server.Engine;
using FlowForge.Server.Triggers;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FlowForge.Server.Api.Hooks;

/// <summary>Tallies the outcomes of one inbound request's deliveries (a WhatsApp notification, an email or a call) to the matching triggers.</summary>
internal sealed class InboundSummary
{
    public int Messages;
    private readonly JsonArray _started = [];
    private int _filtered, _duplicates;

    /// <summary>Set when a quota refused a delivery: the sender is answered 429 so it retries (its message id dedups what did start).</summary>
    public QuotaRefusal? Refusal { get; private set; }

    public async Task DeliverAsync(TriggerIntake intake, IEnumerable<TriggerEndpoint> targets, JsonObject data, string? dedup, CancellationToken ct)
    {
        foreach (var endpoint in targets)
        {
            var delivery = await intake.DeliverAsync(endpoint, data.DeepClone(), dedup, ct: ct);
            switch (delivery.Kind)
            {
                case DeliveryKind.Started:
                    _started.Add(new JsonObject { ["workflowId"] = endpoint.WorkflowId, ["executionId"] = delivery.ExecutionId });
                    break;
                case DeliveryKind.Duplicate:
                    _duplicates++;
                    _started.Add(new JsonObject { ["workflowId"] = endpoint.WorkflowId, ["executionId"] = delivery.ExecutionId, ["duplicate"] = true });
                    break;
                case DeliveryKind.Filtered:
                    _filtered++;
                    break;
                case DeliveryKind.Throttled:
                    Refusal ??= delivery.Refusal;
                    break;
            }
        }
    }

    public JsonObject ToResponse() => new()
    {
        ["received"] = Messages,
        ["executions"] = _started.DeepClone(),
        ["filtered"] = _filtered,
        ["duplicates"] = _duplicates,
    };

    /// <summary>429 when a quota refused; else 202 when something started (or was a repeat), 200 when nothing matched.</summary>
    public Results<JsonHttpResult<JsonObject>, ProblemHttpResult> Result(HttpResponse response)
    {
        if (Refusal is not null) return QuotaProblem.TooManyStarts(response, Refusal);
        if (_duplicates > 0 && _duplicates == _started.Count) response.Headers["Idempotent-Replayed"] = "true";
        return TypedResults.Json(ToResponse(), statusCode: _started.Count > 0 ? StatusCodes.Status202Accepted : StatusCodes.Status200OK);
    }
}
