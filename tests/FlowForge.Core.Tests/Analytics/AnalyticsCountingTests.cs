using System.Text.Json.Nodes;
using FlowForge.Core.Catalog;
using FlowForge.Core.Engine.History;
using FlowForge.Core.Storage;

namespace FlowForge.Core.Tests.Analytics;

/// <summary>What one finished run counts for in the analytics roll-ups, and the histograms' error bound.</summary>
public sealed class AnalyticsCountingTests
{
    private static readonly DateTimeOffset T0 = new(2030, 3, 1, 23, 59, 59, TimeSpan.Zero);

    private static AnalyticsExecution Run(string status, DateTimeOffset completed, AnalyticsLedgerEntry? previous = null, params HistoryEvent[] events) =>
        new("ex_1", "org", "wf", status, T0, completed, events.Length + 1, [.. events.Select((e, i) => ((long)i + 2, e))], previous);

    [Fact]
    public void AFailedRun_CountsItsStatusDurationQueueFailedStepAndErrors_OnTheDayItEnded()
    {
        var delta = AnalyticsCounting.Count([Run(ExecutionStatus.Failed, T0.AddSeconds(2), null,
            new StepCompleted("t", "t", "trigger_manual", 1, null, "main", Inline: true) { Timestamp = T0.AddMilliseconds(30) },
            new StepScheduled("call", "call", "action_http", 1, null) { Timestamp = T0.AddMilliseconds(30) },
            new StepFailed("call", "call", "action_http", 1, "HTTP 503") { Timestamp = T0.AddSeconds(1) },
            new StepFailed("call", "call", "action_http", 2, "HTTP 503") { Timestamp = T0.AddSeconds(2) },
            new ExecutionFailed("call failed", "call") { Timestamp = T0.AddSeconds(2) })]);

        // Once for the workflow, once organisation-wide; on the day it ended (the next UTC day), not the day it started.
        Assert.Equal([("wf", "2030-03-02", 1L), ("", "2030-03-02", 1L)], delta.Runs.Select(r => (r.WorkflowId, r.Day, r.Runs)));
        Assert.All(delta.Runs, r => Assert.Equal(ExecutionStatus.Failed, r.Status));
        var step = Assert.Single(delta.Steps);
        Assert.Equal(("call", "action_http", 2L, 1L), (step.NodeId, step.NodeType, step.FailedAttempts, step.FailedRuns));
        Assert.Equal(("HTTP 503", 2L), (Assert.Single(delta.Errors).Message, Assert.Single(delta.Errors).Count));
        var queue = delta.Histograms.Where(h => h.Metric == AnalyticsCounting.QueueMetric && h.WorkflowId == "wf").Single();
        Assert.Equal(LogHistogram.Bucket(30), queue.Bucket);
        var duration = delta.Histograms.Where(h => h.Metric == AnalyticsCounting.DurationMetric && h.WorkflowId == "wf").Single();
        Assert.Equal(LogHistogram.Bucket(2000), duration.Bucket);
        Assert.Equal("call", Assert.Single(delta.Ledger).FailedNodeId);
    }

    [Fact]
    public void ASubWorkflowStep_FailsWithItsChildsError()
    {
        var delta = AnalyticsCounting.Count([Run(ExecutionStatus.Failed, T0.AddSeconds(1), null,
            new ChildRequested("sub", "sub", "ex_child", "wf_child", null) { Timestamp = T0 },
            new ChildFailed("sub", "ex_child", "the child's step broke") { Timestamp = T0.AddSeconds(1) },
            new ExecutionFailed("sub failed", "sub") { Timestamp = T0.AddSeconds(1) })]);
        var step = Assert.Single(delta.Steps);
        Assert.Equal(("sub", NodeTypeNames.LogicSubworkflow, 1L, 1L), (step.NodeId, step.NodeType, step.FailedAttempts, step.FailedRuns));
        Assert.Equal("the child's step broke", Assert.Single(delta.Errors).Message);
    }

    [Fact]
    public void ARecount_TakesBackTheFirstCount_AndAddsOnlyNewFailures()
    {
        var previous = new AnalyticsLedgerEntry("ex_1", "org", "wf", "2030-03-02", ExecutionStatus.Failed, 80, 40, "call",
            [new AnalyticsVariantChoice("ab", "red")], CountedSequence: 4);
        var delta = AnalyticsCounting.Count([Run(ExecutionStatus.Completed, T0.AddDays(2), previous,
            new StepCompleted("ab", "ab", NodeTypeNames.LogicAbSplit, 1, new JsonObject(), "red", Inline: true) { Timestamp = T0 },
            new StepFailed("call", "call", "action_http", 1, "HTTP 503") { Timestamp = T0 },
            new ExecutionFailed("call failed", "call") { Timestamp = T0 },
            new ExecutionResumed { Timestamp = T0.AddDays(2) },
            new StepCompleted("call", "call", "action_http", 2, null, "main") { Timestamp = T0.AddDays(2) },
            new ExecutionCompleted(null) { Timestamp = T0.AddDays(2) })]);

        Assert.Contains(delta.Runs, r => (r.WorkflowId, r.Day, r.Status, r.Runs) == ("wf", "2030-03-02", ExecutionStatus.Failed, -1L));
        Assert.Contains(delta.Runs, r => (r.WorkflowId, r.Day, r.Status, r.Runs) == ("wf", "2030-03-03", ExecutionStatus.Completed, 1L));
        // The failure at sequence 3 was counted the first time: only the failed run is taken back.
        var step = Assert.Single(delta.Steps);
        Assert.Equal((0L, -1L), (step.FailedAttempts, step.FailedRuns));
        Assert.Empty(delta.Errors);
        Assert.Contains(delta.Variants, v => (v.Day, v.Runs, v.Completed) == ("2030-03-02", -1L, 0L));
        Assert.Contains(delta.Variants, v => (v.Day, v.Runs, v.Completed) == ("2030-03-03", 1L, 1L));
        // The queue time is the first run's, kept from the ledger.
        Assert.Equal(40, Assert.Single(delta.Ledger).QueueBucket);
    }

    [Fact]
    public void Percentiles_FromTheBuckets_AreWithinTheStatedError()
    {
        var random = new Random(3);
        var values = Enumerable.Range(0, 5000).Select(_ => Math.Pow(10, random.NextDouble() * 6)).ToList();
        var buckets = values.GroupBy(LogHistogram.Bucket).Select(g => KeyValuePair.Create(g.Key, (long)g.Count())).ToList();
        values.Sort();
        foreach (var q in new[] { 0.5, 0.9, 0.95, 0.99 })
        {
            var exact = values[(int)Math.Ceiling(q * values.Count) - 1];
            var estimate = LogHistogram.Percentile(buckets, q)!.Value;
            Assert.InRange(Math.Abs(estimate / exact - 1), 0, LogHistogram.RelativeError + 1e-12);
        }
        Assert.Null(LogHistogram.Percentile([], 0.5));
        // Under a millisecond: one bucket, read as half a millisecond.
        Assert.Equal(0, LogHistogram.Bucket(0.99));
        Assert.Equal(0.5, LogHistogram.Percentile([KeyValuePair.Create(LogHistogram.Bucket(0.2), 3L)], 0.5));
        Assert.InRange(LogHistogram.Percentile([KeyValuePair.Create(LogHistogram.Bucket(1), 1L)], 0.5)!.Value, 1, 1 + LogHistogram.RelativeError);
        Assert.InRange(LogHistogram.RelativeError, 0.043, 0.045);
    }

    [Fact]
    public void ErrorMessages_AreGroupedByTheirFirstCharacters_OnOneLine()
    {
        Assert.Equal("a b", AnalyticsCounting.Shorten("a\nb"));
        var shortened = AnalyticsCounting.Shorten(new string('x', 500));
        Assert.Equal(AnalyticsCounting.MessageLength, shortened.Length);
        Assert.EndsWith("…", shortened);
    }
}
