using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FlowForge.Core.Catalog;
using FlowForge.Core.Engine.History;
using FlowForge.Core.Expressions;
using FlowForge.Core.Catalog.Nodes;

namespace FlowForge.Core.Engine;

/// <summary>
/// Walks the graph scope by scope (the top level, then each running loop iteration) in topological
/// order, works out which nodes are done, dead, in flight or ready, and starts the ready ones.
/// A node is ready when every incoming edge is settled and at least one is taken; when all are dead
/// it is dead too (dead-path elimination), which is how a join waits only for branches that can still reach it.
/// </summary>
internal sealed partial class ScopeWalker(GraphIndex graph, ExecutionState state, List<HistoryEvent> events, EngineLimits limits, TurnBudget budget)
{
    private enum Status { Pending, Ready, InFlight, Done, Dead, Failed }

    private readonly Dictionary<string, Status> _statuses = new(StringComparer.Ordinal);

    /// <summary>
    /// Only works out statuses: starts nothing, and treats a failed step as undecided (a failed execution may be
    /// resumed, so what follows its failed step is not ruled out). Used to show skipped steps, never to decide.
    /// </summary>
    public bool DryRun { get; init; }

    public void WalkRoot() => Walk("", null);

    /// <summary>After <see cref="WalkRoot"/>: the steps dead-path elimination ruled out, by step key, with their node ids.</summary>
    public IEnumerable<(string StepKey, string NodeId)> DeadSteps() =>
        _deadNodes.Where(d => _statuses.GetValueOrDefault(d.Key) == Status.Dead).Select(d => (d.Key, d.Value));

    private readonly Dictionary<string, string> _deadNodes = new(StringComparer.Ordinal);

    private void Walk(string scope, string? loopId)
    {
        foreach (var node in graph.TopologicalOrder)
        {
            if (node.LoopId != loopId) continue;
            var key = StepState.KeyFor(node.Id, scope);
            var status = Evaluate(node, scope, loopId, key);
            _statuses[key] = status;
            if (status == Status.Dead) _deadNodes[key] = node.Id;
            if (status == Status.Ready)
            {
                if (!DryRun) Start(node, scope, key);
            }
            else if (state.Step(key) is { Phase: StepPhase.LoopRunning } loop) WalkLoop(node, scope, loop);
        }
    }

    private Status Evaluate(GraphNode node, string scope, string? loopId, string key)
    {
        if (state.Step(key) is { } step)
        {
            return step.Phase switch
            {
                StepPhase.Completed => Status.Done,
                StepPhase.FailedTerminal => Status.Failed,
                _ => Status.InFlight,
            };
        }
        if (node.Type?.IsTrigger == true || NodeTypeNames.IsTrigger(node.Definition.Type))
        {
            return scope.Length == 0 && node.Id == TriggerNodeId() ? Status.Ready : Status.Dead;
        }
        if (node.Incoming.Count == 0) return Status.Dead;

        var anyActive = false;
        foreach (var edge in node.Incoming)
        {
            switch (EdgeStatus(edge, scope, loopId))
            {
                case Status.Pending: return Status.Pending;
                case Status.Ready: anyActive = true; break;
            }
        }
        return anyActive ? Status.Ready : Status.Dead;
    }

    /// <summary>Ready = taken, Dead = not taken, Pending = not known yet.</summary>
    private Status EdgeStatus(GraphEdge edge, string scope, string? loopId)
    {
        if (edge.IsLoopEntry && edge.SourceId == loopId) return Status.Ready;
        var source = graph[edge.SourceId];
        var sourceScope = AncestorScope(scope, source.LoopId);
        if (sourceScope is null) return Status.Dead;
        var sourceKey = StepState.KeyFor(source.Id, sourceScope);
        var status = _statuses.TryGetValue(sourceKey, out var s)
            ? s
            : state.Step(sourceKey)?.Phase == StepPhase.Completed ? Status.Done : Status.Pending;
        return status switch
        {
            Status.Done => state.Step(sourceKey)!.Port == edge.Port ? Status.Ready : Status.Dead,
            Status.Failed when DryRun => Status.Pending,
            Status.Dead or Status.Failed => Status.Dead,
            _ => Status.Pending,
        };
    }

    private void WalkLoop(GraphNode loop, string scope, StepState loopStep)
    {
        var items = loopStep.LoopItems ?? [];
        var n = items.Count;
        var parallel = loop.Definition.GetConfigString("mode") == "parallel";
        var window = parallel ? Math.Clamp(IntConfig(loop, "maxParallelism", 10), 1, 100) : 1;
        var settled = new bool[n];
        var evaluated = 0;
        var started = Math.Min(n, window);
        while (true)
        {
            for (var i = evaluated; i < started; i++)
            {
                if (loopStep.SettledIterations.Contains(i))
                {
                    settled[i] = true;
                    continue;
                }
                var iteration = StepState.IterationScope(scope, loop.Id, i);
                Walk(iteration, loop.Id);
                settled[i] = IterationSettled(iteration, loop.Id);
                if (settled[i]) loopStep.SettledIterations.Add(i);
            }
            evaluated = started;
            // Sequential: the next item starts when all before it are done. Parallel: a window of `window` items in flight.
            var next = parallel
                ? Math.Min(n, window + settled.Count(x => x))
                : Math.Min(n, settled.TakeWhile(x => x).Count() + 1);
            if (next <= started) break;
            started = next;
        }
        if (settled.All(x => x) && !DryRun)
        {
            var results = new JsonArray();
            for (var i = 0; i < n; i++) results.Add((state.CompletedIn(StepState.IterationScope(scope, loop.Id, i)) is { Count: > 0 } done ? done[^1] : null)?.Output?.DeepClone());
            var output = new JsonObject { ["results"] = results, ["count"] = n };
            // Each iteration's output is bounded, but many of them together may not be: the loop's own output is a step output too.
            if (ValueBudget.Check(output, limits.MaxStepOutputBytes) is { } tooLarge)
            {
                events.Add(new StepFailed(loopStep.StepKey, loop.Id, NodeTypeNames.LogicLoop, 1, $"The loop's results cannot be kept: {tooLarge}", Retryable: false, Inline: true));
                return;
            }
            events.Add(new StepCompleted(loopStep.StepKey, loop.Id, NodeTypeNames.LogicLoop, 1, output, LogicLoop.DonePort, Inline: true));
        }
    }

    private bool IterationSettled(string iteration, string loopId)
    {
        foreach (var node in graph.TopologicalOrder)
        {
            if (node.LoopId != loopId) continue;
            var status = _statuses.GetValueOrDefault(StepState.KeyFor(node.Id, iteration), Status.Pending);
            if (status is not (Status.Done or Status.Dead)) return false;
        }
        return true;
    }

    /// <summary>A sub-workflow step whose retry is due starts its child again (a new attempt, so a new child id).</summary>
    public void RestartSubworkflow(GraphNode node, StepState step) => Start(node, step.Scope, step.StepKey, step.Attempt + 1);

    private void Start(GraphNode node, string scope, string key, int? retryAttempt = null)
    {
        var definition = node.Definition;
        var attempt = retryAttempt ?? state.AttemptBaseFor(key) + 1;
        if (node.Type is null)
        {
            events.Add(new StepFailed(key, node.Id, definition.Type, attempt, $"Unknown node type '{definition.Type}'.", Retryable: false, Inline: true));
            return;
        }
        var warnings = new List<string>();
        try
        {
            var context = Context(scope);
            switch (definition.Type)
            {
                case var t when node.Type.IsTrigger:
                    events.Add(new StepCompleted(key, node.Id, t, attempt, TriggerShapes.Shape(t, state.Started!.TriggerData), NodeTypeDescriptor.DefaultPort, Inline: true));
                    break;
                case NodeTypeNames.LogicCondition:
                {
                    var condition = definition.GetConfig("condition") ?? throw new InlineStepException("The condition is missing.");
                    var result = ConditionEvaluator.Evaluate(condition, context, warnings);
                    events.Add(new StepCompleted(key, node.Id, definition.Type, attempt, new JsonObject { ["result"] = result }, result ? "true" : "false",
                        Inline: true, Input: new JsonObject { ["condition"] = JsonNode.Parse(condition.GetRawText()) }, Warnings: NullIfEmpty(warnings)));
                    break;
                }
                case NodeTypeNames.LogicSetVariable:
                {
                    var variables = TemplateResolver.ResolveValue(definition.GetConfig("variables") ?? default, context, warnings) as JsonObject
                        ?? throw new InlineStepException("'variables' must be an object of names and values.");
                    events.Add(new StepCompleted(key, node.Id, definition.Type, attempt, variables, NodeTypeDescriptor.DefaultPort,
                        Inline: true, Input: new JsonObject { ["variables"] = variables.DeepClone() }, Warnings: NullIfEmpty(warnings)));
                    break;
                }
                case NodeTypeNames.LogicAbSplit:
                {
                    var variant = InlineNodes.PickVariant(definition, DeterministicRandom.Unit(state.ExecutionId, key));
                    events.Add(new StepCompleted(key, node.Id, definition.Type, attempt, new JsonObject { ["variant"] = variant }, variant, Inline: true));
                    break;
                }
                case NodeTypeNames.LogicLoop:
                {
                    var items = InlineNodes.LoopItems(definition, context, warnings);
                    events.Add(new LoopStarted(key, node.Id, items, new JsonObject { ["items"] = items.DeepClone() }));
                    break;
                }
                case NodeTypeNames.LogicDelay:
                {
                    var input = (JsonObject)TemplateResolver.ResolveValue(definition.Config, context, warnings)!;
                    var fireAt = InlineNodes.DelayUntil(input, state.Now);
                    events.Add(new TimerCreated($"delay:{key}:{attempt}", fireAt, TimerPurpose.Delay, key, node.Id, input));
                    break;
                }
                case NodeTypeNames.LogicApproval:
                {
                    var input = (JsonObject)TemplateResolver.ResolveValue(definition.Config, context, warnings)!;
                    var (eventName, until) = InlineNodes.ApprovalWait(input, state.Now);
                    var timerId = $"approval:{key}:{attempt}";
                    events.Add(new WaitStarted(key, node.Id, eventName, timerId, until, input));
                    events.Add(new TimerCreated(timerId, until, TimerPurpose.WaitTimeout, key));
                    break;
                }
                case NodeTypeNames.LogicSubworkflow:
                {
                    var input = (JsonObject)TemplateResolver.ResolveValue(definition.Config, context, warnings)!;
                    var workflowId = input["workflowId"]?.GetValueKind() == JsonValueKind.String ? input["workflowId"]!.GetValue<string>() : null;
                    if (string.IsNullOrWhiteSpace(workflowId)) throw new InlineStepException("'workflowId' must name the workflow to run.");
                    // The depth travels with each child (ExecutionStarted.Depth), so a workflow starting itself stops here, durably.
                    var childDepth = state.Started!.Depth + 1;
                    if (childDepth > limits.MaxSubworkflowDepth)
                    {
                        throw new InlineStepException(
                            $"Starting workflow '{workflowId}' would nest sub-workflows {childDepth} levels deep: it exceeds Engine__MaxSubworkflowDepth ({limits.MaxSubworkflowDepth}).");
                    }
                    if (limits.ChildStarts is { } quota && budget.ChildStarts >= quota.Allowed)
                    {
                        // Past the turn's share of the start quota: a passing condition, so the step's retry policy applies.
                        events.Add(new StepFailed(key, node.Id, definition.Type, attempt, $"Sub-workflow '{workflowId}' was not started: {quota.Refusal}",
                            Retryable: true, Inline: true, RetryAfter: quota.RetryAfter));
                        break;
                    }
                    budget.ChildStarts++;
                    var childId = DeterministicRandom.Id("ex_", state.ExecutionId, key, attempt.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    events.Add(new ChildRequested(key, node.Id, childId, workflowId, input["input"]?.DeepClone() ?? new JsonObject()));
                    if (input["waitForCompletion"] is JsonValue wait && wait.GetValueKind() == JsonValueKind.False)
                    {
                        events.Add(new StepCompleted(key, node.Id, definition.Type, attempt,
                            new JsonObject { ["executionId"] = childId, ["workflowId"] = workflowId }, NodeTypeDescriptor.DefaultPort, Inline: true));
                    }
                    break;
                }
                default:
                {
                    var input = TemplateResolver.ResolveValue(definition.Config, context, warnings);
                    events.Add(new StepScheduled(key, node.Id, definition.Type, attempt, input, NullIfEmpty(warnings)));
                    break;
                }
            }
        }
        catch (Exception e) when (e is InlineStepException or ConditionException or ArgumentException or FormatException or InvalidOperationException or JsonException)
        {
            events.Add(new StepFailed(key, node.Id, definition.Type, attempt, e.Message, Retryable: false, Inline: true));
        }
    }

    /// <summary>What templates in <paramref name="scope"/> see: top-level steps, the enclosing iterations' steps, loop items as vars.</summary>
    private ExpressionContext Context(string scope)
    {
        var execution = new JsonObject
        {
            ["id"] = state.ExecutionId,
            ["workflowId"] = state.Started!.WorkflowId,
            ["version"] = state.Started.Version,
            ["startedAt"] = InlineNodes.IsoTime(state.StartedAt), // a string, see IsoTime
        };
        var segments = Segments(scope);
        var vars = state.Vars;
        if (segments.Count > 0)
        {
            vars = (JsonObject)state.Vars.DeepClone();
            var parent = "";
            foreach (var (loopId, index) in segments)
            {
                var items = state.Step(StepState.KeyFor(loopId, parent))?.LoopItems;
                vars["item"] = items is not null && index < items.Count ? items[index]?.DeepClone() : null;
                vars["index"] = index;
                parent = StepState.IterationScope(parent, loopId, index);
            }
        }
        var context = new ExpressionContext(state.Started.TriggerData, vars, execution) { MaxValueBytes = limits.MaxStepOutputBytes };
        // Visible: top-level steps and the steps of each enclosing iteration, in completion order (later shadows earlier).
        IEnumerable<StepState> visible = state.CompletedIn("");
        var ancestor = "";
        foreach (var (loopId, index) in segments)
        {
            ancestor = StepState.IterationScope(ancestor, loopId, index);
            visible = visible.Concat(state.CompletedIn(ancestor));
        }
        foreach (var step in segments.Count == 0 ? visible : visible.OrderBy(s => s.CompletionIndex))
        {
            context.AddStepOutput(step.NodeId, step.Output);
        }
        // Inside an iteration, steps.<loop> is the current item.
        if (segments.Count > 0)
        {
            var (loopId, index) = segments[^1];
            context.AddStepOutput(loopId, new JsonObject { ["item"] = vars["item"]?.DeepClone(), ["index"] = index });
        }
        return context;
    }

    /// <summary>The scope at which a node of loop level <paramref name="loopId"/> lives, seen from <paramref name="scope"/>; null if none encloses it.</summary>
    private static string? AncestorScope(string scope, string? loopId)
    {
        if (loopId is null) return "";
        var marker = "/" + loopId + "[";
        var at = scope.LastIndexOf(marker, StringComparison.Ordinal);
        if (at < 0) return null;
        var end = scope.IndexOf(']', at);
        return scope[..(end + 1)];
    }

    private static List<(string LoopId, int Index)> Segments(string scope)
    {
        var list = new List<(string, int)>();
        foreach (Match m in ScopeSegment().Matches(scope))
        {
            list.Add((m.Groups[1].Value, int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)));
        }
        return list;
    }

    [GeneratedRegex(@"/([^/\[]+)\[(\d+)\]", RegexOptions.CultureInvariant)]
    private static partial Regex ScopeSegment();

    private string? _triggerNodeId;

    /// <summary>The trigger this execution started from: the one named at start, else the first trigger in the graph.</summary>
    private string? TriggerNodeId() => _triggerNodeId ??= state.Started!.TriggerNodeId
        ?? graph.Graph.Nodes.FirstOrDefault(n => NodeTypeNames.IsTrigger(n.Type))?.Id;

    private static int IntConfig(GraphNode node, string name, int fallback) =>
        node.Definition.GetConfig(name) is { ValueKind: JsonValueKind.Number } v && v.TryGetInt32(out var i) ? i : fallback;

    private static IReadOnlyList<string>? NullIfEmpty(List<string> warnings) => warnings.Count == 0 ? null : warnings;
}

/// <summary>What one turn has spent so far, across the walker's rounds.</summary>
internal sealed class TurnBudget
{
    /// <summary>Children requested this turn (each takes one of <see cref="EngineLimits.ChildStarts"/>).</summary>
    public int ChildStarts;
}

/// <summary>A logic step that cannot be decided with its config and data; it fails like an activity would.</summary>
internal sealed class InlineStepException(string message) : Exception(message);
