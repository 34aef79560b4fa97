using System.Text.Json.Nodes;
using FlowForge.Core.Catalog;
using FlowForge.Core.Engine.History;

namespace FlowForge.Core.Engine;

/// <summary>What one turn of the decider produced.</summary>
/// <param name="Accepted">The inbox messages that still meant something, in order: they are appended to history first.</param>
/// <param name="Decisions">The decider's new events, appended after them.</param>
/// <param name="Status">The execution's status after the turn.</param>
public sealed record DeciderResult(IReadOnlyList<HistoryEvent> Accepted, IReadOnlyList<HistoryEvent> Decisions, string Status);

/// <summary>
/// The orchestrator: a pure function of the version's graph and the execution's history (folded into
/// an <see cref="ExecutionState"/>) to the next events. No I/O, no clock (time is the latest event's
/// timestamp), no randomness but <see cref="DeterministicRandom"/>. Logic nodes (triggers, conditions,
/// variables, A/B splits, loops) are decided inline and recorded as completed steps; other nodes become
/// activities; delays, approvals and retries become durable timers; sub-workflows child executions.
/// </summary>
public static partial class Decider
{
    /// <summary>A turn that keeps producing events past this is a runaway graph; the execution fails instead of spinning.</summary>
    public const int MaxDecisionsPerTurn = 50_000;

    /// <param name="limits">The host's limits (default <see cref="EngineLimits.Default"/>); part of the input, so a turn stays deterministic.</param>
    public static DeciderResult Decide(GraphIndex graph, ExecutionState state, IReadOnlyList<HistoryEvent> inbox, EngineLimits? limits = null)
    {
        limits ??= EngineLimits.Default;
        var accepted = new List<HistoryEvent>();
        foreach (var message in inbox)
        {
            if (!state.Accepts(message)) continue;
            state.Apply(message);
            accepted.Add(message);
        }

        var decisions = new List<HistoryEvent>();
        var budget = new TurnBudget();
        while (state.TerminalStatus is null)
        {
            var round = NextRound(graph, state, limits, budget);
            if (round.Count == 0) break;
            // Checked per round from the folded state (so the same history fails at the same place): a round adds at most
            // one step per node and loop window, so the overshoot is small and bounded.
            if (state.Steps.Count + round.Select(e => NewStepKey(state, e)).OfType<string>().Distinct(StringComparer.Ordinal).Count() > limits.MaxStepsPerExecution)
            {
                var tooMany = new ExecutionFailed(
                    $"The execution would record more than {limits.MaxStepsPerExecution} steps: it exceeds Limits__MaxStepsPerExecution ({limits.MaxStepsPerExecution}).")
                { Timestamp = state.Now };
                state.Apply(tooMany);
                decisions.Add(tooMany);
                break;
            }
            foreach (var e in round)
            {
                var stamped = e with { Timestamp = state.Now };
                state.Apply(stamped);
                decisions.Add(stamped);
                if (state.TerminalStatus is not null) break;
            }
            if (decisions.Count > MaxDecisionsPerTurn && state.TerminalStatus is null)
            {
                var runaway = new ExecutionFailed($"The workflow produced more than {MaxDecisionsPerTurn} steps in one turn; it was stopped.") { Timestamp = state.Now };
                state.Apply(runaway);
                decisions.Add(runaway);
            }
        }
        return new DeciderResult(accepted, decisions, state.Status);
    }

    /// <summary>The key of the step applying <paramref name="e"/> would add to the state; null when it adds none.</summary>
    private static string? NewStepKey(ExecutionState state, HistoryEvent e)
    {
        var key = e switch
        {
            StepScheduled s => s.StepKey,
            StepCompleted c => c.StepKey,
            StepFailed f => f.StepKey,
            LoopStarted l => l.StepKey,
            WaitStarted w => w.StepKey,
            ChildRequested c => c.StepKey,
            TimerCreated { Purpose: TimerPurpose.Delay } t => t.StepKey,
            _ => null,
        };
        return key is not null && state.Step(key) is null ? key : null;
    }

    /// <summary>One round: first move steps already under way, then start what became ready, then finish.</summary>
    private static List<HistoryEvent> NextRound(GraphIndex graph, ExecutionState state, EngineLimits limits, TurnBudget budget)
    {
        if (state.Started is null) return [];
        if (state.CancelRequested) return [new ExecutionCancelled(state.CancelReason)];

        var events = new List<HistoryEvent>();
        foreach (var step in state.Steps)
        {
            var node = graph.Find(step.NodeId);
            switch (step.Phase)
            {
                case StepPhase.AttemptFailed:
                {
                    var settings = node is null ? StepSettings.Default : StepSettings.From(node.Definition);
                    var attemptsThisRun = step.Attempt - step.AttemptBase;
                    if (step.Retryable && attemptsThisRun < settings.MaxAttempts)
                    {
                        var next = step.Attempt + 1;
                        // A provider's Retry-After wins over a shorter backoff (capped at a day, so a hostile header cannot park a step for ever).
                        var wait = settings.BackoffBefore(attemptsThisRun + 1);
                        if (step.RetryAfter is { } hint && hint > wait) wait = hint < TimeSpan.FromDays(1) ? hint : TimeSpan.FromDays(1);
                        events.Add(new TimerCreated($"retry:{step.StepKey}:{next}", state.Now + wait, TimerPurpose.Retry, step.StepKey));
                        break;
                    }
                    var outcome = Settle(step, node, settings);
                    if (outcome is ExecutionFailed) return [outcome];
                    events.Add(outcome);
                    break;
                }
                case StepPhase.RetryDue when step.NodeType == NodeTypeNames.LogicSubworkflow && node is not null:
                    // Not an activity: its retry asks for a child again (and may be refused again by the start quota).
                    new ScopeWalker(graph, state, events, limits, budget).RestartSubworkflow(node, step);
                    break;
                case StepPhase.RetryDue:
                    events.Add(new StepScheduled(step.StepKey, step.NodeId, step.NodeType, step.Attempt + 1, step.Input?.DeepClone()));
                    break;
                case StepPhase.DelayDue:
                    events.Add(Completed(step, NodeTypeDescriptor.DefaultPort, new JsonObject { ["waited_until"] = step.TimerFireAt is { } at ? InlineNodes.IsoTime(at) : null }));
                    break;
                case StepPhase.WaitResolved:
                {
                    var (approved, output) = InlineNodes.ApprovalOutcome(step.EventPayload);
                    events.Add(Completed(step, approved ? "approved" : "rejected", output));
                    break;
                }
                case StepPhase.WaitTimedOut:
                    events.Add(Completed(step, "timeout", new JsonObject { ["approved"] = false, ["timed_out"] = true, ["approved_by"] = null, ["comment"] = null }));
                    break;
                case StepPhase.ChildDone:
                    events.Add(Completed(step, NodeTypeDescriptor.DefaultPort, step.Output?.DeepClone()));
                    break;
            }
        }
        if (events.Count > 0) return events;

        new ScopeWalker(graph, state, events, limits, budget).WalkRoot();
        if (events.Count > 0) return events;

        if (state.Steps.All(s => s.IsSettled)) return [new ExecutionCompleted(FinalOutput(graph, state))];
        return [];
    }

    /// <summary>
    /// The steps no live path can reach any more, now that the branches before them are decided (dead-path elimination):
    /// the branch a condition, approval or A/B split did not take and everything only it leads to, and the triggers the run
    /// did not start from. Not in the history (nothing happens to them), so derived here with the decider's own walk.
    /// Steps after a failed step are not counted (a resume may still run them), nor the steps of loop iterations already
    /// finished. Reads <paramref name="state"/> (a replay of the history) and may update its caches; decides nothing.
    /// </summary>
    public static IReadOnlyList<(string StepKey, string NodeId)> SkippedSteps(GraphIndex graph, ExecutionState state)
    {
        if (state.Started is null) return [];
        var walker = new ScopeWalker(graph, state, [], EngineLimits.Default, new TurnBudget()) { DryRun = true };
        walker.WalkRoot();
        return [.. walker.DeadSteps()];
    }

    /// <summary>A step out of attempts: fail the run, or settle the step as onError says.</summary>
    private static HistoryEvent Settle(StepState step, GraphNode? node, StepSettings settings)
    {
        var attempts = step.Attempt - step.AttemptBase;
        var message = $"Step '{step.NodeId}' ({step.NodeType}) failed" + (attempts > 1 ? $" after {attempts} attempts" : "") + $": {step.Error}";
        var output = new JsonObject { ["error"] = step.Error, ["failed"] = true };
        switch (settings.OnError)
        {
            case OnError.Continue:
                // Continue along the node's one main port; a multi-port node has no "as if it succeeded" route, so its branch ends.
                var ports = node?.Type?.PortsFromConfig?.Invoke(node.Definition) ?? node?.Type?.OutputPorts ?? [NodeTypeDescriptor.DefaultPort];
                return Completed(step, ports.Count == 1 ? ports[0] : "", output) with { SettledByOnError = true };
            case OnError.Error:
                return Completed(step, NodeTypeDescriptor.ErrorPort, output) with { SettledByOnError = true };
            default:
                return new ExecutionFailed(message, step.StepKey);
        }
    }

    private static StepCompleted Completed(StepState step, string port, JsonNode? output) =>
        new(step.StepKey, step.NodeId, step.NodeType, step.Attempt, output, port, Inline: true);

    /// <summary>
    /// The execution's result: the output of the last top-level step that completed without a
    /// following step to hand it to (a leaf of the run).
    /// </summary>
    private static JsonNode? FinalOutput(GraphIndex graph, ExecutionState state)
    {
        for (var i = state.CompletedSteps.Count - 1; i >= 0; i--)
        {
            var step = state.CompletedSteps[i];
            if (step.Scope.Length != 0) continue;
            var node = graph.Find(step.NodeId);
            if (node is null || !node.Outgoing.Any(e => !e.IsBackEdge && e.Port == step.Port)) return step.Output?.DeepClone();
        }
        return null;
    }
}
