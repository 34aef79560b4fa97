using System.Diagnostics;

namespace FlowForge.Bench;

public sealed record BenchOptions(
    IReadOnlyList<string> Workloads,
    IReadOnlyList<string> Syncs,
    int Rounds,
    int Concurrency,
    int LatencyRuns,
    int Warmup,
    int ParkedCount,
    double? ParkedDelaySeconds,
    string? ResultFile,
    bool Fork,
    bool Profile,
    string Storage = "sqlite",
    string? PgConnectionString = null,
    string? JsonFile = null,
    IReadOnlyList<int>? Processes = null,
    double SettleSeconds = 11,
    IReadOnlyList<bool>? Telemetry = null);

/// <summary>What one workload measured, on one server process (one SQLite file, one sync level).</summary>
public sealed class WorkloadResult
{
    public string Workload { get; set; } = "";
    public string Sync { get; set; } = "";
    /// <summary>sqlite or postgres.</summary>
    public string Storage { get; set; } = "sqlite";
    /// <summary>Whether the server ran with OpenTelemetry on, exporting to the bench's loopback OTLP sink.</summary>
    public bool Telemetry { get; set; }
    /// <summary>With telemetry on: OTLP export requests and bytes the sink received.</summary>
    public long OtlpRequests { get; set; }
    public long OtlpBytes { get; set; }
    public int ActivitiesPerExecution { get; set; }
    public int LatencyRuns { get; set; }
    public double LatencyP50Ms { get; set; }
    public double LatencyP95Ms { get; set; }
    public int Concurrency { get; set; }
    public List<double> RoundExecPerSec { get; set; } = [];
    public double ExecPerSec { get; set; }
    public double StepsPerSec { get; set; }
    public double CpuCores { get; set; }
    public double CpuUsPerStep { get; set; }

    public int ParkedCount { get; set; }
    public double ParkedStartSeconds { get; set; }
    public double ParkedAllParkedSeconds { get; set; }
    public double ParkedDelaySeconds { get; set; }
    public double ParkedRssMb { get; set; }
    public double ParkedManagedMb { get; set; }
    public double ParkedDbMb { get; set; }
    public double FirstFireLagMs { get; set; }
    public double FireAllSeconds { get; set; }

    /// <summary>Scale-out runs: server processes, and what the machine and PostgreSQL did during the throughput rounds.</summary>
    public int Processes { get; set; } = 1;
    public double MachineBusyCores { get; set; }
    public double PgCpuCores { get; set; }
    public double WriteXactsPerSec { get; set; }
    public double CommitsPerSec { get; set; }
    public double WalSyncsPerSec { get; set; }
    public double WalMbPerSec { get; set; }

    public double PeakRssMb { get; set; }
    public int Executions { get; set; }
    public int Failures { get; set; }
    public List<string> Notes { get; set; } = [];
}

/// <summary>Where a graph workload sends its starts and sees completions: one in-process server, or several server processes.</summary>
public interface IBenchTarget
{
    /// <summary>The client for the next request (several processes: round robin, as a load balancer would).</summary>
    HttpClient NextHttp();

    CompletionTracker Tracker { get; }

    ProfilingExecutionStore? Profiler { get; }

    /// <summary>CPU time used so far by the engine's processes and the load generator.</summary>
    TimeSpan CpuTime();

    Task BeforeThroughputAsync();

    Task AfterThroughputAsync(WorkloadResult result, double wallSeconds);
}

public static class Workloads
{
    private static long _n = 1000;

    private static long NextN() => Interlocked.Increment(ref _n);

    private static double Ms(long from, long to) => (to - from) * 1000.0 / Stopwatch.Frequency;

    /// <summary>hello-sequence and fan-out: sequential latency, then concurrent throughput rounds.</summary>
    public static async Task<WorkloadResult> RunGraphAsync(IBenchTarget server, BenchOptions options, string workload, string sync)
    {
        var (graph, activities, added) = workload switch
        {
            "hello" => (Workflows.HelloSequence(), 10, 10L),
            "fanout" => (Workflows.FanOut(), 12, 3L),
            _ => throw new ArgumentOutOfRangeException(nameof(workload)),
        };
        var result = new WorkloadResult { Workload = workload, Sync = sync, Storage = options.Storage, ActivitiesPerExecution = activities, Concurrency = options.Concurrency };
        var workflowId = await Workflows.CreatePublishedAsync(server.NextHttp(), $"bench {workload}", graph);

        var timeline = new List<(long Sent, long Finished)>();
        async Task<(double Ms, bool Ok)> RunOneAsync(long startTimestamp, bool record = false)
        {
            var n = NextN();
            var id = await Workflows.ExecuteAsync(server.NextHttp(), workflowId, n);
            var finished = await server.Tracker.WhenFinished(id).WaitAsync(TimeSpan.FromMinutes(2));
            server.Tracker.Forget(id);
            var ok = finished.Status == "completed" && finished.Value == n + added && finished.ActivitySteps == activities;
            if (!ok)
            {
                lock (result.Notes)
                {
                    if (result.Notes.Count < 5) result.Notes.Add($"FAIL {id}: status {finished.Status}, value {finished.Value?.ToString() ?? "null"} (expected {n + added}), {finished.ActivitySteps}/{activities} activities, {finished.Error}");
                }
            }
            if (record) timeline.Add((startTimestamp, finished.Timestamp));
            return (Ms(startTimestamp, finished.Timestamp), ok);
        }

        // Warm-up: JIT, connection pool, SQLite page cache. Not measured.
        for (var i = 0; i < options.Warmup; i++) await RunOneAsync(Stopwatch.GetTimestamp());
        await Task.WhenAll(Enumerable.Range(0, Math.Min(options.Concurrency, 50)).Select(_ => RunOneAsync(Stopwatch.GetTimestamp())));

        // Latency: one after another, POST → terminal commit observed.
        server.Profiler?.Reset();
        server.Profiler?.StartTimeline();
        var latencies = new List<double>(options.LatencyRuns);
        for (var i = 0; i < options.LatencyRuns; i++)
        {
            var (ms, ok) = await RunOneAsync(Stopwatch.GetTimestamp(), record: true);
            latencies.Add(ms);
            result.Executions++;
            if (!ok) result.Failures++;
        }
        result.LatencyRuns = latencies.Count;
        if (server.Profiler is { } p1) Console.WriteLine($"[profile] {workload} latency runs\n{p1.Report(options.LatencyRuns)}\n{p1.TimelineReport(timeline)}");
        result.LatencyP50Ms = Percentile(latencies, 0.50);
        result.LatencyP95Ms = Percentile(latencies, 0.95);

        // Throughput: `concurrency` executions started at once, time until the last one's terminal commit.
        server.Profiler?.Reset();
        await server.BeforeThroughputAsync();
        var cpuBefore = server.CpuTime();
        var wallBefore = Stopwatch.GetTimestamp();
        for (var round = 0; round < options.Rounds; round++)
        {
            var start = Stopwatch.GetTimestamp();
            var runs = await Task.WhenAll(Enumerable.Range(0, options.Concurrency).Select(_ => Task.Run(() => RunOneAsync(start))));
            var elapsedMs = runs.Max(r => r.Ms);
            result.Executions += runs.Length;
            result.Failures += runs.Count(r => !r.Ok);
            result.RoundExecPerSec.Add(options.Concurrency / (elapsedMs / 1000.0));
        }
        var cpu = (server.CpuTime() - cpuBefore).TotalMilliseconds;
        var wallMs = Ms(wallBefore, Stopwatch.GetTimestamp());
        result.CpuCores = cpu / wallMs;
        await server.AfterThroughputAsync(result, wallMs / 1000.0);
        result.CpuUsPerStep = cpu * 1000.0 / (options.Rounds * options.Concurrency * activities);
        if (server.Profiler is { } p2) Console.WriteLine($"[profile] {workload} throughput rounds\n{p2.Report(options.Rounds * options.Concurrency)}");
        result.ExecPerSec = Median(result.RoundExecPerSec);
        result.StepsPerSec = result.ExecPerSec * activities;
        return result;
    }

    /// <summary>parked: N executions waiting on one durable timer; RSS while parked, then the time to fire them all.</summary>
    public static async Task<WorkloadResult> RunParkedAsync(BenchServer server, BenchOptions options, string sync)
    {
        var count = options.ParkedCount;
        var result = new WorkloadResult { Workload = "parked", Sync = sync, Storage = options.Storage, ActivitiesPerExecution = 1, ParkedCount = count, Concurrency = options.Concurrency };

        // Warm the start path a little so the timer estimate is not dominated by JIT.
        var warm = await Workflows.CreatePublishedAsync(server.Http, "bench warm", Workflows.HelloSequence(1));
        for (var i = 0; i < 20; i++)
        {
            var id = await Workflows.ExecuteAsync(server.Http, warm, NextN());
            await server.Tracker.WhenFinished(id).WaitAsync(TimeSpan.FromMinutes(1));
            server.Tracker.Forget(id);
        }

        // All timers share one due moment (logic_delay `until`), far enough out that every execution is parked first.
        var delay = options.ParkedDelaySeconds ?? Math.Max(10, 10 + count / 200.0);
        result.ParkedDelaySeconds = delay;
        var nowUtc = DateTimeOffset.UtcNow;
        var nowTs = Stopwatch.GetTimestamp();
        var until = nowUtc.AddSeconds(delay);
        until = new DateTimeOffset(until.Ticks - until.Ticks % TimeSpan.TicksPerMillisecond, TimeSpan.Zero);
        var dueTs = nowTs + (long)((until - nowUtc).TotalSeconds * Stopwatch.Frequency);
        var workflowId = await Workflows.CreatePublishedAsync(server.Http, "bench parked", Workflows.Parked(until));

        server.Tracker.ExpectParked(count);
        var ns = new long[count];
        var ids = new string[count];
        var startTs = Stopwatch.GetTimestamp();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency }, async (i, _) =>
        {
            ns[i] = NextN();
            ids[i] = await Workflows.ExecuteAsync(server.Http, workflowId, ns[i]);
        });
        var startedTs = Stopwatch.GetTimestamp();
        result.ParkedStartSeconds = Ms(startTs, startedTs) / 1000.0;

        var untilDue = TimeSpan.FromSeconds(Math.Max(0, Ms(Stopwatch.GetTimestamp(), dueTs) / 1000.0));
        var parked = server.Tracker.ParkedTarget!.Task;
        if (await Task.WhenAny(parked, Task.Delay(untilDue)) != parked)
        {
            result.Notes.Add($"WARN only {server.Tracker.Parked}/{count} executions were parked when the timer fell due; raise --parked-delay");
        }
        result.ParkedAllParkedSeconds = Ms(startTs, Stopwatch.GetTimestamp()) / 1000.0;

        // Memory while parked: after a full blocking compacting collection.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        using (var self = Process.GetCurrentProcess())
        {
            self.Refresh();
            result.ParkedRssMb = self.WorkingSet64 / 1048576.0;
        }
        result.ParkedManagedMb = GC.GetTotalMemory(forceFullCollection: false) / 1048576.0;
        result.ParkedDbMb = await server.DatabaseSizeMbAsync();
        if (Stopwatch.GetTimestamp() > dueTs) result.Notes.Add("WARN the RSS sample was taken after the timer fell due");

        var finished = await Task.WhenAll(ids.Select(id => server.Tracker.WhenFinished(id).WaitAsync(TimeSpan.FromMinutes(10))));
        result.FirstFireLagMs = Ms(dueTs, finished.Min(f => f.Timestamp));
        result.FireAllSeconds = Ms(dueTs, finished.Max(f => f.Timestamp)) / 1000.0;
        result.Executions = count;
        for (var i = 0; i < count; i++)
        {
            var f = finished[i];
            if (f.Status == "completed" && f.Value == ns[i] + 1 && f.ActivitySteps == 1) continue;
            result.Failures++;
            if (result.Notes.Count < 5) result.Notes.Add($"FAIL {ids[i]}: status {f.Status}, value {f.Value?.ToString() ?? "null"} (expected {ns[i] + 1}), {f.Error}");
        }
        if (finished.Min(f => f.Timestamp) < dueTs) result.Notes.Add("FAIL an execution finished before its timer was due");
        return result;
    }

    public static double DbSizeMb(string path)
    {
        long total = 0;
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            var file = new FileInfo(path + suffix);
            if (file.Exists) total += file.Length;
        }
        return total / 1048576.0;
    }

    public static double Percentile(List<double> values, double p)
    {
        if (values.Count == 0) return double.NaN;
        var sorted = values.Order().ToList();
        var rank = p * (sorted.Count - 1);
        var lo = (int)Math.Floor(rank);
        var hi = (int)Math.Ceiling(rank);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
    }

    public static double Median(List<double> values) => Percentile(values, 0.5);
}
