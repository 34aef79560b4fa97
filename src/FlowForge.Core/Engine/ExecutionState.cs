using System.Text.Json.Nodes;
using FlowForge.Core.Engine.History;
using FlowForge.Core.Storage;
using FlowForge.Core.Catalog;

namespace FlowForge.Core.Engine;

/// <summary>
/// The fold of an execution's history: what every step is doing, the variables, timers and buffered
/// events. Built only by <see cref="Apply"/>, so the same history always gives the same state; the
/// dispatcher may keep one between turns and apply just the new events.
/// </summary>
public sealed class ExecutionState(string executionId)
{
    private readonly Dictionary<string, StepState> _steps = new(StringComparer.Ordinal);
    private readonly List<StepState> _stepOrder = [];
    private readonly List<StepState> _completed = [];
    private readonly Dictionary<string, List<StepState>> _completedByScope = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (TimerPurpose Purpose, string StepKey, bool Fired)> _timers = new(StringComparer.Ordinal);
    private readonly List<EventRaised> _bufferedEvents = [];
    private readonly Dictionary<string, int> _attemptBase = new(StringComparer.Ordinal);

    public string ExecutionId { get; } = executionId;
    public ExecutionStarted? Started { get; private set; }
    public DateTimeOffset StartedAt { get; private set; }

    /// <summary>The time of the latest event applied: the decider's only clock.</summary>
    public DateTimeOffset Now { get; private set; }

    public int EventCount { get; private set; }
    public bool CancelRequested { get; private set; }
    public string? CancelReason { get; private set; }

    /// <summary>Completed, failed or cancelled once a terminal event is applied; null while running.</summary>
    public string? TerminalStatus { get; private set; }

    public JsonNode? Output { get; private set; }
    public string? Error { get; private set; }

    /// <summary>Variables set by set-variable steps (top level; loop items are scoped, see the decider).</summary>
    public JsonObject Vars { get; } = [];

    /// <summary>Steps in the order they first appeared.</summary>
    public IReadOnlyList<StepState> Steps => _stepOrder;

    /// <summary>Completed steps in completion order.</summary>
    public IReadOnlyList<StepState> CompletedSteps => _completed;

    public StepState? Step(string stepKey) => _steps.GetValueOrDefault(stepKey);

    /// <summary>Completed steps of one scope, in completion order (so templates need not scan every loop iteration's steps).</summary>
    public IReadOnlyList<StepState> CompletedIn(string scope) => _completedByScope.TryGetValue(scope, out var list) ? list : [];

    /// <summary>Attempts a step made before the last resume (0 if never resumed): numbering continues after them.</summary>
    public int AttemptBaseFor(string stepKey) => _attemptBase.GetValueOrDefault(stepKey);

    /// <summary>
    /// The history event types that decide which steps wait for an event: a wait opens it; an event, its timeout timer
    /// or a resume closes it. Folding only these gives the same waiting steps as the whole history: no other event
    /// moves a step into or out of <see cref="StepPhase.Waiting"/>, and an approval step is created by its wait.
    /// </summary>
    public static readonly IReadOnlyList<Type> WaitEventTypes = [typeof(WaitStarted), typeof(EventRaised), typeof(TimerCreated), typeof(TimerFired), typeof(ExecutionResumed)];

    /// <summary>The names of the events steps wait for now, from a history holding at least the <see cref="WaitEventTypes"/>.</summary>
    public static IReadOnlyList<string> AwaitedEvents(string executionId, IEnumerable<HistoryEvent> history) =>
        [.. Replay(executionId, history).Steps.Where(s => s.Phase == StepPhase.Waiting && s.EventName is not null).Select(s => s.EventName!).Distinct()];

    public static ExecutionState Replay(string executionId, IEnumerable<HistoryEvent> history)
    {
        var state = new ExecutionState(executionId);
        foreach (var e in history) state.Apply(e);
        return state;
    }

    /// <summary>
    /// Whether an incoming message still means something: a result for the attempt that is running,
    /// a timer not yet fired, an event for a live execution. Stale and duplicate deliveries (an activity
    /// that ran twice after a lost lease) are dropped so each step's output is recorded once.
    /// </summary>
    public bool Accepts(HistoryEvent e) => e switch
    {
        ExecutionStarted => Started is null,
        StepCompleted c when !c.Inline => TerminalStatus is null && Step(c.StepKey) is { Phase: StepPhase.Scheduled } s && s.Attempt == c.Attempt,
        StepFailed f when !f.Inline => TerminalStatus is null && Step(f.StepKey) is { Phase: StepPhase.Scheduled } s && s.Attempt == f.Attempt,
        TimerFired t => TerminalStatus is null && _timers.TryGetValue(t.TimerId, out var timer) && !timer.Fired,
        EventRaised => TerminalStatus is null && Started is not null,
        History.CancelRequested _ => TerminalStatus is null && !CancelRequested,
        ExecutionResumed => TerminalStatus == ExecutionStatus.Failed,
        ChildCompleted c => TerminalStatus is null && Step(c.StepKey) is { Phase: StepPhase.ChildRunning } s && s.ChildExecutionId == c.ChildExecutionId,
        ChildFailed c => TerminalStatus is null && Step(c.StepKey) is { Phase: StepPhase.ChildRunning } s && s.ChildExecutionId == c.ChildExecutionId,
        _ => false,
    };

    public void Apply(HistoryEvent e)
    {
        EventCount++;
        if (e.Timestamp > Now) Now = e.Timestamp;
        switch (e)
        {
            case ExecutionStarted started:
                Started = started;
                StartedAt = e.Timestamp;
                break;
            case StepScheduled s:
            {
                var step = GetOrAdd(s.StepKey, s.NodeId, s.NodeType);
                step.Phase = StepPhase.Scheduled;
                step.Attempt = s.Attempt;
                step.Input = s.Input;
                step.StartedAt ??= e.Timestamp;
                break;
            }
            case StepCompleted c:
            {
                var step = GetOrAdd(c.StepKey, c.NodeId, c.NodeType);
                // Histories stored before StepCompleted carried the flag lack it. Only the decider's Settle completes a
                // step whose attempt failed (a worker's result is accepted only while the step is Scheduled, and the
                // other inline completions follow a delay, a wait or a child), so such a completion is onError's.
                step.SettledByOnError = c.SettledByOnError || step.Phase == StepPhase.AttemptFailed;
                step.Phase = StepPhase.Completed;
                step.Attempt = Math.Max(step.Attempt, c.Attempt);
                step.Output = c.Output;
                step.Port = c.Port;
                if (c.Input is not null) step.Input = c.Input;
                step.StartedAt ??= e.Timestamp;
                step.CompletedAt = e.Timestamp;
                step.CompletionIndex = _completed.Count;
                _completed.Add(step);
                if (!_completedByScope.TryGetValue(step.Scope, out var inScope)) _completedByScope[step.Scope] = inScope = [];
                inScope.Add(step);
                if (c.NodeType == NodeTypeNames.LogicSetVariable && c.Output is JsonObject vars && c.Port != Catalog.NodeTypeDescriptor.ErrorPort)
                {
                    foreach (var (name, value) in vars) Vars[name] = value?.DeepClone();
                }
                break;
            }
            case StepFailed f:
            {
                var step = GetOrAdd(f.StepKey, f.NodeId, f.NodeType);
                step.Phase = StepPhase.AttemptFailed;
                step.Attempt = Math.Max(step.Attempt, f.Attempt);
                step.Error = f.Error;
                // An inline step is decided from data that does not change, so retrying it is pointless; a sub-workflow
                // refused by the start quota is the exception (the quota passes), and says so with Retryable.
                step.Retryable = f.Retryable && (!f.Inline || f.NodeType == NodeTypeNames.LogicSubworkflow);
                step.RetryAfter = f.RetryAfter;
                if (f.Input is not null) step.Input = f.Input;
                step.StartedAt ??= e.Timestamp;
                break;
            }
            case LoopStarted l:
            {
                var step = GetOrAdd(l.StepKey, l.NodeId, NodeTypeNames.LogicLoop);
                step.Phase = StepPhase.LoopRunning;
                step.LoopItems = l.Items;
                step.Input = l.Input;
                step.StartedAt ??= e.Timestamp;
                break;
            }
            case TimerCreated t:
            {
                _timers[t.TimerId] = (t.Purpose, t.StepKey, false);
                if (t.Purpose == TimerPurpose.Delay && t.NodeId is not null)
                {
                    var delay = GetOrAdd(t.StepKey, t.NodeId, NodeTypeNames.LogicDelay);
                    delay.Input = t.Input;
                    delay.StartedAt ??= e.Timestamp;
                }
                if (Step(t.StepKey) is { } step)
                {
                    step.TimerId = t.TimerId;
                    step.TimerFireAt = t.FireAt;
                    if (t.Purpose == TimerPurpose.Retry) step.Phase = StepPhase.RetryWaiting;
                    else if (t.Purpose == TimerPurpose.Delay) step.Phase = StepPhase.Delaying;
                }
                break;
            }
            case TimerFired t when _timers.TryGetValue(t.TimerId, out var timer):
            {
                _timers[t.TimerId] = timer with { Fired = true };
                if (Step(timer.StepKey) is { } step && step.TimerId == t.TimerId)
                {
                    step.Phase = (timer.Purpose, step.Phase) switch
                    {
                        (TimerPurpose.Retry, StepPhase.RetryWaiting) => StepPhase.RetryDue,
                        (TimerPurpose.Delay, StepPhase.Delaying) => StepPhase.DelayDue,
                        (TimerPurpose.WaitTimeout, StepPhase.Waiting) => StepPhase.WaitTimedOut,
                        _ => step.Phase,
                    };
                }
                break;
            }
            case WaitStarted w:
            {
                var step = GetOrAdd(w.StepKey, w.NodeId, NodeTypeNames.LogicApproval);
                step.Phase = StepPhase.Waiting;
                step.EventName = w.EventName;
                step.TimerId = w.TimeoutTimerId;
                step.TimerFireAt = w.Until;
                step.Input = w.Input;
                step.StartedAt ??= e.Timestamp;
                // An event raised before anyone waited for it is kept and consumed by the first waiter.
                var buffered = _bufferedEvents.FindIndex(b => b.Name == w.EventName);
                if (buffered >= 0)
                {
                    Resolve(step, _bufferedEvents[buffered]);
                    _bufferedEvents.RemoveAt(buffered);
                }
                break;
            }
            case EventRaised r:
            {
                var waiter = _stepOrder.FirstOrDefault(s => s.Phase == StepPhase.Waiting && s.EventName == r.Name);
                if (waiter is not null) Resolve(waiter, r);
                else _bufferedEvents.Add(r);
                break;
            }
            case ChildRequested c:
            {
                var step = GetOrAdd(c.StepKey, c.NodeId, NodeTypeNames.LogicSubworkflow);
                step.Phase = StepPhase.ChildRunning;
                step.ChildExecutionId = c.ChildExecutionId;
                step.Attempt++;
                step.Input = c.Input;
                step.StartedAt ??= e.Timestamp;
                break;
            }
            case ChildCompleted c when Step(c.StepKey) is { } step:
                step.Phase = StepPhase.ChildDone;
                step.Output = c.Output;
                break;
            case ChildFailed c when Step(c.StepKey) is { } step:
                step.Phase = StepPhase.AttemptFailed;
                step.Error = c.Error;
                step.Retryable = false;
                break;
            case CancelRequested c:
                CancelRequested = true;
                CancelReason = c.Reason;
                break;
            case ExecutionResumed:
                TerminalStatus = null;
                Error = null;
                // The steps that failed the run start over; finished steps keep their outputs. So do the steps that
                // were still waiting for an activity result, a timer, an event or a child when the run failed: the
                // store drops a finished run's pending activities and messages, and nothing for them is accepted while
                // the run is failed, so what they wait for never comes (a parallel branch would hang the join forever).
                // Steps whose outcome is already recorded (a due timer, a resolved wait, a finished child) keep it.
                foreach (var step in _stepOrder.Where(s => s.Phase is StepPhase.FailedTerminal or StepPhase.Scheduled or StepPhase.RetryWaiting
                             or StepPhase.Delaying or StepPhase.Waiting or StepPhase.ChildRunning).ToList())
                {
                    // Delays and waits never raise Attempt past the base, yet their start used base + 1 (in the timer id).
                    _attemptBase[step.StepKey] = Math.Max(step.Attempt, step.AttemptBase + 1);
                    _steps.Remove(step.StepKey);
                    _stepOrder.Remove(step);
                }
                break;
            case ExecutionCompleted done:
                TerminalStatus = ExecutionStatus.Completed;
                Output = done.Output;
                break;
            case ExecutionFailed failed:
                TerminalStatus = ExecutionStatus.Failed;
                Error = failed.Error;
                if (failed.StepKey is not null && Step(failed.StepKey) is { } failedStep) failedStep.Phase = StepPhase.FailedTerminal;
                break;
            case ExecutionCancelled cancelled:
                TerminalStatus = ExecutionStatus.Cancelled;
                Error = cancelled.Reason is null ? "Cancelled." : "Cancelled: " + cancelled.Reason;
                break;
        }
    }

    /// <summary>The status row's value: terminal, or waiting when every open step waits on time or the outside world.</summary>
    public string Status
    {
        get
        {
            if (TerminalStatus is not null) return TerminalStatus;
            if (Started is null) return ExecutionStatus.Pending;
            var open = _stepOrder.Where(s => !s.IsSettled && s.Phase != StepPhase.LoopRunning).ToList();
            return open.Count > 0 && open.All(s => s.Phase is StepPhase.Delaying or StepPhase.Waiting or StepPhase.ChildRunning)
                ? ExecutionStatus.Waiting
                : ExecutionStatus.Running;
        }
    }

    private StepState GetOrAdd(string stepKey, string nodeId, string nodeType)
    {
        if (_steps.TryGetValue(stepKey, out var step)) return step;
        var scope = stepKey.Length > nodeId.Length ? stepKey[nodeId.Length..] : "";
        step = new StepState(stepKey, nodeId, nodeType, scope) { AttemptBase = _attemptBase.GetValueOrDefault(stepKey) };
        step.Attempt = step.AttemptBase;
        _steps[stepKey] = step;
        _stepOrder.Add(step);
        return step;
    }

    private static void Resolve(StepState step, EventRaised e)
    {
        step.Phase = StepPhase.WaitResolved;
        step.EventPayload = e.Payload;
    }
}
