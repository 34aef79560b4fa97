using FlowForge.Core.Engine.History;

namespace FlowForge.Core.Storage;

/// <summary>
/// Where the analytics roll-up has got to: every terminal execution ordered at or before
/// (<see cref="CompletedAt"/>, <see cref="ExecutionId"/>) is counted. Both null before the first batch.
/// <see cref="Version"/> counts the batches: moving the watermark is a compare-and-set on it.
/// </summary>
public sealed record AnalyticsWatermark(DateTimeOffset? CompletedAt, string? ExecutionId, long Version);

/// <summary>
/// A terminal execution to count, with the history events the roll-up reads (up to <see cref="LastSequence"/>), and
/// what an earlier count of it added (<see cref="Previous"/>: a failed execution that was resumed and finished again).
/// </summary>
public sealed record AnalyticsExecution(
    string Id, string OrgId, string WorkflowId, string Status, DateTimeOffset CreatedAt, DateTimeOffset CompletedAt, long LastSequence,
    IReadOnlyList<(long Sequence, HistoryEvent Event)> Events, AnalyticsLedgerEntry? Previous);

/// <summary>
/// What counting one execution added to the run-level roll-ups, kept so a recount (after a resume) can take it back.
/// Step failures are not in it: they are counted once per event, by sequence, so a recount only adds the new ones.
/// </summary>
public sealed record AnalyticsLedgerEntry(
    string ExecutionId, string OrgId, string WorkflowId, string Day, string Status, int DurationBucket, int? QueueBucket,
    string? FailedNodeId, IReadOnlyList<AnalyticsVariantChoice> Variants, long CountedSequence);

/// <summary>An A/B split step (<see cref="NodeId"/>) sent the execution down <see cref="Variant"/>.</summary>
public sealed record AnalyticsVariantChoice(string NodeId, string Variant);

/// <summary>The next terminal executions past the watermark, oldest completion first.</summary>
public sealed record AnalyticsBatch(AnalyticsWatermark Watermark, IReadOnlyList<AnalyticsExecution> Executions);

/// <summary>Signed increments to the roll-up tables and the ledger rows to write, committed with the watermark's move.</summary>
public sealed record AnalyticsDelta(
    IReadOnlyList<AnalyticsRunCount> Runs,
    IReadOnlyList<AnalyticsHistogramCount> Histograms,
    IReadOnlyList<AnalyticsStepCount> Steps,
    IReadOnlyList<AnalyticsErrorCount> Errors,
    IReadOnlyList<AnalyticsVariantCount> Variants,
    IReadOnlyList<AnalyticsLedgerEntry> Ledger);

/// <summary>Runs of a workflow that ended on <see cref="Day"/> (UTC, yyyy-MM-dd) with <see cref="Status"/>.</summary>
public sealed record AnalyticsRunCount(string OrgId, string WorkflowId, string Day, string Status, long Runs);

/// <summary>How many runs' <see cref="Metric"/> fell in log-scale <see cref="Bucket"/> (see <see cref="LogHistogram"/>).</summary>
public sealed record AnalyticsHistogramCount(string OrgId, string WorkflowId, string Day, string Metric, int Bucket, long Count);

/// <summary>A step's failed attempts, and the runs it failed, on a day.</summary>
public sealed record AnalyticsStepCount(string OrgId, string WorkflowId, string Day, string NodeId, string NodeType, long FailedAttempts, long FailedRuns);

/// <summary>How often a step failed with one (shortened) error message on a day.</summary>
public sealed record AnalyticsErrorCount(string OrgId, string WorkflowId, string Day, string NodeId, string Message, long Count);

/// <summary>Runs that went down a variant of an A/B split, and how many of them completed.</summary>
public sealed record AnalyticsVariantCount(string OrgId, string WorkflowId, string Day, string NodeId, string Variant, long Runs, long Completed);

/// <summary>The roll-up rows of one organisation (optionally one workflow) over a range of days, summed per day where it matters.</summary>
public sealed record AnalyticsRollup(
    IReadOnlyList<AnalyticsRunCount> Runs,
    IReadOnlyList<AnalyticsHistogramCount> Histograms,
    IReadOnlyList<AnalyticsStepCount> Steps,
    IReadOnlyList<AnalyticsErrorCount> Errors,
    IReadOnlyList<AnalyticsVariantCount> Variants,
    AnalyticsWatermark Watermark);

/// <summary>
/// Analytics roll-ups: per-(organisation, workflow, day[, step][, variant]) counters and duration histograms, kept up
/// by a consumer that reads terminal executions past a durable watermark. Reading them never touches executions or
/// history, so a report costs the same with a thousand stored executions as with a million.
/// </summary>
public interface IAnalyticsStore
{
    /// <summary>
    /// Up to <paramref name="max"/> terminal executions ordered after the watermark by (completed_at, id) and completed
    /// no later than <paramref name="settledBefore"/> (so a turn still committing with an earlier time is not skipped),
    /// with their history and ledger entries.
    /// </summary>
    Task<AnalyticsBatch> ReadPendingAsync(int max, DateTimeOffset settledBefore, CancellationToken ct = default);

    /// <summary>
    /// Moves the watermark from <paramref name="from"/> to just after <paramref name="last"/> and applies <paramref name="delta"/>
    /// in the same transaction. False, with nothing written, when the watermark is no longer at <paramref name="from"/>
    /// (another process counted the batch first).
    /// </summary>
    Task<bool> ApplyAsync(AnalyticsWatermark from, AnalyticsExecution last, AnalyticsDelta delta, CancellationToken ct = default);

    /// <summary>The organisation's roll-ups for the days <paramref name="fromDay"/> to <paramref name="toDay"/> (inclusive, yyyy-MM-dd).</summary>
    Task<AnalyticsRollup> ReadAsync(string orgId, string? workflowId, string fromDay, string toDay, CancellationToken ct = default);

    /// <summary>Forgets ledger rows of runs that ended before <paramref name="day"/>: they are purged, so never resumed again.</summary>
    Task<int> PruneLedgerAsync(string day, int max, CancellationToken ct = default);
}

/// <summary>
/// Fixed log-scale buckets for durations in milliseconds: bucket 0 holds everything under 1 ms, bucket i ≥ 1 holds
/// [2^((i-1)/8), 2^(i/8)) ms. A percentile read from the buckets is the bucket's geometric middle, so it is within
/// 2^(1/16) - 1 (4.4 %) of the true value; under 1 ms it reads 0.5 ms (within 0.5 ms).
/// </summary>
public static class LogHistogram
{
    public const int PerDoubling = 8;

    /// <summary>The largest bucket: 2^40 ms is about 35 years, longer than any run.</summary>
    public const int MaxBucket = 40 * PerDoubling;

    /// <summary>The most a percentile read from the buckets is off, relative to the true value (from 1 ms up).</summary>
    public static readonly double RelativeError = Math.Pow(2, 1.0 / (2 * PerDoubling)) - 1;

    public static int Bucket(double milliseconds) =>
        milliseconds < 1 ? 0 : Math.Min(MaxBucket, 1 + (int)Math.Floor(Math.Log2(milliseconds) * PerDoubling));

    /// <summary>The value a bucket stands for: its geometric middle (0.5 ms for the one under 1 ms).</summary>
    public static double Value(int bucket) => bucket == 0 ? 0.5 : Math.Pow(2, (bucket - 0.5) / PerDoubling);

    /// <summary>The <paramref name="quantile"/> (0..1) of the counted values, or null when there are none.</summary>
    public static double? Percentile(IEnumerable<KeyValuePair<int, long>> counts, double quantile)
    {
        var ordered = counts.Where(c => c.Value > 0).OrderBy(c => c.Key).ToList();
        var total = ordered.Sum(c => c.Value);
        if (total == 0) return null;
        // The nearest-rank percentile: the smallest value with at least quantile × n values at or below it.
        var rank = Math.Max(1, (long)Math.Ceiling(quantile * total));
        long seen = 0;
        foreach (var (bucket, count) in ordered)
        {
            seen += count;
            if (seen >= rank) return Value(bucket);
        }
        return Value(ordered[^1].Key);
    }
}
