using System.Text.Json.Nodes;
using FlowForge.Core.Catalog;
using FlowForge.Core.Engine.History;
using FlowForge.Core.Expressions;
using FlowForge.Core.Storage;
using FlowForge.Server.Api;
using FlowForge.Server.Nodes;
using FlowForge.Server.Telemetry;
using Microsoft.Extensions.Options;

namespace FlowForge.Server.Engine;

/// <summary>
/// Runs one attempt of one step with its handler and turns whatever happens into the step's result event. The
/// durable <see cref="ActivityWorker"/> and the in-memory <see cref="TestRunner"/> both run attempts here, so a test
/// run fails a step exactly as an execution would: the step's timeout, an output too large or too deep to keep,
/// a <see cref="NodeFailure"/>, and any other exception (a handler bug is a failed step, never an error of the caller).
/// <para>It is also the one place that decides what a test run changes: the handler sees the <see cref="RunMode"/>
/// its caller chose, and in <see cref="RunMode.PreviewTest"/> a node with side effects is previewed here, without
/// reaching its handler.</para>
/// </summary>
internal sealed class ActivityRunner(NodeHandlerRegistry handlers, NodeCatalog catalog, IOptions<RequestLimits> limits, ILogger<ActivityRunner> logger, TimeProvider clock)
{
    /// <summary>True when a step of <paramref name="nodeType"/> is previewed (its resolved input returned, nothing run) in <paramref name="mode"/>.</summary>
    public bool Previews(RunMode mode, string nodeType) => mode == RunMode.PreviewTest && catalog.Find(nodeType)?.HasSideEffects == true;

    /// <summary>
    /// Runs <paramref name="request"/> once, with its timeout. Returns null when <paramref name="abort"/> cut it off
    /// (shutdown for a worker, the end of a test run's budget): what that means is the caller's to say.
    /// </summary>
    public Task<HistoryEvent?> RunAsync(ActivityRequest request, RunMode mode, CancellationToken abort) =>
        // With telemetry off the attempt runs as it did before: no wrapper, not even an extra async state machine. Test runs
        // are not executions: their steps are neither spans of an execution's trace nor samples of the step metrics.
        mode == RunMode.Execution && (FlowForgeTelemetry.Source.HasListeners() || FlowForgeTelemetry.StepDuration.Enabled)
            ? RunObservedAsync(request, abort)
            : RunAttemptAsync(request, mode, abort);

    private async Task<HistoryEvent?> RunObservedAsync(ActivityRequest request, CancellationToken abort)
    {
        // An execution's attempt is a span in the execution's trace, whichever process runs it.
        using var span = FlowForgeTelemetry.StartStep(request.ExecutionId, request.StepKey, request.NodeType, request.Attempt);
        using var scope = span is null ? null : logger.BeginScope(new StepLogScope(request.ExecutionId, request.StepKey, request.Attempt));
        var started = FlowForgeTelemetry.StepDuration.Enabled ? clock.GetTimestamp() : 0;
        var result = await RunAttemptAsync(request, RunMode.Execution, abort);
        if (started != 0 || span is not null) StepTelemetry.Record(span, result, started == 0 ? null : clock.GetElapsedTime(started), request.NodeType);
        return result;
    }

    private async Task<HistoryEvent?> RunAttemptAsync(ActivityRequest request, RunMode mode, CancellationToken abort)
    {
        if (Previews(mode, request.NodeType))
        {
            var port = catalog.Find(request.NodeType)!.OutputPorts is { Count: > 0 } ports ? ports[0] : NodeTypeDescriptor.DefaultPort;
            return new StepCompleted(request.StepKey, request.NodeId, request.NodeType, request.Attempt,
                new JsonObject { ["preview"] = true, ["input"] = request.Input?.DeepClone() }, port) { Timestamp = clock.GetUtcNow() };
        }
        var handler = handlers.Find(request.NodeType);
        if (handler is null)
        {
            var known = catalog.Find(request.NodeType) is not null;
            return Failed(request, known
                ? $"Node type '{request.NodeType}' cannot run on this server: no handler is installed for it."
                : $"Unknown node type '{request.NodeType}'.", retryable: false);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(abort);
        timeout.CancelAfter(request.Timeout);
        var started = clock.GetTimestamp();
        try
        {
            var context = new NodeRunContext(request.ExecutionId, request.OrgId, request.StepKey, request.NodeId, request.NodeType, request.Attempt, request.Input,
                request.IdempotencyKey, mode);
            var result = await handler.RunAsync(context, timeout.Token);
            var port = result.Port ?? NodeTypeDescriptor.DefaultPort;
            // An output too large or too deep to store fails this step, rather than every commit it would be part of.
            if (ValueBudget.Check(result.Output, limits.Value.MaxStepOutputBytes) is { } tooLarge)
            {
                return Failed(request, $"The step's output cannot be kept: {tooLarge}", retryable: false);
            }
            return new StepCompleted(request.StepKey, request.NodeId, request.NodeType, request.Attempt, result.Output, port) { Timestamp = clock.GetUtcNow() };
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            return null;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return Failed(request, $"Timed out after {request.Timeout.TotalSeconds:0.###} s (the step's timeout).", retryable: true);
        }
        catch (NodeFailure failure)
        {
            return Failed(request, failure.Message, failure.Retryable) with { RetryAfter = failure.RetryAfter };
        }
        catch (Exception e)
        {
            Logs.ActivityCrashed(logger, e, request.ExecutionId, request.StepKey, clock.GetElapsedTime(started).TotalMilliseconds);
            return Failed(request, $"{e.GetType().Name}: {e.Message}", retryable: true);
        }
    }

    /// <summary>A failed attempt of <paramref name="r"/>, stamped now.</summary>
    public StepFailed Failed(ActivityRequest r, string error, bool retryable) =>
        new(r.StepKey, r.NodeId, r.NodeType, r.Attempt, error, retryable) { Timestamp = clock.GetUtcNow() };
}
