using System.Collections;
using System.Diagnostics;
using FlowForge.Core.Engine.History;

namespace FlowForge.Server.Telemetry;

/// <summary>What a step attempt's span and duration record about its result (only called with something listening).</summary>
internal static class StepTelemetry
{
    public static void Record(Activity? span, HistoryEvent? result, TimeSpan? elapsed, string nodeType)
    {
        var outcome = result switch
        {
            StepCompleted => "completed",
            // The runner words its own timeout so (ActivityRunner); a handler failure worded the same is counted with it.
            StepFailed f when f.Error.StartsWith("Timed out after", StringComparison.Ordinal) => "timed_out",
            StepFailed => "failed",
            _ => "aborted", // cut off by shutdown: another attempt runs it
        };
        if (elapsed is { } duration)
        {
            FlowForgeTelemetry.StepDuration.Record(duration.TotalSeconds,
                new KeyValuePair<string, object?>(FlowForgeTelemetry.NodeTypeTag, nodeType), new(FlowForgeTelemetry.OutcomeTag, outcome));
        }
        if (span is null) return;
        span.SetTag(FlowForgeTelemetry.OutcomeTag, outcome);
        if (result is StepFailed failed)
        {
            span.SetTag("flowforge.step.retryable", failed.Retryable);
            span.SetStatus(ActivityStatusCode.Error, failed.Error);
        }
    }
}

/// <summary>
/// The logging scope of a step attempt: log records written while it runs carry the execution, step and attempt
/// (the OpenTelemetry log exporter sends scopes as attributes; the trace and span id come from the attempt's span).
/// </summary>
internal sealed class StepLogScope(string executionId, string stepKey, int attempt) : IReadOnlyList<KeyValuePair<string, object?>>
{
    public int Count => 3;

    public KeyValuePair<string, object?> this[int index] => index switch
    {
        0 => new(FlowForgeTelemetry.ExecutionTag, executionId),
        1 => new("flowforge.step.key", stepKey),
        2 => new("flowforge.step.attempt", attempt),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        for (var i = 0; i < Count; i++) yield return this[i];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => $"execution {executionId}, step {stepKey}, attempt {attempt}";
}
