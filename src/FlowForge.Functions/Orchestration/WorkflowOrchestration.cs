using System.Text.Json.Nodes;
using FlowForge.Core.Catalog;
using FlowForge.Core.Engine;
using FlowForge.Core.Engine.History;
using FlowForge.Core.Storage;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;

namespace FlowForge.Functions.Orchestration;

/// <summary>
/// The <c>RunWorkflow</c> orchestration: one Durable Task instance per execution (instance id = execution id) that replays
/// the workflow with FlowForge.Core's <see cref="Decider"/>, as the server's dispatcher does, and maps its decisions to
/// Durable Task calls: <see cref="StepScheduled"/> → the RunNode activity, <see cref="TimerCreated"/> (retry backoffs,
/// delays, approval timeouts) → durable timers, a waiting approval → <c>WaitForExternalEvent</c>, <see cref="ChildRequested"/>
/// → a RunWorkflow sub-orchestration. Whatever completes first comes back to the decider as its inbox event; each turn's
/// events go to the execution log through RecordTurn, so the log holds the history the server would have stored.
/// <para>Written on Microsoft.DurableTask types only, so the Functions host and the in-process test host run this same code.
/// Deterministic: time is <see cref="TaskOrchestrationContext.CurrentUtcDateTime"/> (or a recorded activity result's stamp),
/// ids are the decider's own (derived from the execution id and step keys), the graph and limits come from a recorded
/// activity result, and logging goes through the replay-safe logger.</para>
/// </summary>
internal static class WorkflowOrchestration
{
    public static async Task<RunOutcome> RunAsync(TaskOrchestrationContext context, WorkflowRunInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var logger = context.CreateReplaySafeLogger(typeof(WorkflowOrchestration));
        var execution = input.Execution;
        var loaded = await context.CallActivityAsync<LoadedWorkflow>(OrchestrationNames.LoadWorkflow, input);
        if (!loaded.Created)
        {
            // No log row: the workflow a sub-workflow step names does not exist or was never published (the server refuses
            // such a child before creating it; its parent records the reason as the step's failure).
            OrchestrationLogs.NotStarted(logger, execution.Id, loaded.Error);
            return new RunOutcome(execution.Id, ExecutionStatus.Failed, null, loaded.Error, Started: false);
        }
        return await new Run(context, execution with { Version = loaded.Version }, loaded, logger).RunAsync();
    }

    /// <summary>The step's retry policy for failures that escape the runner (the activity host itself failing).</summary>
    /// <remarks>
    /// The runner turns every handler failure into a <see cref="StepFailed"/>, and the decider retries those (durable timer,
    /// backoff, Retry-After), exactly as on the server. An exception that escapes the activity (the worker crashed or could
    /// not run it) never reaches the decider as an attempt: Durable Task retries the call with the same attempt number
    /// (so the provider sees the same idempotency key) under the step's own limits.
    /// </remarks>
    public static TaskOptions HostRetries(StepSettings settings) =>
        TaskOptions.FromRetryPolicy(new RetryPolicy(
            settings.MaxAttempts,
            // Durable Task refuses a zero first interval; a step configured with none retries after a millisecond.
            settings.InitialInterval > TimeSpan.Zero ? settings.InitialInterval : TimeSpan.FromMilliseconds(1),
            settings.BackoffCoefficient,
            settings.MaxInterval > TimeSpan.Zero ? settings.MaxInterval : null));

    /// <summary>One execution's run: its folded state and the Durable Task calls outstanding for it.</summary>
    private sealed class Run(TaskOrchestrationContext context, NewExecution execution, LoadedWorkflow loaded, ILogger logger)
    {
        private readonly ExecutionState _state = new(execution.Id);
        private readonly GraphIndex? _graph = loaded.Graph is { } graph ? new GraphIndex(graph, NodeCatalog.Default) : null;
        private readonly EngineLimits _limits = loaded.Limits.ToLimits();

        /// <summary>Outstanding Durable Task calls, in the order they were made, each with how its result becomes an inbox event.</summary>
        private readonly List<(Task Task, Func<Task, HistoryEvent> ToEvent)> _pending = [];

        /// <summary>The one outstanding external-event wait per event name (an approval's event name may be shared).</summary>
        private readonly Dictionary<string, Task<JsonNode?>> _waits = new(StringComparer.Ordinal);

        /// <summary>Cancels the timers still pending when the run ends, so none keeps the instance open.</summary>
        private CancellationToken _timers;

        private long _sequence;

        private DateTimeOffset Now => new(DateTime.SpecifyKind(context.CurrentUtcDateTime, DateTimeKind.Utc));

        public async Task<RunOutcome> RunAsync()
        {
            using var timers = new CancellationTokenSource();
            _timers = timers.Token;
            var cancel = context.WaitForExternalEvent<string?>(OrchestrationNames.CancelEvent);
            List<HistoryEvent> inbox =
            [
                new ExecutionStarted(execution.WorkflowId, execution.Version, execution.TriggerData?.DeepClone(), execution.TriggerNodeId,
                    execution.ParentExecutionId, execution.ParentStepKey, execution.Depth) { Timestamp = Now },
            ];
            while (true)
            {
                var result = Decide(inbox);
                inbox = [];
                HistoryEvent[] events = [.. result.Accepted, .. result.Decisions];
                if (events.Length > 0)
                {
                    await context.CallActivityAsync(OrchestrationNames.RecordTurn, new TurnRecord(execution.Id, _sequence, events, result.Status, Now));
                    _sequence += events.Length;
                }
                if (_state.TerminalStatus is { } terminal)
                {
                    // Synchronously: an orchestrator may only await Durable Task's own tasks (CancelAsync runs the timers'
                    // callbacks on the thread pool, and the awaiting orchestration then never completes).
#pragma warning disable CA1849
                    timers.Cancel();
#pragma warning restore CA1849
                    OrchestrationLogs.Finished(logger, execution.Id, terminal, _sequence);
                    return new RunOutcome(execution.Id, terminal, terminal == ExecutionStatus.Completed ? _state.Output?.DeepClone() : null, _state.Error);
                }
                foreach (var decision in result.Decisions) Schedule(decision);
                ArmWaits();

                // Every outstanding call and the cancel event race; Durable Task replays WhenAny in the recorded order.
                var racing = _pending.Select(p => p.Task).Concat(_waits.Values).Append(cancel).ToList();
                var done = await Task.WhenAny(racing);
                if (done == cancel)
                {
                    inbox.Add(new CancelRequested(cancel.Result) { Timestamp = Now });
                    // The cancel wait is spent; a second cancel has nothing to say (the decider ends the run this turn).
                    cancel = context.WaitForExternalEvent<string?>(OrchestrationNames.CancelEvent);
                    continue;
                }
                var waited = _waits.FirstOrDefault(w => w.Value == done);
                if (waited.Key is not null)
                {
                    _waits.Remove(waited.Key);
                    inbox.Add(new EventRaised(waited.Key, waited.Value.Result) { Timestamp = Now });
                    continue;
                }
                var index = _pending.FindIndex(p => p.Task == done);
                var (task, toEvent) = _pending[index];
                _pending.RemoveAt(index);
                inbox.Add(toEvent(task));
            }
        }

        private DeciderResult Decide(IReadOnlyList<HistoryEvent> inbox)
        {
            if (_graph is not null) return Decider.Decide(_graph, _state, inbox, _limits);
            // The pinned version is gone (versions are never deleted: a damaged store). Fail loudly, as the server's dispatcher does.
            var accepted = new List<HistoryEvent>();
            foreach (var e in inbox)
            {
                if (!_state.Accepts(e)) continue;
                _state.Apply(e);
                accepted.Add(e);
            }
            var decisions = new List<HistoryEvent>();
            if (_state.TerminalStatus is null)
            {
                var failed = new ExecutionFailed(loaded.Error ?? $"Workflow version {execution.WorkflowId} v{execution.Version} was not found.") { Timestamp = Now };
                _state.Apply(failed);
                decisions.Add(failed);
            }
            return new DeciderResult(accepted, decisions, _state.Status);
        }

        /// <summary>Starts the Durable Task work one decision implies (the others only change the folded state).</summary>
        private void Schedule(HistoryEvent decision)
        {
            switch (decision)
            {
                case StepScheduled s:
                {
                    var settings = _graph?.Find(s.NodeId) is { } node ? StepSettings.From(node.Definition) : StepSettings.Default;
                    var request = new ActivityRequest(execution.Id, execution.OrgId, s.StepKey, s.NodeId, s.NodeType, s.Attempt, s.Input, settings.Timeout);
                    var call = context.CallActivityAsync<StepResult>(OrchestrationNames.RunNode, request, HostRetries(settings));
                    _pending.Add((call, t => StepOutcome(request, (Task<StepResult>)t)));
                    break;
                }
                case TimerCreated t:
                {
                    var timer = context.CreateTimer(t.FireAt.UtcDateTime, _timers);
                    _pending.Add((timer, _ => new TimerFired(t.TimerId) { Timestamp = Now }));
                    break;
                }
                case ChildRequested c:
                {
                    // Version 0: the child runs the version published when it starts (its LoadWorkflow resolves and records it).
                    var child = new NewExecution(c.ChildExecutionId, execution.OrgId, c.WorkflowId, 0, c.Input?.DeepClone(),
                        ParentExecutionId: execution.Id, ParentStepKey: c.StepKey, Depth: execution.Depth + 1);
                    var call = context.CallSubOrchestratorAsync<RunOutcome>(OrchestrationNames.RunWorkflow, new WorkflowRunInput(child),
                        new SubOrchestrationOptions { InstanceId = c.ChildExecutionId });
                    _pending.Add((call, t => ChildOutcome(c, (Task<RunOutcome>)t)));
                    break;
                }
            }
        }

        /// <summary>One wait per event name some step waits on now: an event raised before it is buffered by Durable Task.</summary>
        private void ArmWaits()
        {
            foreach (var step in _state.Steps)
            {
                if (step.Phase != StepPhase.Waiting || step.EventName is not { } name || _waits.ContainsKey(name)) continue;
                _waits[name] = context.WaitForExternalEvent<JsonNode?>(name);
            }
        }

        private HistoryEvent StepOutcome(ActivityRequest request, Task<StepResult> call)
        {
            if (call.IsCompletedSuccessfully) return call.Result.Event;
            // The activity host failed even after the step's retries (the runner itself never throws for a handler's failure):
            // the attempt fails for good, and the step's onError decides what follows.
            var reason = call.Exception?.InnerException?.Message ?? "the activity was cancelled";
            OrchestrationLogs.HostFailed(logger, execution.Id, request.StepKey, reason);
            return new StepFailed(request.StepKey, request.NodeId, request.NodeType, request.Attempt,
                $"The step could not be run (the activity host failed): {reason}", Retryable: false) { Timestamp = Now };
        }

        private HistoryEvent ChildOutcome(ChildRequested c, Task<RunOutcome> call)
        {
            if (!call.IsCompletedSuccessfully)
            {
                var reason = call.Exception?.InnerException?.Message ?? "the sub-orchestration was cancelled";
                return new ChildFailed(c.StepKey, c.ChildExecutionId, $"Sub-workflow execution {c.ChildExecutionId} failed: {reason}") { Timestamp = Now };
            }
            var outcome = call.Result;
            if (outcome.Status == ExecutionStatus.Completed) return new ChildCompleted(c.StepKey, c.ChildExecutionId, outcome.Output?.DeepClone()) { Timestamp = Now };
            // The server's wording (Dispatcher.BuildCommitAsync), so both hosts log the same failure.
            var error = outcome.Started ? $"Sub-workflow execution {c.ChildExecutionId} {outcome.Status}: {outcome.Error}" : outcome.Error ?? "The sub-workflow could not start.";
            return new ChildFailed(c.StepKey, c.ChildExecutionId, error) { Timestamp = Now };
        }
    }
}
