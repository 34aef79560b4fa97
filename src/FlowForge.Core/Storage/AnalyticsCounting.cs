using System.Globalization;
using FlowForge.Core.Catalog;
using FlowForge.Core.Engine.History;

namespace FlowForge.Core.Storage;

/// <summary>
/// Turns a batch of terminal executions into signed increments of the analytics roll-ups. Pure: the store reads the
/// batch and writes the result, this decides what each execution counts for.
/// </summary>
public static class AnalyticsCounting
{
    public const string DurationMetric = "duration";
    public const string QueueMetric = "queue";

    /// <summary>
    /// The workflow id under which runs and histograms are also counted for the whole organisation (no workflow has it):
    /// an organisation's report then reads as few rows as one workflow's, however many workflows it has.
    /// </summary>
    public const string OrganizationWide = "";

    /// <summary>Error messages are grouped by their first this many characters (a message with an id in it still groups by its start).</summary>
    public const int MessageLength = 200;

    // The events that mean a turn worked on a step: the first of them ends the run's queue time.
    private static readonly HashSet<Type> StepStarts =
    [
        typeof(StepScheduled), typeof(StepCompleted), typeof(StepFailed), typeof(LoopStarted), typeof(TimerCreated),
        typeof(WaitStarted), typeof(ChildRequested),
    ];

    public static string Day(DateTimeOffset instant) => instant.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static AnalyticsDelta Count(IReadOnlyList<AnalyticsExecution> executions)
    {
        var runs = new Dictionary<(string, string, string, string), long>();
        var histograms = new Dictionary<(string, string, string, string, int), long>();
        var steps = new Dictionary<(string, string, string, string), (string Type, long Attempts, long Runs)>();
        var errors = new Dictionary<(string, string, string, string, string), long>();
        var variants = new Dictionary<(string, string, string, string, string), (long Runs, long Completed)>();
        var ledger = new List<AnalyticsLedgerEntry>();

        void AddRun(AnalyticsLedgerEntry e, int sign)
        {
            // Once for the workflow, once for the whole organisation (see OrganizationWide).
            foreach (var workflow in new[] { e.WorkflowId, OrganizationWide })
            {
                Add(runs, (e.OrgId, workflow, e.Day, e.Status), sign);
                Add(histograms, (e.OrgId, workflow, e.Day, DurationMetric, e.DurationBucket), sign);
                if (e.QueueBucket is { } queue) Add(histograms, (e.OrgId, workflow, e.Day, QueueMetric, queue), sign);
            }
            if (e.FailedNodeId is { } node)
            {
                var key = (e.OrgId, e.WorkflowId, e.Day, node);
                var current = steps.GetValueOrDefault(key, ("", 0, 0));
                steps[key] = (current.Type, current.Attempts, current.Runs + sign);
            }
            foreach (var v in e.Variants)
            {
                var key = (e.OrgId, e.WorkflowId, e.Day, v.NodeId, v.Variant);
                var current = variants.GetValueOrDefault(key);
                variants[key] = (current.Runs + sign, current.Completed + (e.Status == ExecutionStatus.Completed ? sign : 0));
            }
        }

        foreach (var x in executions)
        {
            if (x.Previous is { } previous) AddRun(previous, -1);

            var day = Day(x.CompletedAt);
            var nodeOfStep = new Dictionary<string, (string NodeId, string NodeType)>();
            DateTimeOffset? firstStep = null;
            string? failedStepKey = null;
            var chosen = new List<AnalyticsVariantChoice>();
            var countedUpTo = x.Previous?.CountedSequence ?? 0;
            foreach (var (sequence, e) in x.Events)
            {
                if (firstStep is null && StepStarts.Contains(e.GetType())) firstStep = e.Timestamp;
                switch (e)
                {
                    case StepScheduled s:
                        nodeOfStep[s.StepKey] = (s.NodeId, s.NodeType);
                        break;
                    case StepCompleted c:
                        nodeOfStep[c.StepKey] = (c.NodeId, c.NodeType);
                        if (c.NodeType == NodeTypeNames.LogicAbSplit && !chosen.Any(v => v.NodeId == c.NodeId && v.Variant == c.Port))
                            chosen.Add(new AnalyticsVariantChoice(c.NodeId, c.Port));
                        break;
                    case StepFailed f:
                        nodeOfStep[f.StepKey] = (f.NodeId, f.NodeType);
                        // Counted once: a recount after a resume only adds the failures that came after the first count.
                        if (sequence > countedUpTo)
                        {
                            var key = (x.OrgId, x.WorkflowId, day, f.NodeId);
                            var current = steps.GetValueOrDefault(key, ("", 0, 0));
                            steps[key] = (f.NodeType, current.Attempts + 1, current.Runs);
                            Add(errors, (x.OrgId, x.WorkflowId, day, f.NodeId, Shorten(f.Error)), 1);
                        }
                        break;
                    case LoopStarted l:
                        nodeOfStep[l.StepKey] = (l.NodeId, NodeTypeNames.LogicLoop);
                        break;
                    case WaitStarted w:
                        nodeOfStep[w.StepKey] = (w.NodeId, NodeTypeNames.LogicApproval);
                        break;
                    case ChildRequested child:
                        nodeOfStep[child.StepKey] = (child.NodeId, NodeTypeNames.LogicSubworkflow);
                        break;
                    case ChildFailed cf when sequence > countedUpTo && nodeOfStep.TryGetValue(cf.StepKey, out var parent):
                    {
                        // A sub-workflow step fails when its child does: counted as that step's failure, with the child's error.
                        var key = (x.OrgId, x.WorkflowId, day, parent.NodeId);
                        var current = steps.GetValueOrDefault(key, ("", 0, 0));
                        steps[key] = (parent.NodeType, current.Attempts + 1, current.Runs);
                        Add(errors, (x.OrgId, x.WorkflowId, day, parent.NodeId, Shorten(cf.Error)), 1);
                        break;
                    }
                    case ExecutionFailed ef:
                        failedStepKey = ef.StepKey;
                        break;
                    case ExecutionResumed:
                        failedStepKey = null;
                        break;
                }
            }

            string? failedNode = null;
            if (x.Status == ExecutionStatus.Failed && failedStepKey is not null)
            {
                if (nodeOfStep.TryGetValue(failedStepKey, out var node))
                {
                    failedNode = node.NodeId;
                    var key = (x.OrgId, x.WorkflowId, day, node.NodeId);
                    var current = steps.GetValueOrDefault(key, ("", 0, 0));
                    steps[key] = (current.Type.Length > 0 ? current.Type : node.NodeType, current.Attempts, current.Runs);
                }
            }
            var duration = (x.CompletedAt - x.CreatedAt).TotalMilliseconds;
            int? queueBucket = x.Previous is { } p ? p.QueueBucket
                : firstStep is { } first ? LogHistogram.Bucket(Math.Max(0, (first - x.CreatedAt).TotalMilliseconds)) : null;
            var entry = new AnalyticsLedgerEntry(
                x.Id, x.OrgId, x.WorkflowId, day, x.Status, LogHistogram.Bucket(Math.Max(0, duration)), queueBucket,
                failedNode, chosen, x.LastSequence);
            AddRun(entry, +1);
            ledger.Add(entry);
        }

        return new AnalyticsDelta(
            [.. runs.Where(r => r.Value != 0).Select(r => new AnalyticsRunCount(r.Key.Item1, r.Key.Item2, r.Key.Item3, r.Key.Item4, r.Value))],
            [.. histograms.Where(h => h.Value != 0).Select(h => new AnalyticsHistogramCount(h.Key.Item1, h.Key.Item2, h.Key.Item3, h.Key.Item4, h.Key.Item5, h.Value))],
            [.. steps.Where(s => s.Value.Attempts != 0 || s.Value.Runs != 0)
                .Select(s => new AnalyticsStepCount(s.Key.Item1, s.Key.Item2, s.Key.Item3, s.Key.Item4, s.Value.Type, s.Value.Attempts, s.Value.Runs))],
            [.. errors.Select(e => new AnalyticsErrorCount(e.Key.Item1, e.Key.Item2, e.Key.Item3, e.Key.Item4, e.Key.Item5, e.Value))],
            [.. variants.Where(v => v.Value.Runs != 0 || v.Value.Completed != 0)
                .Select(v => new AnalyticsVariantCount(v.Key.Item1, v.Key.Item2, v.Key.Item3, v.Key.Item4, v.Key.Item5, v.Value.Runs, v.Value.Completed))],
            ledger);
    }

    public static string Shorten(string message)
    {
        var oneLine = message.ReplaceLineEndings(" ").Trim();
        return oneLine.Length <= MessageLength ? oneLine : oneLine[..(MessageLength - 1)] + "…";
    }

    private static void Add<TKey>(Dictionary<TKey, long> counts, TKey key, long by) where TKey : notnull =>
        counts[key] = counts.GetValueOrDefault(key) + by;
}
