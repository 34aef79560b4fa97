using System.Diagnostics;
using System.Text.Json.Nodes;
using FlowForge.Core.Catalog;
using FlowForge.Core.Engine;
using FlowForge.Core.Engine.History;
using FlowForge.Core.Model;
using FlowForge.Core.Storage;
using FlowForge.Server.Nodes;

namespace FlowForge.Server.Engine;

/// <summary>One step of a test run.</summary>
public sealed record TestStep(string StepId, string NodeType, string StepType, string Status, JsonNode? Output, string? Error, double? Duration, bool Preview);

public sealed record TestRunResult(string Status, IReadOnlyList<TestStep> Steps, JsonNode? FinalOutput, string? Error, double TotalDuration);

/// <summary>
/// Runs a draft to completion in memory with the real decider and handlers, persisting nothing.
/// Timers (delays, retry backoffs, approval timeouts) fire at once; an approval takes the event given in
/// the request's <c>events</c> or else its timeout port; side-effecting nodes are previewed (their
/// resolved input returned, nothing sent) unless <c>live</c>; sub-workflows run their published version
/// in memory, up to <see cref="MaxDepth"/> deep.
/// </summary>
public sealed class TestRunner(NodeCatalog catalog, NodeHandlerRegistry handlers, IWorkflowStore workflows, TimeProvider clock)
{
    public const int MaxDepth = 5;
    private const int MaxTurns = 10_000;

    public async Task<TestRunResult> RunAsync(string orgId, string workflowId, WorkflowGraph graph, JsonNode? testData, bool live,
        IReadOnlyDictionary<string, JsonNode?>? events, CancellationToken ct, int depth = 0)
    {
        var watch = Stopwatch.StartNew();
        var executionId = "test_" + Guid.NewGuid().ToString("N");
        var index = new GraphIndex(graph, catalog);
        var state = new ExecutionState(executionId);
        var inbox = new List<HistoryEvent> { new ExecutionStarted(workflowId, 0, testData) { Timestamp = clock.GetUtcNow() } };
        foreach (var (name, payload) in events ?? new Dictionary<string, JsonNode?>())
        {
            inbox.Add(new EventRaised(name, payload?.DeepClone()) { Timestamp = clock.GetUtcNow() });
        }
        var previews = new HashSet<string>(StringComparer.Ordinal);

        for (var turn = 0; turn < MaxTurns && inbox.Count > 0 && state.TerminalStatus is null; turn++)
        {
            var result = Decider.Decide(index, state, inbox);
            inbox = [];
            foreach (var decision in result.Decisions)
            {
                switch (decision)
                {
                    case StepScheduled s:
                        inbox.Add(await RunStepAsync(executionId, orgId, index, s, live, previews, ct));
                        break;
                    case TimerCreated t:
                        inbox.Add(new TimerFired(t.TimerId) { Timestamp = clock.GetUtcNow() });
                        break;
                    case ChildRequested c:
                        inbox.Add(await RunChildAsync(orgId, c, live, ct, depth));
                        break;
                }
            }
        }

        var steps = ExecutionLogs.Project(state, catalog)
            .Select(l => new TestStep(l.StepId, l.NodeType, l.StepType, l.Status, l.Output, l.ErrorMessage, l.Duration, previews.Contains(l.StepId)))
            .ToList();
        var status = state.TerminalStatus ?? (state.Status == ExecutionStatus.Waiting ? ExecutionStatus.Waiting : ExecutionStatus.Failed);
        var error = state.Error ?? (state.TerminalStatus is null ? "The test run did not finish (it kept producing steps)." : null);
        return new TestRunResult(status, steps, state.Output, error, watch.Elapsed.TotalMilliseconds);
    }

    private async Task<HistoryEvent> RunStepAsync(string executionId, string orgId, GraphIndex index, StepScheduled s, bool live, HashSet<string> previews, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (!live && catalog.Find(s.NodeType)?.HasSideEffects == true)
        {
            previews.Add(s.StepKey);
            var port = catalog.Find(s.NodeType)!.OutputPorts.FirstOrDefault() ?? NodeTypeDescriptor.DefaultPort;
            return new StepCompleted(s.StepKey, s.NodeId, s.NodeType, s.Attempt, new JsonObject { ["preview"] = true, ["input"] = s.Input?.DeepClone() }, port) { Timestamp = now };
        }
        var handler = handlers.Find(s.NodeType);
        if (handler is null)
        {
            return new StepFailed(s.StepKey, s.NodeId, s.NodeType, s.Attempt, $"Node type '{s.NodeType}' cannot run on this server: no handler is installed for it.", Retryable: false) { Timestamp = now };
        }
        var settings = index.Find(s.NodeId) is { } node ? StepSettings.From(node.Definition) : StepSettings.Default;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(settings.Timeout);
        try
        {
            var context = new NodeRunContext(executionId, orgId, s.StepKey, s.NodeId, s.NodeType, s.Attempt, s.Input, $"{executionId}:{s.StepKey}:{s.Attempt}", Preview: !live);
            var result = await handler.RunAsync(context, timeout.Token);
            return new StepCompleted(s.StepKey, s.NodeId, s.NodeType, s.Attempt, result.Output, result.Port ?? NodeTypeDescriptor.DefaultPort) { Timestamp = clock.GetUtcNow() };
        }
        catch (NodeFailure f)
        {
            return new StepFailed(s.StepKey, s.NodeId, s.NodeType, s.Attempt, f.Message, f.Retryable) { Timestamp = clock.GetUtcNow() };
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new StepFailed(s.StepKey, s.NodeId, s.NodeType, s.Attempt, $"Timed out after {settings.Timeout.TotalSeconds:0} s.", Retryable: true) { Timestamp = clock.GetUtcNow() };
        }
    }

    private async Task<HistoryEvent> RunChildAsync(string orgId, ChildRequested c, bool live, CancellationToken ct, int depth)
    {
        var now = clock.GetUtcNow();
        if (depth >= MaxDepth) return new ChildFailed(c.StepKey, c.ChildExecutionId, $"Sub-workflows nest deeper than {MaxDepth} levels.") { Timestamp = now };
        var workflow = await workflows.GetAsync(orgId, c.WorkflowId, ct);
        if (workflow?.PublishedVersion is not { } version)
        {
            return new ChildFailed(c.StepKey, c.ChildExecutionId, workflow is null ? $"Workflow '{c.WorkflowId}' does not exist." : $"Workflow '{c.WorkflowId}' has no published version.") { Timestamp = now };
        }
        var definition = (await workflows.GetVersionAsync(orgId, c.WorkflowId, version, ct))!.Definition;
        var child = await RunAsync(orgId, c.WorkflowId, definition.Graph, c.Input, live, null, ct, depth + 1);
        return child.Status == ExecutionStatus.Completed
            ? new ChildCompleted(c.StepKey, c.ChildExecutionId, child.FinalOutput) { Timestamp = clock.GetUtcNow() }
            : new ChildFailed(c.StepKey, c.ChildExecutionId, $"Sub-workflow {child.Status}: {child.Error}") { Timestamp = clock.GetUtcNow() };
    }
}
