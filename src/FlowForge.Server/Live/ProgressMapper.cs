using System.Text.Json.Nodes;
using FlowForge.Core.Engine;
using FlowForge.Core.Engine.History;
using FlowForge.Core.Storage;
using FlowForge.Server.Engine;
using FlowForge.Core.Catalog;

namespace FlowForge.Server.Live;

/// <summary>
/// One live event for SignalR clients. <see cref="Lifecycle"/> events (started, waiting, completed,
/// failed, resync) go to the execution's workflow subscribers and its execution subscribers; step events
/// go to execution subscribers only. <see cref="Sequence"/> is the history sequence of the event it
/// comes from (strictly increasing per execution; at most one live event per history event).
/// </summary>
internal sealed record ProgressEvent(string Name, string ExecutionId, string OrgId, string WorkflowId, long Sequence, bool Lifecycle, JsonObject Payload)
{
    private RawJson? _serialized;

    /// <summary>The payload serialized once, however many connections it goes to (the router serializes it before fanning out).</summary>
    public RawJson Serialized => _serialized ??= new RawJson(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(Payload));
}

/// <summary>Already-serialized JSON, written as is into SignalR's JSON protocol messages.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(RawJsonConverter))]
internal sealed class RawJson(byte[] utf8)
{
    public byte[] Utf8 { get; } = utf8;
}

internal sealed class RawJsonConverter : System.Text.Json.Serialization.JsonConverter<RawJson>
{
    public override RawJson Read(ref System.Text.Json.Utf8JsonReader reader, Type typeToConvert, System.Text.Json.JsonSerializerOptions options)
    {
        using var document = System.Text.Json.JsonDocument.ParseValue(ref reader);
        return new RawJson(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(document.RootElement));
    }

    public override void Write(System.Text.Json.Utf8JsonWriter writer, RawJson value, System.Text.Json.JsonSerializerOptions options) =>
        writer.WriteRawValue(value.Utf8, skipInputValidation: true);
}

/// <summary>Live event names, as the original platform named them.</summary>
internal static class LiveEventNames
{
    public const string Started = "execution:started";
    public const string Step = "execution:step";
    public const string Waiting = "execution:waiting";
    public const string Completed = "execution:completed";
    public const string Failed = "execution:failed";
    public const string Resync = "execution:resync";
}

/// <summary>
/// Maps committed history to live events: a pure function of the committed turn and of the step start
/// times seen so far for that execution (<paramref name="stepStarts"/> in <see cref="Map"/>, which it
/// updates; without them a step event simply has no <c>duration</c>).
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>ExecutionStarted</c> → <c>execution:started</c>.</item>
/// <item><c>StepScheduled</c>, <c>LoopStarted</c>, <c>ChildRequested</c> → <c>execution:step</c> <c>running</c>.</item>
/// <item><c>TimerCreated</c> of a delay → <c>execution:waiting</c> with <c>until</c>; <c>WaitStarted</c> (approval) → <c>execution:waiting</c> with <c>eventName</c> and its timeout as <c>until</c>.</item>
/// <item><c>StepCompleted</c> → <c>execution:step</c> <c>completed</c> (<c>failed</c> when onError settled it, see <see cref="StepStatus"/>) with <c>output</c>. Inline logic steps (condition, set variable, A/B split, trigger) have no running event.</item>
/// <item><c>StepFailed</c> → <c>execution:step</c> <c>retrying</c> when the same turn creates its retry timer, else <c>failed</c>; both with <c>error</c>.</item>
/// <item><c>ExecutionCompleted</c> → <c>execution:completed</c> (status completed); <c>ExecutionCancelled</c> → <c>execution:completed</c> with status <c>cancelled</c>; <c>ExecutionFailed</c> → <c>execution:failed</c>.</item>
/// <item>Retry and wait-timeout timers, fired timers, raised events, child outcomes, cancel requests and resumes produce nothing: their effect shows as the step events that follow.</item>
/// </list>
/// </remarks>
internal static class ProgressMapper
{
    public static IReadOnlyList<ProgressEvent> Map(ExecutionProgress progress, IDictionary<string, DateTimeOffset>? stepStarts = null)
    {
        var result = new List<ProgressEvent>();
        var events = progress.Events;
        for (var i = 0; i < events.Count; i++)
        {
            var sequence = progress.FirstSequence + i;
            var e = events[i];
            switch (e)
            {
                case ExecutionStarted s:
                    result.Add(Lifecycle(LiveEventNames.Started, progress, sequence, new JsonObject
                    {
                        ["startedAt"] = Time(progress.CreatedAt ?? s.Timestamp),
                        ["version"] = s.Version,
                        ["parentExecutionId"] = s.ParentExecutionId,
                    }));
                    break;
                case StepScheduled s:
                    Started(stepStarts, s.StepKey, s.Timestamp);
                    result.Add(Step(progress, sequence, s.StepKey, s.NodeId, s.NodeType, StepStatus.Running, s.Attempt));
                    break;
                case LoopStarted s:
                    Started(stepStarts, s.StepKey, s.Timestamp);
                    result.Add(Step(progress, sequence, s.StepKey, s.NodeId, NodeTypeNames.LogicLoop, StepStatus.Running, 1));
                    break;
                case ChildRequested s:
                {
                    Started(stepStarts, s.StepKey, s.Timestamp);
                    var step = Step(progress, sequence, s.StepKey, s.NodeId, NodeTypeNames.LogicSubworkflow, StepStatus.Running, 1);
                    step.Payload["childExecutionId"] = s.ChildExecutionId;
                    result.Add(step);
                    break;
                }
                case TimerCreated { Purpose: TimerPurpose.Delay } t:
                    Started(stepStarts, t.StepKey, t.Timestamp);
                    result.Add(Lifecycle(LiveEventNames.Waiting, progress, sequence, new JsonObject
                    {
                        ["stepId"] = t.StepKey,
                        ["nodeId"] = t.NodeId,
                        ["nodeType"] = NodeTypeNames.LogicDelay,
                        ["until"] = Time(t.FireAt),
                    }));
                    break;
                case WaitStarted w:
                    Started(stepStarts, w.StepKey, w.Timestamp);
                    result.Add(Lifecycle(LiveEventNames.Waiting, progress, sequence, new JsonObject
                    {
                        ["stepId"] = w.StepKey,
                        ["nodeId"] = w.NodeId,
                        ["nodeType"] = NodeTypeNames.LogicApproval,
                        ["eventName"] = w.EventName,
                        ["until"] = Time(w.Until),
                    }));
                    break;
                case StepCompleted c:
                {
                    var step = Step(progress, sequence, c.StepKey, c.NodeId, c.NodeType, StepStatus.Of(StepPhase.Completed, c.SettledByOnError), c.Attempt);
                    step.Payload["output"] = c.Output?.DeepClone();
                    step.Payload["port"] = c.Port;
                    if (Duration(stepStarts, c.StepKey, c.Timestamp, c.Inline, remove: true) is { } d) step.Payload["duration"] = d;
                    result.Add(step);
                    break;
                }
                case StepFailed f:
                {
                    var retrying = WillRetry(events, i + 1, f.StepKey);
                    var step = Step(progress, sequence, f.StepKey, f.NodeId, f.NodeType, StepStatus.Of(retrying ? StepPhase.RetryWaiting : StepPhase.FailedTerminal, false), f.Attempt);
                    step.Payload["error"] = f.Error;
                    if (Duration(stepStarts, f.StepKey, f.Timestamp, f.Inline, remove: !retrying) is { } d) step.Payload["duration"] = d;
                    result.Add(step);
                    break;
                }
                case ExecutionCompleted c:
                    result.Add(Finished(progress, sequence, ExecutionStatus.Completed, c.Timestamp));
                    break;
                case ExecutionCancelled c:
                {
                    var finished = Finished(progress, sequence, ExecutionStatus.Cancelled, c.Timestamp);
                    finished.Payload["reason"] = c.Reason;
                    result.Add(finished);
                    break;
                }
                case ExecutionFailed f:
                    result.Add(Lifecycle(LiveEventNames.Failed, progress, sequence, new JsonObject
                    {
                        ["status"] = ExecutionStatus.Failed,
                        ["error"] = f.Error,
                        ["stepId"] = f.StepKey,
                        ["completedAt"] = Time(f.Timestamp),
                        ["totalDuration"] = TotalDuration(progress, f.Timestamp),
                    }));
                    break;
            }
        }
        return result;
    }

    /// <summary>The hint sent when events of an execution were dropped for a client: refetch <c>GET /api/executions/{id}</c>.</summary>
    public static ProgressEvent Resync(string executionId, string orgId, string workflowId, DateTimeOffset now) =>
        new(LiveEventNames.Resync, executionId, orgId, workflowId, 0, true, new JsonObject
        {
            ["executionId"] = executionId,
            ["workflowId"] = workflowId,
            ["sentAt"] = Time(now),
        });

    /// <summary>A failed attempt is retried when the same turn creates a retry timer for the step.</summary>
    private static bool WillRetry(IReadOnlyList<HistoryEvent> events, int from, string stepKey)
    {
        for (var j = from; j < events.Count; j++)
        {
            if (events[j] is TimerCreated { Purpose: TimerPurpose.Retry } t && t.StepKey == stepKey) return true;
        }
        return false;
    }

    private static ProgressEvent Finished(ExecutionProgress progress, long sequence, string status, DateTimeOffset at) =>
        Lifecycle(LiveEventNames.Completed, progress, sequence, new JsonObject
        {
            ["status"] = status,
            ["completedAt"] = Time(at),
            ["totalDuration"] = TotalDuration(progress, at),
        });

    private static ProgressEvent Step(ExecutionProgress progress, long sequence, string stepKey, string nodeId, string nodeType, string status, int attempt) =>
        new(LiveEventNames.Step, progress.ExecutionId, progress.OrgId, progress.WorkflowId, sequence, false, Envelope(progress, sequence, new JsonObject
        {
            ["stepId"] = stepKey,
            ["nodeId"] = nodeId,
            ["nodeType"] = nodeType,
            ["status"] = status,
            ["attempt"] = Math.Max(1, attempt),
        }));

    private static ProgressEvent Lifecycle(string name, ExecutionProgress progress, long sequence, JsonObject fields) =>
        new(name, progress.ExecutionId, progress.OrgId, progress.WorkflowId, sequence, true, Envelope(progress, sequence, fields));

    /// <summary>Every event starts with the execution, its workflow, its sequence and when its turn was committed.</summary>
    private static JsonObject Envelope(ExecutionProgress progress, long sequence, JsonObject fields)
    {
        var payload = new JsonObject
        {
            ["executionId"] = progress.ExecutionId,
            ["workflowId"] = progress.WorkflowId,
            ["sequence"] = sequence,
        };
        foreach (var (k, v) in fields.ToList())
        {
            fields.Remove(k);
            payload[k] = v;
        }
        payload["committedAt"] = Time(progress.CommittedAt);
        return payload;
    }

    private static double? TotalDuration(ExecutionProgress progress, DateTimeOffset at) =>
        progress.CreatedAt is { } created ? Math.Max(0, (at - created).TotalMilliseconds) : null;

    private static void Started(IDictionary<string, DateTimeOffset>? starts, string stepKey, DateTimeOffset at)
    {
        if (starts is not null) starts[stepKey] = at;
    }

    private static double? Duration(IDictionary<string, DateTimeOffset>? starts, string stepKey, DateTimeOffset at, bool inline, bool remove)
    {
        if (starts is not null && starts.TryGetValue(stepKey, out var started))
        {
            if (remove) starts.Remove(stepKey);
            return Math.Max(0, (at - started).TotalMilliseconds);
        }
        // An inline step is decided and completed in the same instant.
        return inline ? 0 : null;
    }

    private static JsonNode? Time(DateTimeOffset at) => at == default ? null : JsonValue.Create(at.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", System.Globalization.CultureInfo.InvariantCulture));
}
