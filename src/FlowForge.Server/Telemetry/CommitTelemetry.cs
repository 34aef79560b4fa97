using System.Diagnostics;
using FlowForge.Core.Storage;

namespace FlowForge.Server.Telemetry;

/// <summary>The dispatcher's group commit as a span and a latency: nothing is computed unless something listens.</summary>
internal static class CommitTelemetry
{
    /// <summary>Links past this many executions add little to a trace and cost a hash each.</summary>
    private const int MaxLinks = 32;

    /// <summary>
    /// The span of one group commit. It lives in the trace of the batch's first execution (at low load a batch is one
    /// execution, so its commits sit among its steps) and links to the others'.
    /// </summary>
    public static Activity? Start(IReadOnlyList<OrchestrationCommit> commits)
    {
        if (!FlowForgeTelemetry.Source.HasListeners() || commits.Count == 0) return null;
        List<ActivityLink>? links = null;
        for (var i = 1; i < commits.Count && i <= MaxLinks; i++)
        {
            (links ??= []).Add(new ActivityLink(ExecutionTrace.ContextOf(commits[i].ExecutionId)));
        }
        var span = FlowForgeTelemetry.Source.StartActivity("flowforge.commit", ActivityKind.Internal,
            ExecutionTrace.ContextOf(commits[0].ExecutionId), links: links);
        span?.SetTag("flowforge.commit.turns", commits.Count);
        return span;
    }

    /// <summary>A timestamp to pass to <see cref="End"/>, or 0 when the latency histogram has no listener.</summary>
    public static long Begin() => FlowForgeTelemetry.CommitDuration.Enabled ? Stopwatch.GetTimestamp() : 0;

    /// <summary>Records a successful commit's latency (a failed one is a span without a duration sample: it committed nothing).</summary>
    public static void End(long started)
    {
        if (started != 0) FlowForgeTelemetry.CommitDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
    }
}
