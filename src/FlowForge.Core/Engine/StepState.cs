using System.Text.Json.Nodes;

namespace FlowForge.Core.Engine;

/// <summary>Where a step is in its life, as the fold of its history events leaves it.</summary>
public enum StepPhase
{
    /// <summary>An activity attempt is scheduled or running.</summary>
    Scheduled,

    /// <summary>An attempt failed; the decider has not yet chosen between retry and onError.</summary>
    AttemptFailed,

    /// <summary>Waiting for the backoff timer before the next attempt.</summary>
    RetryWaiting,

    /// <summary>The backoff timer fired: the next attempt is due.</summary>
    RetryDue,

    /// <summary>A delay step's timer is running.</summary>
    Delaying,

    DelayDue,

    /// <summary>Waiting for an external event (approval) or its timeout.</summary>
    Waiting,

    WaitResolved,
    WaitTimedOut,

    /// <summary>A child execution is running.</summary>
    ChildRunning,

    ChildDone,

    /// <summary>A loop is iterating over its items.</summary>
    LoopRunning,

    Completed,

    /// <summary>The step failed the execution (onError stop); a resume runs it again.</summary>
    FailedTerminal,
}

/// <summary>One step instance: a node, or a node in one loop iteration (<see cref="Scope"/>).</summary>
public sealed class StepState(string stepKey, string nodeId, string nodeType, string scope)
{
    public string StepKey { get; } = stepKey;
    public string NodeId { get; } = nodeId;
    public string NodeType { get; } = nodeType;

    /// <summary>"" at the top level; <c>/loop[3]</c> (nested: <c>/outer[0]/inner[2]</c>) inside loop iterations.</summary>
    public string Scope { get; } = scope;

    public StepPhase Phase { get; set; }
    public int Attempt { get; set; }

    /// <summary>Attempts made before the last resume: the retry budget counts from here.</summary>
    public int AttemptBase { get; set; }

    public JsonNode? Input { get; set; }
    public JsonNode? Output { get; set; }
    public string? Port { get; set; }

    /// <summary>The step failed and onError settled it (continue or the error port): it shows as failed.</summary>
    public bool SettledByOnError { get; set; }
    public string? Error { get; set; }
    public bool Retryable { get; set; } = true;

    /// <summary>The last failure's provider hint of when to retry.</summary>
    public TimeSpan? RetryAfter { get; set; }
    public string? TimerId { get; set; }
    public DateTimeOffset? TimerFireAt { get; set; }
    public string? EventName { get; set; }
    public JsonNode? EventPayload { get; set; }
    public string? ChildExecutionId { get; set; }
    public JsonArray? LoopItems { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }

    /// <summary>
    /// For a running loop: iterations already known to be settled. A cache derived from the history
    /// (settling is monotonic: a finished or dead step never changes), so later rounds skip re-walking them.
    /// </summary>
    internal HashSet<int> SettledIterations { get; } = [];

    /// <summary>Position in the order steps completed; later completions shadow earlier ones in bare-name lookups.</summary>
    public int CompletionIndex { get; set; } = -1;

    public bool IsSettled => Phase is StepPhase.Completed or StepPhase.FailedTerminal;

    public static string KeyFor(string nodeId, string scope) => scope.Length == 0 ? nodeId : nodeId + scope;

    public static string IterationScope(string parentScope, string loopId, int index) => $"{parentScope}/{loopId}[{index}]";
}
