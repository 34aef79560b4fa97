using System.Diagnostics;
using System.Text.Json.Nodes;
using FlowForge.Core.Catalog;
using FlowForge.Core.Engine;
using FlowForge.Core.Engine.History;
using FlowForge.Core.Model;
using FlowForge.Core.Storage;
using FlowForge.Server.Api;
using FlowForge.Server.Nodes;
using Microsoft.Extensions.Options;

namespace FlowForge.Server.Engine;

/// <summary>One step of a test run.</summary>
internal sealed record TestStep(string StepId, string NodeType, string StepType, string Status, JsonNode? Output, string? Error, double? Duration, bool Preview);

internal sealed record TestRunResult(string Status, IReadOnlyList<TestStep> Steps, JsonNode? FinalOutput, string? Error, double TotalDuration);

/// <summary>
/// Runs a draft to completion in memory with the real decider and handlers, persisting nothing.
/// Timers (delays, retry backoffs, approval timeouts) fire at once; an approval takes the event given in
/// the request's <c>events</c> or else its timeout port; side-effecting nodes are previewed (their
/// resolved input returned, nothing sent) unless <c>live</c>; sub-workflows run their published version
/// in memory, up to <see cref="MaxDepth"/> deep. Each attempt runs in the <see cref="ActivityRunner"/>, as in
/// an execution, so a step fails here exactly as it would there.
/// <para>Because timers fire at once and children run inline, a loop that fans out into sub-workflows multiplies its
/// work at every level. One budget covers the whole run, children included: at most <c>Limits__TestRunMaxSteps</c>
/// steps and <c>Limits__TestRunTimeout</c> of wall-clock time. Hitting either ends the run as <c>failed</c> with a
/// message naming the setting (the answer is still a 200 with the steps run so far).</para>
/// </summary>
internal sealed class TestRunner(NodeCatalog catalog, ActivityRunner activities, IWorkflowStore workflows, TimeProvider clock, IOptions<RequestLimits> limits,
    ILogger<TestRunner> logger)
{
    public const int MaxDepth = 5;

    // The configured size limit applies to test runs too (their sub-workflow depth is capped by MaxDepth above).
    private readonly EngineLimits _engineLimits = new(limits.Value.MaxStepOutputBytes, MaxStepsPerExecution: limits.Value.MaxStepsPerExecution);
    private const int MaxTurns = 10_000;

    /// <summary>What one test run, sub-workflows included, may still spend; its token is cancelled when the time is up.</summary>
    private sealed class Budget : IDisposable
    {
        private readonly int _maxSteps;
        private readonly TimeSpan _timeout;
        private readonly CancellationToken _requestAborted;
        private readonly CancellationTokenSource _deadline;
        private int _steps;

        public Budget(int maxSteps, TimeSpan timeout, CancellationToken requestAborted)
        {
            _maxSteps = maxSteps;
            _timeout = timeout;
            _requestAborted = requestAborted;
            _deadline = CancellationTokenSource.CreateLinkedTokenSource(requestAborted);
            _deadline.CancelAfter(timeout);
        }

        /// <summary>Cancelled when the client goes away or the time limit is reached: a slow live call is not waited for.</summary>
        public CancellationToken Token => _deadline.Token;

        /// <summary>Why the run was stopped, once it was.</summary>
        public string? Exceeded { get; private set; }

        /// <summary>Counts <paramref name="steps"/> more; false once a limit is reached.</summary>
        public bool Spend(int steps)
        {
            _steps += steps;
            if (Exceeded is null && _steps > _maxSteps)
            {
                Exceeded = $"The test run was stopped after {_maxSteps} steps, the limit for a test run (Limits__TestRunMaxSteps); a loop that starts sub-workflows multiplies its steps at every level.";
            }
            return CheckTime();
        }

        /// <summary>False once a limit is reached (or the client went away).</summary>
        public bool CheckTime()
        {
            _requestAborted.ThrowIfCancellationRequested();
            if (Exceeded is null && _deadline.IsCancellationRequested)
            {
                Exceeded = $"The test run was stopped after {_timeout.TotalSeconds:0.###} s, the time limit for a test run (Limits__TestRunTimeout).";
            }
            return Exceeded is null;
        }

        public void Dispose() => _deadline.Dispose();
    }

    /// <param name="triggerNodeId">The trigger step the run starts from; null for the first trigger in the graph.</param>
    public async Task<TestRunResult> RunAsync(string orgId, string workflowId, WorkflowGraph graph, JsonNode? testData, bool live,
        IReadOnlyDictionary<string, JsonNode?>? events, CancellationToken ct, string? triggerNodeId = null)
    {
        using var budget = new Budget(limits.Value.TestRunMaxSteps, limits.Value.TestRunTimeout, ct);
        var result = await RunAsync(orgId, workflowId, graph, testData, live, events, budget, 0, triggerNodeId);
        if (budget.Exceeded is { } reason) Logs.TestRunStopped(logger, workflowId, orgId, reason);
        return result;
    }

    private async Task<TestRunResult> RunAsync(string orgId, string workflowId, WorkflowGraph graph, JsonNode? testData, bool live,
        IReadOnlyDictionary<string, JsonNode?>? events, Budget budget, int depth, string? triggerNodeId = null)
    {
        var ct = budget.Token;
        var watch = Stopwatch.StartNew();
        var executionId = "test_" + Guid.NewGuid().ToString("N");
        var index = new GraphIndex(graph, catalog);
        var state = new ExecutionState(executionId);
        var inbox = new List<HistoryEvent> { new ExecutionStarted(workflowId, 0, testData, triggerNodeId) { Timestamp = clock.GetUtcNow() } };
        foreach (var (name, payload) in events ?? new Dictionary<string, JsonNode?>())
        {
            inbox.Add(new EventRaised(name, payload?.DeepClone()) { Timestamp = clock.GetUtcNow() });
        }
        var previews = new HashSet<string>(StringComparer.Ordinal);

        for (var turn = 0; turn < MaxTurns && inbox.Count > 0 && state.TerminalStatus is null && budget.CheckTime(); turn++)
        {
            var result = Decider.Decide(index, state, inbox, _engineLimits);
            inbox = [];
            if (!budget.Spend(result.Decisions.Count(d => d is StepScheduled or TimerCreated or ChildRequested or StepCompleted or StepFailed))) break;
            foreach (var decision in result.Decisions)
            {
                if (!budget.CheckTime()) break;
                switch (decision)
                {
                    case StepScheduled s:
                        inbox.Add(await RunStepAsync(executionId, orgId, index, s, live, previews, ct));
                        break;
                    case TimerCreated t:
                        inbox.Add(new TimerFired(t.TimerId) { Timestamp = clock.GetUtcNow() });
                        break;
                    case ChildRequested c:
                        inbox.Add(await RunChildAsync(orgId, c, live, budget, depth));
                        break;
                }
                if (budget.Exceeded is not null) break;
            }
            if (budget.Exceeded is not null) break;
        }

        var steps = ExecutionLogs.Project(state, catalog)
            .Select(l => new TestStep(l.StepId, l.NodeType, l.StepType, l.Status, l.Output, l.ErrorMessage, l.Duration, previews.Contains(l.StepId)))
            .ToList();
        if (budget.Exceeded is { } exceeded && state.TerminalStatus != ExecutionStatus.Completed)
        {
            return new TestRunResult(ExecutionStatus.Failed, steps, state.Output, exceeded, watch.Elapsed.TotalMilliseconds);
        }
        var status = state.TerminalStatus ?? (state.Status == ExecutionStatus.Waiting ? ExecutionStatus.Waiting : ExecutionStatus.Failed);
        var error = state.Error ?? (state.TerminalStatus is null ? "The test run did not finish (it kept producing steps)." : null);
        return new TestRunResult(status, steps, state.Output, error, watch.Elapsed.TotalMilliseconds);
    }

    private async Task<HistoryEvent> RunStepAsync(string executionId, string orgId, GraphIndex index, StepScheduled s, bool live, HashSet<string> previews, CancellationToken ct)
    {
        var mode = live ? RunMode.LiveTest : RunMode.PreviewTest;
        if (activities.Previews(mode, s.NodeType)) previews.Add(s.StepKey);
        var settings = index.Find(s.NodeId) is { } node ? StepSettings.From(node.Definition) : StepSettings.Default;
        var request = new ActivityRequest(executionId, orgId, s.StepKey, s.NodeId, s.NodeType, s.Attempt, s.Input, settings.Timeout);
        // Null: the test run's time limit cut the attempt off (or the client left: the budget's next check throws then); the caller reports which.
        return await activities.RunAsync(request, mode, ct)
            ?? activities.Failed(request, "Stopped: the test run reached its time limit (Limits__TestRunTimeout).", retryable: false);
    }

    private async Task<HistoryEvent> RunChildAsync(string orgId, ChildRequested c, bool live, Budget budget, int depth)
    {
        var ct = budget.Token;
        var now = clock.GetUtcNow();
        if (depth >= MaxDepth) return new ChildFailed(c.StepKey, c.ChildExecutionId, $"Sub-workflows nest deeper than {MaxDepth} levels.") { Timestamp = now };
        var workflow = await workflows.GetAsync(orgId, c.WorkflowId, ct);
        if (workflow?.PublishedVersion is not { } version)
        {
            return new ChildFailed(c.StepKey, c.ChildExecutionId, workflow is null ? $"Workflow '{c.WorkflowId}' does not exist." : $"Workflow '{c.WorkflowId}' has no published version.") { Timestamp = now };
        }
        var definition = (await workflows.GetVersionAsync(orgId, c.WorkflowId, version, ct))!.Definition;
        var child = await RunAsync(orgId, c.WorkflowId, definition.Graph, c.Input, live, null, budget, depth + 1);
        return child.Status == ExecutionStatus.Completed
            ? new ChildCompleted(c.StepKey, c.ChildExecutionId, child.FinalOutput) { Timestamp = clock.GetUtcNow() }
            : new ChildFailed(c.StepKey, c.ChildExecutionId, $"Sub-workflow {child.Status}: {child.Error}") { Timestamp = clock.GetUtcNow() };
    }
}
