using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace FlowForge.Core.Engine.History;

/// <summary>
/// One entry of an execution's append-only history. The decider's state is a fold of these, so
/// every field a decision depends on is recorded here (inputs, outputs, chosen ports, timer times).
/// <see cref="Timestamp"/> is stamped by whoever appends the event, never read from a clock by the decider.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(ExecutionStarted), "executionStarted")]
[JsonDerivedType(typeof(StepScheduled), "stepScheduled")]
[JsonDerivedType(typeof(StepCompleted), "stepCompleted")]
[JsonDerivedType(typeof(StepFailed), "stepFailed")]
[JsonDerivedType(typeof(LoopStarted), "loopStarted")]
[JsonDerivedType(typeof(TimerCreated), "timerCreated")]
[JsonDerivedType(typeof(TimerFired), "timerFired")]
[JsonDerivedType(typeof(WaitStarted), "waitStarted")]
[JsonDerivedType(typeof(EventRaised), "eventRaised")]
[JsonDerivedType(typeof(ChildRequested), "childRequested")]
[JsonDerivedType(typeof(ChildCompleted), "childCompleted")]
[JsonDerivedType(typeof(ChildFailed), "childFailed")]
[JsonDerivedType(typeof(CancelRequested), "cancelRequested")]
[JsonDerivedType(typeof(ExecutionResumed), "executionResumed")]
[JsonDerivedType(typeof(ExecutionCompleted), "executionCompleted")]
[JsonDerivedType(typeof(ExecutionFailed), "executionFailed")]
[JsonDerivedType(typeof(ExecutionCancelled), "executionCancelled")]
public abstract record HistoryEvent
{
    public DateTimeOffset Timestamp { get; init; }
}

/// <summary>The first event: the pinned version, the trigger data and, for a child, its parent.</summary>
/// <remarks>
/// <see cref="Depth"/> is how many sub-workflow levels separate this execution from the top-level one (0): it travels
/// with the child durably, so the nesting limit holds across restarts and processes. Not written when 0.
/// </remarks>
public sealed record ExecutionStarted(
    string WorkflowId,
    int Version,
    JsonNode? TriggerData,
    string? TriggerNodeId = null,
    string? ParentExecutionId = null,
    string? ParentStepKey = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] int Depth = 0) : HistoryEvent;

/// <summary>An activity was scheduled for a step; <see cref="Input"/> is its config with templates resolved.</summary>
public sealed record StepScheduled(string StepKey, string NodeId, string NodeType, int Attempt, JsonNode? Input, IReadOnlyList<string>? Warnings = null) : HistoryEvent;

/// <summary>A step finished; <see cref="Port"/> is the output port routing continues from.</summary>
/// <remarks>
/// <see cref="SettledByOnError"/>: the step failed and its <c>onError</c> (continue, error port) settled it; it shows
/// as failed. Recorded, never guessed from the output (a step may legitimately output <c>failed: true</c>).
/// </remarks>
public sealed record StepCompleted(
    string StepKey, string NodeId, string NodeType, int Attempt, JsonNode? Output, string Port, bool Inline = false, JsonNode? Input = null,
    IReadOnlyList<string>? Warnings = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] bool SettledByOnError = false) : HistoryEvent;

/// <summary>An attempt of a step failed. <see cref="Retryable"/> false means retries cannot help (bad config, 4xx).</summary>
/// <remarks><see cref="RetryAfter"/> is a provider's own hint (an HTTP Retry-After): the next attempt waits at least that long.</remarks>
public sealed record StepFailed(string StepKey, string NodeId, string NodeType, int Attempt, string Error, bool Retryable = true, bool Inline = false, JsonNode? Input = null, TimeSpan? RetryAfter = null) : HistoryEvent;

/// <summary>A loop froze the items it iterates over.</summary>
public sealed record LoopStarted(string StepKey, string NodeId, JsonArray Items, JsonNode? Input = null) : HistoryEvent;

/// <summary>A durable timer: a retry backoff, a delay, or the timeout of a wait.</summary>
/// <remarks>A delay's timer also starts its step, so it carries the node and the resolved config.</remarks>
public sealed record TimerCreated(string TimerId, DateTimeOffset FireAt, TimerPurpose Purpose, string StepKey, string? NodeId = null, JsonNode? Input = null) : HistoryEvent;

public sealed record TimerFired(string TimerId) : HistoryEvent;

[JsonConverter(typeof(JsonStringEnumConverter<TimerPurpose>))]
public enum TimerPurpose { Retry, Delay, WaitTimeout }

/// <summary>A step waits for an external event (an approval) until its timeout timer fires.</summary>
public sealed record WaitStarted(string StepKey, string NodeId, string EventName, string TimeoutTimerId, DateTimeOffset Until, JsonNode? Input = null) : HistoryEvent;

public sealed record EventRaised(string Name, JsonNode? Payload) : HistoryEvent;

/// <summary>A sub-workflow step asks for a child execution; the dispatcher creates it in the same transaction.</summary>
public sealed record ChildRequested(string StepKey, string NodeId, string ChildExecutionId, string WorkflowId, JsonNode? Input) : HistoryEvent;

public sealed record ChildCompleted(string StepKey, string ChildExecutionId, JsonNode? Output) : HistoryEvent;

public sealed record ChildFailed(string StepKey, string ChildExecutionId, string Error) : HistoryEvent;

public sealed record CancelRequested(string? Reason) : HistoryEvent;

/// <summary>A failed execution continues: steps that failed it run again, finished steps keep their outputs.</summary>
public sealed record ExecutionResumed : HistoryEvent;

public sealed record ExecutionCompleted(JsonNode? Output) : HistoryEvent;

public sealed record ExecutionFailed(string Error, string? StepKey = null) : HistoryEvent;

public sealed record ExecutionCancelled(string? Reason) : HistoryEvent;
