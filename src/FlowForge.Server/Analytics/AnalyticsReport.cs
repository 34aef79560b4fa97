using System.Globalization;
using FlowForge.Core.Storage;

namespace FlowForge.Server.Analytics;

/// <summary>An analytics report: what <c>GET /api/analytics/...</c> answers.</summary>
/// <param name="WorkflowId">The workflow reported on, or null for the whole organisation.</param>
/// <param name="Days">Every day of the range, oldest first, zeros included.</param>
/// <param name="FailingSteps">The steps that failed the most runs (then attempts), at most 10, each with its most frequent errors.</param>
/// <param name="Variants">A/B split outcomes: per split step and variant, the runs that went down it and how many completed.</param>
/// <param name="CountedUntil">Runs that ended up to this instant are counted (null before anything was).</param>
/// <param name="PercentileRelativeError">How far, relatively, a percentile may be from the exact value (the histograms' bucket width).</param>
internal sealed record AnalyticsReport(
    string From, string To, string? WorkflowId, AnalyticsTotals Totals, IReadOnlyList<AnalyticsDay> Days,
    IReadOnlyList<FailingStep> FailingSteps, IReadOnlyList<VariantOutcome> Variants, DateTimeOffset? CountedUntil, double PercentileRelativeError)
{
    public const int TopSteps = 10;
    public const int TopErrors = 3;

    public static AnalyticsReport Of(AnalyticsRollup rollup, string from, string to, string? workflowId)
    {
        var runsByDay = rollup.Runs.ToLookup(r => r.Day);
        var histogramsByDay = rollup.Histograms.ToLookup(h => h.Day);
        var days = new List<AnalyticsDay>();
        var start = DateOnly.ParseExact(from, "yyyy-MM-dd", CultureInfo.InvariantCulture);
        var end = DateOnly.ParseExact(to, "yyyy-MM-dd", CultureInfo.InvariantCulture);
        for (var d = start; d <= end; d = d.AddDays(1))
        {
            var day = d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            var (completed, failed, cancelled) = Split(runsByDay[day]);
            var hist = histogramsByDay[day].ToList();
            days.Add(new AnalyticsDay(day, completed, failed, cancelled, Rate(completed, completed + failed + cancelled),
                Percentile(hist, AnalyticsCounting.DurationMetric, 0.5), Percentile(hist, AnalyticsCounting.DurationMetric, 0.95),
                Percentile(hist, AnalyticsCounting.QueueMetric, 0.5), Percentile(hist, AnalyticsCounting.QueueMetric, 0.95)));
        }
        var (c, f, x) = Split(rollup.Runs);
        var all = rollup.Histograms.ToList();
        var totals = new AnalyticsTotals(c + f + x, c, f, x, Rate(c, c + f + x),
            Percentile(all, AnalyticsCounting.DurationMetric, 0.5), Percentile(all, AnalyticsCounting.DurationMetric, 0.95),
            Percentile(all, AnalyticsCounting.QueueMetric, 0.5), Percentile(all, AnalyticsCounting.QueueMetric, 0.95));

        var errors = rollup.Errors.ToLookup(e => (e.WorkflowId, e.NodeId));
        var steps = rollup.Steps
            .Where(s => s.FailedAttempts > 0 || s.FailedRuns > 0)
            .OrderByDescending(s => s.FailedRuns).ThenByDescending(s => s.FailedAttempts).ThenBy(s => s.WorkflowId, StringComparer.Ordinal).ThenBy(s => s.NodeId, StringComparer.Ordinal)
            .Take(TopSteps)
            .Select(s => new FailingStep(s.WorkflowId, s.NodeId, s.NodeType, s.FailedAttempts, s.FailedRuns,
                [.. errors[(s.WorkflowId, s.NodeId)].Where(e => e.Count > 0).OrderByDescending(e => e.Count).ThenBy(e => e.Message, StringComparer.Ordinal)
                    .Take(TopErrors).Select(e => new ErrorCount(e.Message, e.Count))]))
            .ToList();
        var variants = rollup.Variants
            .Where(v => v.Runs > 0)
            .OrderBy(v => v.WorkflowId, StringComparer.Ordinal).ThenBy(v => v.NodeId, StringComparer.Ordinal).ThenBy(v => v.Variant, StringComparer.Ordinal)
            .Select(v => new VariantOutcome(v.WorkflowId, v.NodeId, v.Variant, v.Runs, v.Completed, Rate(v.Completed, v.Runs)))
            .ToList();
        return new AnalyticsReport(from, to, workflowId, totals, days, steps, variants, rollup.Watermark.CompletedAt, Math.Round(LogHistogram.RelativeError, 4));
    }

    private static (long Completed, long Failed, long Cancelled) Split(IEnumerable<AnalyticsRunCount> runs)
    {
        long completed = 0, failed = 0, cancelled = 0;
        foreach (var r in runs)
        {
            switch (r.Status)
            {
                case ExecutionStatus.Completed: completed += r.Runs; break;
                case ExecutionStatus.Failed: failed += r.Runs; break;
                case ExecutionStatus.Cancelled: cancelled += r.Runs; break;
            }
        }
        return (completed, failed, cancelled);
    }

    private static double? Rate(long part, long whole) => whole <= 0 ? null : Math.Round((double)part / whole, 4);

    private static double? Percentile(List<AnalyticsHistogramCount> histograms, string metric, double quantile)
    {
        var counts = histograms.Where(h => h.Metric == metric).GroupBy(h => h.Bucket).Select(g => KeyValuePair.Create(g.Key, g.Sum(h => h.Count)));
        return LogHistogram.Percentile(counts, quantile) is { } ms ? Math.Round(ms, 1) : null;
    }
}

/// <summary>The whole range. <c>SuccessRate</c> is completed runs over finished ones (cancelled included), null without runs.</summary>
internal sealed record AnalyticsTotals(
    long Runs, long Completed, long Failed, long Cancelled, double? SuccessRate,
    double? DurationP50Ms, double? DurationP95Ms, double? QueueP50Ms, double? QueueP95Ms);

/// <summary>One UTC day: runs that ended that day by outcome, and their percentiles (null without runs).</summary>
internal sealed record AnalyticsDay(
    string Day, long Completed, long Failed, long Cancelled, double? SuccessRate,
    double? DurationP50Ms, double? DurationP95Ms, double? QueueP50Ms, double? QueueP95Ms);

/// <param name="FailedAttempts">Every failed attempt, including those a retry then fixed.</param>
/// <param name="FailedRuns">Runs that ended failed because of this step.</param>
internal sealed record FailingStep(string WorkflowId, string NodeId, string NodeType, long FailedAttempts, long FailedRuns, IReadOnlyList<ErrorCount> Errors);

/// <param name="Message">The error's first 200 characters, on one line.</param>
internal sealed record ErrorCount(string Message, long Count);

internal sealed record VariantOutcome(string WorkflowId, string NodeId, string Variant, long Runs, long Completed, double? SuccessRate);
