using System.Text.Json.Nodes;
using FlowForge.Core.Catalog;
using FlowForge.Core.Engine.History;
using FlowForge.Core.Storage;

namespace FlowForge.Storage.Tests.Conformance;

/// <summary>An analytics store and the execution store whose runs it counts, over one fresh database (and a clock the test moves).</summary>
public sealed record AnalyticsScope(IExecutionStore Executions, IAnalyticsStore Analytics, AnalyticsScope.Clock Time, IAsyncDisposable Database) : IAsyncDisposable
{
    public ValueTask DisposeAsync() => Database.DisposeAsync();

    public sealed class Clock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}

/// <summary>
/// The behaviour every <see cref="IAnalyticsStore"/> must have: the roll-ups equal a brute-force count of the same runs,
/// a batch is counted exactly once whatever crashes or races, a resumed run is recounted not double-counted, and one
/// organisation never sees another's numbers. Runs are made through the real execution store (start, claim, commit).
/// </summary>
public abstract class AnalyticsStoreConformance
{
    /// <summary>Fresh stores on a fresh migrated database; <paramref name="clock"/> drives the execution store's times.</summary>
    protected abstract Task<AnalyticsScope> CreateAsync(AnalyticsScope.Clock clock);

    /// <summary>A second analytics store over the same database as <paramref name="scope"/>: another process, or this one after a restart.</summary>
    protected abstract IAnalyticsStore Reopen(AnalyticsScope scope);

    private static readonly DateTimeOffset T0 = new(2030, 3, 1, 8, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Far = T0.AddYears(1);
    private const string Owner = "analytics-test";

    /// <summary>One seeded run, as the brute-force count sees it.</summary>
    private sealed record Seeded(
        string Org, string Workflow, string Status, DateTimeOffset Created, DateTimeOffset Completed, TimeSpan Queue,
        IReadOnlyList<(string Node, string Error)> Failures, string? FailedBy, string? Variant);

    [Fact]
    public async Task RollUps_EqualABruteForceCount_OfASeededSet()
    {
        var clock = new AnalyticsScope.Clock(T0);
        await using var scope = await CreateAsync(clock);
        var random = new Random(12);
        var seeded = new List<Seeded>();
        for (var i = 0; i < 90; i++)
        {
            var org = i % 5 == 0 ? "org_b" : "org_a";
            var workflow = random.Next(3) switch { 0 => "wf_one", 1 => "wf_two", _ => "wf_three" };
            var status = random.Next(10) switch { < 6 => ExecutionStatus.Completed, < 9 => ExecutionStatus.Failed, _ => ExecutionStatus.Cancelled };
            var failures = new List<(string, string)>();
            for (var f = random.Next(3); f > 0; f--) failures.Add((random.Next(2) == 0 ? "fetch" : "classify", random.Next(3) switch { 0 => "timeout", 1 => "HTTP 503", _ => "bad input" }));
            string? failedBy = null;
            if (status == ExecutionStatus.Failed)
            {
                failedBy = random.Next(2) == 0 ? "fetch" : "classify";
                failures.Add((failedBy, "final: " + (random.Next(2) == 0 ? "timeout" : "HTTP 500")));
            }
            var variant = random.Next(3) == 0 ? null : random.Next(2) == 0 ? "a" : "b";
            // Spread over three days, with durations from a few ms to minutes.
            clock.Now = T0.AddHours(i * 0.8).AddMilliseconds(random.Next(1000));
            var created = clock.Now;
            var queue = TimeSpan.FromMilliseconds(random.Next(1, 5000));
            var duration = queue + TimeSpan.FromMilliseconds(Math.Pow(10, 1 + random.NextDouble() * 4));
            var run = new Seeded(org, workflow, status, created, created + duration, queue, failures, failedBy, variant);
            var id = await RunAsync(scope, clock, run);
            // The times as stored (PostgreSQL keeps microseconds): the brute force counts what the roll-up reads.
            var stored = (await scope.Executions.GetAsync(org, id))!;
            seeded.Add(run with { Created = stored.CreatedAt, Completed = stored.CompletedAt!.Value, Queue = created + queue - stored.CreatedAt });
        }

        await CatchUpAsync(scope.Analytics, batch: 7);

        foreach (var org in new[] { "org_a", "org_b" })
        {
            foreach (var workflow in new string?[] { null, "wf_one", "wf_two" })
            {
                var runs = seeded.Where(s => s.Org == org && (workflow is null || s.Workflow == workflow)).ToList();
                var rollup = await scope.Analytics.ReadAsync(org, workflow, "2030-03-01", "2030-03-31");
                AssertEqual(runs, rollup);
            }
        }
        // A range of days is a range: only the runs that ended on those days.
        var secondDay = await scope.Analytics.ReadAsync("org_a", null, "2030-03-02", "2030-03-02");
        Assert.Equal(seeded.Count(s => s.Org == "org_a" && s.Completed.UtcDateTime.Day == 2), secondDay.Runs.Sum(r => r.Runs));
    }

    [Fact]
    public async Task ABatch_IsCountedOnce_AcrossCrashesRestartsAndRacingProcesses()
    {
        var clock = new AnalyticsScope.Clock(T0);
        await using var scope = await CreateAsync(clock);
        for (var i = 0; i < 12; i++)
        {
            clock.Now = T0.AddMinutes(i);
            await RunAsync(scope, clock, new Seeded("org_a", "wf_one", i % 3 == 0 ? ExecutionStatus.Failed : ExecutionStatus.Completed,
                clock.Now, clock.Now.AddSeconds(1), TimeSpan.FromMilliseconds(20), i % 3 == 0 ? [("fetch", "boom")] : [], i % 3 == 0 ? "fetch" : null, null));
        }

        // A crash between reading and committing a batch: nothing of it was written, so the next read gives it again.
        var lost = await scope.Analytics.ReadPendingAsync(5, Far);
        Assert.Equal(5, lost.Executions.Count);
        var again = await scope.Analytics.ReadPendingAsync(5, Far);
        Assert.Equal(lost.Executions.Select(e => e.Id), again.Executions.Select(e => e.Id));

        // Two processes counting the same batch: the watermark's compare-and-set lets one of them write it.
        var other = Reopen(scope);
        Assert.True(await scope.Analytics.ApplyAsync(again.Watermark, again.Executions[^1], AnalyticsCounting.Count(again.Executions)));
        Assert.False(await other.ApplyAsync(lost.Watermark, lost.Executions[^1], AnalyticsCounting.Count(lost.Executions)));

        // After a restart (a new store over the same database) counting goes on from the durable watermark.
        var next = await other.ReadPendingAsync(100, Far);
        Assert.Equal(7, next.Executions.Count);
        Assert.Empty(next.Executions.Select(e => e.Id).Intersect(again.Executions.Select(e => e.Id)));
        await CatchUpAsync(other, batch: 3);
        Assert.Empty((await other.ReadPendingAsync(100, Far)).Executions);

        var rollup = await other.ReadAsync("org_a", null, "2030-03-01", "2030-03-01");
        Assert.Equal(8, rollup.Runs.Single(r => r.Status == ExecutionStatus.Completed).Runs);
        Assert.Equal(4, rollup.Runs.Single(r => r.Status == ExecutionStatus.Failed).Runs);
        var step = Assert.Single(rollup.Steps);
        Assert.Equal((4L, 4L), (step.FailedAttempts, step.FailedRuns));
        Assert.Equal(12, rollup.Histograms.Where(h => h.Metric == AnalyticsCounting.DurationMetric).Sum(h => h.Count));
        Assert.Equal(next.Executions[^1].CompletedAt, rollup.Watermark.CompletedAt);
    }

    [Fact]
    public async Task RunsNotYetSettled_WaitForTheirTurn()
    {
        var clock = new AnalyticsScope.Clock(T0);
        await using var scope = await CreateAsync(clock);
        await RunAsync(scope, clock, new Seeded("org_a", "wf_one", ExecutionStatus.Completed, T0, T0.AddSeconds(2), TimeSpan.FromMilliseconds(5), [], null, null));
        Assert.Empty((await scope.Analytics.ReadPendingAsync(10, T0.AddSeconds(1))).Executions);
        Assert.Single((await scope.Analytics.ReadPendingAsync(10, T0.AddSeconds(2))).Executions);
    }

    [Fact]
    public async Task AResumedRun_IsRecounted_NotCountedTwice()
    {
        var clock = new AnalyticsScope.Clock(T0);
        await using var scope = await CreateAsync(clock);
        var id = await RunAsync(scope, clock, new Seeded("org_a", "wf_one", ExecutionStatus.Failed, T0, T0.AddSeconds(3), TimeSpan.FromMilliseconds(40),
            [("fetch", "HTTP 503")], "fetch", "b"));
        await CatchUpAsync(scope.Analytics, batch: 10);
        var before = await scope.Analytics.ReadAsync("org_a", null, "2030-03-01", "2030-03-01");
        Assert.Equal(ExecutionStatus.Failed, Assert.Single(before.Runs).Status);
        Assert.Equal(0, Assert.Single(before.Variants).Completed);

        // Resumed a day later: the step runs again (the run is running, not finished), passes, and the run completes.
        clock.Now = T0.AddDays(1);
        Assert.True(await scope.Executions.SendAsync("org_a", id, new ExecutionResumed { Timestamp = clock.Now }, clock.Now, allowTerminal: true));
        var item = Assert.Single(await scope.Executions.ClaimOrchestrationsAsync(Owner, 10, TimeSpan.FromMinutes(1), clock.Now));
        var rerun = Assert.Single(await scope.Executions.CommitOrchestrationsAsync(Owner, [new OrchestrationCommit(id, item.Execution.LastSequence,
            [.. item.Messages.Select(m => m.Id)],
            [.. item.Messages.Select(m => m.Event), Stamp(new StepScheduled("fetch", "fetch", "action_http_request", 2, null), clock.Now)],
            ExecutionStatus.Running)]));
        Assert.Equal(CommitOutcome.Committed, rerun.Outcome);
        // Running again: not counted meanwhile (it left the terminal set), the failed count stays until it ends again.
        Assert.Empty((await scope.Analytics.ReadPendingAsync(10, Far)).Executions);

        clock.Now = clock.Now.AddSeconds(2);
        Assert.True(await scope.Executions.SendAsync("org_a", id, new EventRaised("step-done", null) { Timestamp = clock.Now }, clock.Now));
        item = Assert.Single(await scope.Executions.ClaimOrchestrationsAsync(Owner, 10, TimeSpan.FromMinutes(1), clock.Now));
        var resumed = Assert.Single(await scope.Executions.CommitOrchestrationsAsync(Owner, [new OrchestrationCommit(id, item.Execution.LastSequence,
            [.. item.Messages.Select(m => m.Id)],
            [.. item.Messages.Select(m => m.Event), Stamp(new StepCompleted("fetch", "fetch", "action_http_request", 2, new JsonObject(), "main"), clock.Now),
             Stamp(new ExecutionCompleted(null), clock.Now)],
            ExecutionStatus.Completed)]));
        Assert.Equal(CommitOutcome.Committed, resumed.Outcome);
        await CatchUpAsync(scope.Analytics, batch: 10);

        var days = await scope.Analytics.ReadAsync("org_a", null, "2030-03-01", "2030-03-02");
        // One run, now completed, counted on the day it ended; the failed attempt stays a failed attempt, once.
        var run = Assert.Single(days.Runs);
        Assert.Equal((ExecutionStatus.Completed, "2030-03-02", 1L), (run.Status, run.Day, run.Runs));
        var step = Assert.Single(days.Steps);
        Assert.Equal((1L, 0L), (step.FailedAttempts, step.FailedRuns));
        Assert.Equal(1, Assert.Single(days.Errors).Count);
        Assert.Equal((1L, 1L), (Assert.Single(days.Variants).Runs, Assert.Single(days.Variants).Completed));
        Assert.Equal(1, days.Histograms.Where(h => h.Metric == AnalyticsCounting.DurationMetric).Sum(h => h.Count));
        Assert.Equal(1, days.Histograms.Where(h => h.Metric == AnalyticsCounting.QueueMetric).Sum(h => h.Count));
    }

    [Fact]
    public async Task AnOrganisation_SeesOnlyItsOwnNumbers()
    {
        var clock = new AnalyticsScope.Clock(T0);
        await using var scope = await CreateAsync(clock);
        await RunAsync(scope, clock, new Seeded("org_a", "wf_shared", ExecutionStatus.Failed, T0, T0.AddSeconds(1), TimeSpan.FromMilliseconds(5), [("fetch", "secret of a")], "fetch", "a"));
        clock.Now = T0.AddMinutes(1);
        await RunAsync(scope, clock, new Seeded("org_b", "wf_b", ExecutionStatus.Completed, clock.Now, clock.Now.AddSeconds(1), TimeSpan.FromMilliseconds(5), [], null, null));
        await CatchUpAsync(scope.Analytics, batch: 10);

        var b = await scope.Analytics.ReadAsync("org_b", null, "2030-03-01", "2030-03-01");
        Assert.Equal(ExecutionStatus.Completed, Assert.Single(b.Runs).Status);
        Assert.Empty(b.Steps);
        Assert.Empty(b.Errors);
        Assert.Empty(b.Variants);
        // The same workflow id asked for by another organisation: nothing.
        var bAsksA = await scope.Analytics.ReadAsync("org_b", "wf_shared", "2030-03-01", "2030-03-01");
        Assert.Empty(bAsksA.Runs);
        Assert.Empty(bAsksA.Histograms);
        Assert.Equal("secret of a", Assert.Single((await scope.Analytics.ReadAsync("org_a", null, "2030-03-01", "2030-03-01")).Errors).Message);
    }

    [Fact]
    public async Task PruningTheLedger_TakesOnlyOldDays()
    {
        var clock = new AnalyticsScope.Clock(T0);
        await using var scope = await CreateAsync(clock);
        await RunAsync(scope, clock, new Seeded("org_a", "wf_one", ExecutionStatus.Completed, T0, T0.AddSeconds(1), TimeSpan.FromMilliseconds(5), [], null, null));
        clock.Now = T0.AddDays(2);
        await RunAsync(scope, clock, new Seeded("org_a", "wf_one", ExecutionStatus.Completed, clock.Now, clock.Now.AddSeconds(1), TimeSpan.FromMilliseconds(5), [], null, null));
        await CatchUpAsync(scope.Analytics, batch: 10);
        Assert.Equal(1, await scope.Analytics.PruneLedgerAsync("2030-03-02", 100));
        Assert.Equal(0, await scope.Analytics.PruneLedgerAsync("2030-03-02", 100));
        // The roll-ups themselves are kept.
        Assert.Equal(2, (await scope.Analytics.ReadAsync("org_a", null, "2030-03-01", "2030-03-03")).Runs.Sum(r => r.Runs));
    }

    /// <summary>Counts everything settled, <paramref name="batch"/> runs per transaction, as the roll-up service does.</summary>
    protected static async Task CatchUpAsync(IAnalyticsStore store, int batch)
    {
        for (var rounds = 0; rounds < 10_000; rounds++)
        {
            var pending = await store.ReadPendingAsync(batch, Far);
            if (pending.Executions.Count == 0) return;
            Assert.True(await store.ApplyAsync(pending.Watermark, pending.Executions[^1], AnalyticsCounting.Count(pending.Executions)));
        }
        Assert.Fail("The roll-up never caught up.");
    }

    private static HistoryEvent Stamp(HistoryEvent e, DateTimeOffset at) => e with { Timestamp = at };

    /// <summary>Runs one execution to its end through the execution store: a first turn at created + queue, the end at <see cref="Seeded.Completed"/>.</summary>
    private static async Task<string> RunAsync(AnalyticsScope scope, AnalyticsScope.Clock clock, Seeded run)
    {
        clock.Now = run.Created;
        var id = $"ex_{Guid.NewGuid():N}";
        await scope.Executions.StartAsync(new NewExecution(id, run.Org, run.Workflow, 1, new JsonObject(), TriggerNodeId: "trigger"));
        var first = run.Created + run.Queue;
        var item = Assert.Single(await scope.Executions.ClaimOrchestrationsAsync(Owner, 10, TimeSpan.FromMinutes(1), first));
        var events = new List<HistoryEvent>(item.Messages.Select(m => m.Event))
        {
            Stamp(new StepCompleted("trigger", "trigger", "trigger_manual", 1, new JsonObject(), "main", Inline: true), first),
        };
        if (run.Variant is not null)
            events.Add(Stamp(new StepCompleted("split", "split", NodeTypeNames.LogicAbSplit, 1, new JsonObject { ["variant"] = run.Variant }, run.Variant, Inline: true), first));
        var attempts = new Dictionary<string, int>();
        foreach (var (node, error) in run.Failures)
        {
            attempts[node] = attempts.GetValueOrDefault(node) + 1;
            events.Add(Stamp(new StepScheduled(node, node, "action_http_request", attempts[node], null), first));
            events.Add(Stamp(new StepFailed(node, node, "action_http_request", attempts[node], error), first));
        }
        events.Add(run.Status switch
        {
            ExecutionStatus.Completed => Stamp(new ExecutionCompleted(null), run.Completed),
            ExecutionStatus.Failed => Stamp(new ExecutionFailed("step failed", run.FailedBy), run.Completed),
            _ => Stamp(new ExecutionCancelled("by a person"), run.Completed),
        });
        clock.Now = run.Completed;
        var result = Assert.Single(await scope.Executions.CommitOrchestrationsAsync(Owner,
            [new OrchestrationCommit(id, 0, [.. item.Messages.Select(m => m.Id)], events, run.Status, Error: run.Status == ExecutionStatus.Failed ? "step failed" : null)]));
        Assert.Equal(CommitOutcome.Committed, result.Outcome);
        return id;
    }

    private static void AssertEqual(IReadOnlyList<Seeded> runs, AnalyticsRollup rollup)
    {
        static string Day(DateTimeOffset t) => AnalyticsCounting.Day(t);
        var expectedRuns = runs.GroupBy(r => (Day(r.Completed), r.Status)).ToDictionary(g => g.Key, g => (long)g.Count());
        Assert.Equal(expectedRuns.OrderBy(k => k.Key.ToString()), rollup.Runs.ToDictionary(r => (r.Day, r.Status), r => r.Runs).OrderBy(k => k.Key.ToString()));

        // Percentiles from the buckets are within the stated error of the exact nearest-rank percentile, per day and overall.
        foreach (var (metric, value) in new (string, Func<Seeded, double>)[]
        {
            (AnalyticsCounting.DurationMetric, r => (r.Completed - r.Created).TotalMilliseconds),
            (AnalyticsCounting.QueueMetric, r => r.Queue.TotalMilliseconds),
        })
        {
            var histogram = rollup.Histograms.Where(h => h.Metric == metric).ToList();
            Assert.Equal(runs.Count, histogram.Sum(h => h.Count));
            foreach (var q in new[] { 0.5, 0.95 })
            {
                var exact = NearestRank([.. runs.Select(value)], q);
                var estimate = LogHistogram.Percentile(histogram.GroupBy(h => h.Bucket).Select(g => KeyValuePair.Create(g.Key, g.Sum(h => h.Count))), q);
                if (exact is null) Assert.Null(estimate);
                // Relative from 1 ms up; under 1 ms the bucket reads 0.5 ms.
                else if (exact < 1) Assert.Equal(0.5, estimate);
                else Assert.InRange(estimate!.Value, exact.Value / (1 + LogHistogram.RelativeError) - 1e-9, exact.Value * (1 + LogHistogram.RelativeError) + 1e-9);
            }
        }

        var attempts = runs.SelectMany(r => r.Failures).GroupBy(f => f.Node).ToDictionary(g => g.Key, g => (long)g.Count());
        var failedRuns = runs.Where(r => r.FailedBy is not null).GroupBy(r => r.FailedBy!).ToDictionary(g => g.Key, g => (long)g.Count());
        var steps = rollup.Steps.GroupBy(s => s.NodeId).ToDictionary(g => g.Key, g => (Attempts: g.Sum(s => s.FailedAttempts), Runs: g.Sum(s => s.FailedRuns)));
        Assert.Equal(attempts.Keys.Order(), steps.Keys.Order());
        foreach (var node in attempts.Keys)
        {
            Assert.Equal((attempts[node], failedRuns.GetValueOrDefault(node)), steps[node]);
            Assert.Equal("action_http_request", rollup.Steps.First(s => s.NodeId == node).NodeType);
        }
        var messages = runs.SelectMany(r => r.Failures).GroupBy(f => f).ToDictionary(g => g.Key, g => (long)g.Count());
        Assert.Equal(messages.OrderBy(k => k.Key.ToString()),
            rollup.Errors.GroupBy(e => (e.NodeId, e.Message)).ToDictionary(g => g.Key, g => g.Sum(e => e.Count)).OrderBy(k => k.Key.ToString()));

        var variants = runs.Where(r => r.Variant is not null).GroupBy(r => r.Variant!)
            .ToDictionary(g => g.Key, g => ((long)g.Count(), (long)g.Count(r => r.Status == ExecutionStatus.Completed)));
        Assert.Equal(variants.OrderBy(k => k.Key),
            rollup.Variants.GroupBy(v => v.Variant).ToDictionary(g => g.Key, g => (g.Sum(v => v.Runs), g.Sum(v => v.Completed))).OrderBy(k => k.Key));
        Assert.All(rollup.Variants, v => Assert.Equal("split", v.NodeId));
    }

    private static double? NearestRank(List<double> values, double q)
    {
        if (values.Count == 0) return null;
        values.Sort();
        return values[(int)Math.Max(1, Math.Ceiling(q * values.Count)) - 1];
    }
}
