using System.Diagnostics;

namespace FlowForge.Server.Telemetry;

/// <summary>
/// Ties the request that started an execution to the execution's trace. The execution has a trace of its own (it outlives
/// the request by days and continues on other processes); the request's span links to it and its start span links back.
/// </summary>
internal static class StartTelemetry
{
    private const string CallerProperty = "flowforge.caller";

    /// <summary>The span of the start's commit, in the execution's trace, linked to the caller's span; null when nobody listens.</summary>
    public static Activity? Start(string executionId, string workflowId)
    {
        if (!FlowForgeTelemetry.Source.HasListeners()) return null;
        var caller = Activity.Current;
        ActivityLink[]? links = caller is null ? null : [new ActivityLink(caller.Context)];
        var span = FlowForgeTelemetry.Source.StartActivity("flowforge.execution.start", ActivityKind.Internal,
            ExecutionTrace.ContextOf(executionId), links: links);
        span?.SetTag(FlowForgeTelemetry.ExecutionTag, executionId);
        span?.SetTag(FlowForgeTelemetry.WorkflowTag, workflowId);
        // Started with an explicit parent, the span has no Parent object: the caller is kept for Started.
        span?.SetCustomProperty(CallerProperty, caller);
        return span;
    }

    /// <summary>
    /// After the commit: the caller's span links to the execution it started, or to the one it repeated (an
    /// Idempotency-Key seen before answers with the first execution, which is the trace to look at).
    /// </summary>
    public static void Started(Activity? span, string executionId, bool existing)
    {
        if (span is null) return;
        span.SetTag("flowforge.start.existing", existing);
        var caller = span.GetCustomProperty(CallerProperty) as Activity;
        caller?.AddLink(new ActivityLink(ExecutionTrace.ContextOf(executionId)));
        if (caller is not null) caller.SetTag(FlowForgeTelemetry.ExecutionTag, executionId);
    }
}
