using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace FlowForge.Server.Telemetry;

/// <summary>
/// The server's own instruments: one <see cref="ActivitySource"/> and one <see cref="Meter"/>, both named "FlowForge".
/// They always exist; with telemetry off nothing listens, so a call site pays a check (<see cref="ActivitySource.HasListeners"/>,
/// <see cref="Instrument.Enabled"/>) and allocates nothing. Static because the engine's parts are built in many places (the
/// server, tests, the bench) and an instrument with no listener is free to share.
/// </summary>
internal static class FlowForgeTelemetry
{
    public const string Name = "FlowForge";

    public static readonly ActivitySource Source = new(Name);

    public static readonly Meter Meter = new(Name);

    // Tag names, as OpenTelemetry's semantic conventions would spell them for our own domain.
    public const string WorkflowTag = "flowforge.workflow.id";
    public const string ExecutionTag = "flowforge.execution.id";
    public const string NodeTypeTag = "flowforge.node.type";
    public const string OutcomeTag = "flowforge.outcome";

    public static readonly Counter<long> ExecutionsStarted = Meter.CreateCounter<long>("flowforge.executions.started", "{execution}",
        "Executions whose first turn was committed, by workflow.");

    public static readonly Counter<long> ExecutionsCompleted = Meter.CreateCounter<long>("flowforge.executions.completed", "{execution}",
        "Executions that completed, by workflow.");

    public static readonly Counter<long> ExecutionsFailed = Meter.CreateCounter<long>("flowforge.executions.failed", "{execution}",
        "Executions that failed, by workflow.");

    public static readonly Counter<long> ExecutionsCancelled = Meter.CreateCounter<long>("flowforge.executions.cancelled", "{execution}",
        "Executions that were cancelled, by workflow.");

    public static readonly Counter<long> StepAttempts = Meter.CreateCounter<long>("flowforge.step.attempts", "{attempt}",
        "Step attempts whose result was committed, by workflow, node type and outcome (completed, failed).");

    public static readonly Histogram<double> StepDuration = Meter.CreateHistogram<double>("flowforge.step.duration", "s",
        "How long one step attempt ran in its handler, by node type and outcome (completed, failed, timed_out).");

    public static readonly Histogram<double> QueueTime = Meter.CreateHistogram<double>("flowforge.execution.queue_time", "s",
        "From an execution's acceptance to the commit of its first turn (its first steps scheduled).");

    public static readonly Histogram<double> CommitDuration = Meter.CreateHistogram<double>("flowforge.commit.duration", "s",
        "How long the dispatcher's group commit of decided turns took (one transaction).");

    public static readonly Histogram<double> TimerLag = Meter.CreateHistogram<double>("flowforge.timer.lag", "s",
        "How late a durable timer (delay, approval timeout, retry back-off) was acted on after it was due, by workflow.");

    /// <summary>Starts the span of one step attempt, in its execution's trace; null (and nothing computed) when nobody listens.</summary>
    public static Activity? StartStep(string executionId, string stepKey, string nodeType, int attempt)
    {
        if (!Source.HasListeners()) return null;
        var span = Source.StartActivity($"step {nodeType}", ActivityKind.Internal, ExecutionTrace.ContextOf(executionId));
        if (span is null) return null;
        span.SetTag(ExecutionTag, executionId);
        span.SetTag("flowforge.step.key", stepKey);
        span.SetTag(NodeTypeTag, nodeType);
        span.SetTag("flowforge.step.attempt", attempt);
        return span;
    }
}
