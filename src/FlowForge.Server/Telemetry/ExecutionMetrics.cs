using System.Diagnostics;
using FlowForge.Core.Engine.History;
using FlowForge.Server.Engine;
using Microsoft.Extensions.Options;

namespace FlowForge.Server.Telemetry;

/// <summary>
/// Reads the engine's own feed of committed turns (<see cref="ExecutionEvents"/>) into the execution metrics and the
/// <c>flowforge.execution</c> span. Registered only with telemetry on, so with it off the dispatcher does no telemetry
/// work per turn at all; on, it is a pass over the turn's events, on the dispatcher's thread, after the commit (so only
/// what is durable is counted, and counted once: by the process that committed it).
/// </summary>
internal sealed class ExecutionMetrics(ExecutionEvents events, IConfiguration configuration, IOptions<TelemetryOptions> options,
    ILogger<ExecutionMetrics> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var endpoint = configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        if (string.IsNullOrWhiteSpace(endpoint) && !options.Value.Prometheus) Logs.TelemetryGoesNowhere(logger);
        else Logs.TelemetryOn(logger, string.IsNullOrWhiteSpace(endpoint) ? "none" : endpoint,
            options.Value.Prometheus ? TelemetryRegistration.MetricsPath : "off");
        events.Committed += OnCommitted;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        events.Committed -= OnCommitted;
        return Task.CompletedTask;
    }

    internal static void OnCommitted(ExecutionProgress turn)
    {
        var workflow = new KeyValuePair<string, object?>(FlowForgeTelemetry.WorkflowTag, turn.WorkflowId);
        foreach (var e in turn.Events)
        {
            switch (e)
            {
                case ExecutionStarted started:
                    FlowForgeTelemetry.ExecutionsStarted.Add(1, workflow);
                    FlowForgeTelemetry.QueueTime.Record(Seconds(turn.CommittedAt - (turn.CreatedAt ?? started.Timestamp)), workflow);
                    break;
                // Inline steps are logic the decider ran within the turn: not attempts of a handler.
                case StepCompleted { Inline: false } completed:
                    FlowForgeTelemetry.StepAttempts.Add(1, workflow, new(FlowForgeTelemetry.NodeTypeTag, completed.NodeType),
                        new(FlowForgeTelemetry.OutcomeTag, "completed"));
                    break;
                case StepFailed { Inline: false } failed:
                    FlowForgeTelemetry.StepAttempts.Add(1, workflow, new(FlowForgeTelemetry.NodeTypeTag, failed.NodeType),
                        new(FlowForgeTelemetry.OutcomeTag, "failed"));
                    break;
                case TimerFired fired:
                    // The message carries the moment it was due; the turn's commit is when the engine acted on it.
                    FlowForgeTelemetry.TimerLag.Record(Seconds(turn.CommittedAt - fired.Timestamp), workflow);
                    break;
                case ExecutionCompleted:
                    FlowForgeTelemetry.ExecutionsCompleted.Add(1, workflow);
                    Finished(turn, ActivityStatusCode.Ok, null);
                    break;
                case ExecutionFailed f:
                    FlowForgeTelemetry.ExecutionsFailed.Add(1, workflow);
                    Finished(turn, ActivityStatusCode.Error, f.Error);
                    break;
                case ExecutionCancelled:
                    FlowForgeTelemetry.ExecutionsCancelled.Add(1, workflow);
                    Finished(turn, ActivityStatusCode.Unset, null);
                    break;
            }
        }
    }

    /// <summary>
    /// The span of the whole run, from its acceptance to the commit that ended it, emitted at the end (a span cannot be
    /// kept open across processes and days): in the execution's trace, beside its step attempts.
    /// </summary>
    private static void Finished(ExecutionProgress turn, ActivityStatusCode status, string? error)
    {
        if (!FlowForgeTelemetry.Source.HasListeners()) return;
        // Called synchronously on the dispatcher's thread: stopping a span whose parent is remote leaves no current span,
        // so whatever was current is put back.
        var current = Activity.Current;
        try
        {
            using var span = FlowForgeTelemetry.Source.StartActivity("flowforge.execution", ActivityKind.Internal,
                ExecutionTrace.ContextOf(turn.ExecutionId), startTime: turn.CreatedAt ?? turn.CommittedAt);
            if (span is null) return;
            span.SetTag(FlowForgeTelemetry.ExecutionTag, turn.ExecutionId);
            span.SetTag(FlowForgeTelemetry.WorkflowTag, turn.WorkflowId);
            span.SetTag("flowforge.execution.status", turn.Status);
            span.SetStatus(status, error);
            span.SetEndTime(turn.CommittedAt.UtcDateTime);
        }
        finally
        {
            Activity.Current = current;
        }
    }

    private static double Seconds(TimeSpan t) => Math.Max(0, t.TotalSeconds);
}
