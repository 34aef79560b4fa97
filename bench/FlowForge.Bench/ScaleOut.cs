using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Threading.Channels;
using FlowForge.Server.Engine;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace FlowForge.Bench;

/// <summary>
/// The scale-out curve (issue 13): the graph workloads against N server processes on one PostgreSQL schema. Every process
/// runs the whole server (API, dispatcher, workers); the load generator (this process, no engine of its own) sends each
/// start to the next process in turn, as a load balancer would, so each process decides and runs what it accepted. A child
/// reports each committed turn of its own on stdout (<c>T id status steps value timestamp</c>, taken in its
/// <see cref="ExecutionEvents.Committed"/> callback), so completion is seen exactly as in the single-process bench, with no
/// polling and no extra load on the database.
/// </summary>
public static class ScaleOut
{
    /// <summary>Connections per process: the single-process bench's 100, split, so the cluster's 200 are never exceeded.</summary>
    public static int PoolPerProcess(int processes) => Math.Max(10, 100 / processes);

    /// <summary>Child mode (<c>--serve</c>): one server on the shared schema until stdin closes.</summary>
    public static async Task<int> ServeAsync(string pgConnectionString, string schema)
    {
        await using var server = await BenchServer.StartAsync("FULL", 1, pgConnectionString: pgConnectionString, sharedPgSchema: schema);
        var lines = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
        // The callback runs on the dispatcher's thread: it only formats a line and queues it, the writer below does the I/O.
        server.Services.GetRequiredService<ExecutionEvents>().Committed += progress =>
        {
            var (steps, value, error) = CompletionTracker.Summarize(progress);
            var terminal = FlowForge.Core.Storage.ExecutionStatus.IsTerminal(progress.Status);
            if (steps == 0 && !terminal) return;
            var ts = Stopwatch.GetTimestamp();
            lines.Writer.TryWrite(string.Create(CultureInfo.InvariantCulture,
                $"T {progress.ExecutionId} {progress.Status} {steps} {(value is { } v ? v.ToString(CultureInfo.InvariantCulture) : "-")} {ts} {(error ?? "").ReplaceLineEndings(" ")}"));
        };
        var stdout = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = false };
        var writer = Task.Run(async () =>
        {
            while (await lines.Reader.WaitToReadAsync())
            {
                while (lines.Reader.TryRead(out var line)) await stdout.WriteLineAsync(line);
                await stdout.FlushAsync();
            }
        });
        await stdout.WriteLineAsync($"ready {server.BaseAddress} {Environment.ProcessId}");
        await stdout.FlushAsync();
        // The coordinator closes stdin to stop this server (or dies, which closes it too).
        while (await Console.In.ReadLineAsync() is not null) { }
        lines.Writer.TryComplete();
        await writer;
        return 0;
    }

    /// <summary>Coordinator: for each process count, each graph workload on a fresh set of server processes and a fresh schema.</summary>
    public static async Task<List<WorkloadResult>> RunAsync(BenchOptions options, IReadOnlyList<int> processCounts, TimeSpan settle)
    {
        var results = new List<WorkloadResult>();
        foreach (var n in processCounts)
        {
            foreach (var workload in options.Workloads.Where(w => w is "hello" or "fanout"))
            {
                Console.WriteLine($"-- {workload} on {n} server process(es), PostgreSQL ({DateTimeOffset.UtcNow:HH:mm:ss} UTC, load {LoadAverage()})");
                await using var cluster = await ServerCluster.StartAsync(options.PgConnectionString!, n, options.Concurrency, settle);
                // Warm-up runs go round robin too: each process gets the single-process bench's count, so none is measured
                // with cold (tier-0) code.
                var result = await Workloads.RunGraphAsync(cluster, options with { Warmup = options.Warmup * n }, workload, "FULL");
                result.Processes = n;
                result.Failures += cluster.VerifyActivityCounts(result);
                results.Add(result);
                Console.WriteLine($"   {result.StepsPerSec:0} steps/s, p50 {result.LatencyP50Ms:0.0} ms, {result.CpuUsPerStep:0} µs CPU/step, {result.WriteXactsPerSec:0} write xacts/s, {result.WalSyncsPerSec:0} WAL syncs/s");
            }
        }
        return results;
    }

    public static string Report(List<WorkloadResult> results, BenchOptions options, TimeSpan settle)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"| workload | processes | p50 ms | p95 ms | steps/s (median of {options.Rounds} × {options.Concurrency}) | × 1 process | FlowForge CPU cores / µs per step | PostgreSQL CPU cores / µs per step | machine busy cores (of {Environment.ProcessorCount}) | write xacts/s | xact_commit/s | WAL syncs/s | WAL MB/s | steps per write xact | check |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var r in results)
        {
            var one = results.FirstOrDefault(x => x.Workload == r.Workload && x.Processes == 1);
            var name = r.Workload == "hello" ? "hello-sequence" : "fan-out";
            var pgUsPerStep = r.StepsPerSec > 0 ? r.PgCpuCores * 1e6 / (r.ExecPerSec * r.ActivitiesPerExecution) : double.NaN;
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {r.Processes} | {r.LatencyP50Ms:0.0} | {r.LatencyP95Ms:0.0} | {r.StepsPerSec:#,0} | {(one is null ? "" : $"{r.StepsPerSec / one.StepsPerSec:0.00}×")} | {r.CpuCores:0.00} / {r.CpuUsPerStep:0} | {r.PgCpuCores:0.00} / {pgUsPerStep:0} | {r.MachineBusyCores:0.00} | {r.WriteXactsPerSec:#,0} | {r.CommitsPerSec:#,0} | {r.WalSyncsPerSec:#,0} | {r.WalMbPerSec:0.0} | {(r.WriteXactsPerSec > 0 ? r.StepsPerSec / r.WriteXactsPerSec : double.NaN):0.0} | {(r.Failures == 0 ? $"ok ({r.Executions})" : $"FAIL ({r.Failures}/{r.Executions})")} |"));
        }
        sb.AppendLine();
        sb.AppendLine("Every process runs API + dispatcher + workers; starts go round robin over the processes (a load balancer's view); the");
        sb.AppendLine($"load generator is a separate process. Pool per process: {string.Join(", ", results.Select(r => r.Processes).Distinct().Select(n => $"{n} → {PoolPerProcess(n)}"))} connections.");
        sb.AppendLine("FlowForge CPU: all server processes + the load generator, during the throughput rounds (per step: / activity steps).");
        sb.AppendLine("PostgreSQL CPU: the postmaster's processes (backends, WAL writer, checkpointer). Machine busy: /proc/stat, everything on the box.");
        sb.AppendLine("write xacts/s: transaction ids used (exact: only writing transactions take one; each is one durable commit, one WAL flush");
        sb.AppendLine($"unless flushes are shared). xact_commit/s and WAL syncs/s: pg_stat_database / pg_stat_wal deltas, read after {settle.TotalSeconds:0} s of quiet");
        sb.AppendLine("so idle backends have flushed their counters (the quiet's idle polls, read-only, are in xact_commit). Cluster-wide except xact_commit.");
        foreach (var r in results)
        {
            foreach (var note in r.Notes) sb.AppendLine($"{r.Workload}/{r.Processes}: {note}");
        }
        return sb.ToString();
    }

    public static string LoadAverage()
    {
        try { return string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
        catch (IOException) { return "n/a"; }
    }

    /// <summary>N server processes (children of this one, <c>--serve</c>) on one fresh schema.</summary>
    private sealed class ServerCluster : IBenchTarget, IAsyncDisposable
    {
        private readonly List<Process> _children = [];
        private readonly List<Task> _readers = [];
        private readonly List<HttpClient> _clients = [];
        private readonly string _adminConnectionString;
        private readonly string _schema;
        private readonly TimeSpan _settle;
        private int _next = -1;
        private Counters? _before;
        private long _activitiesSeen;

        private ServerCluster(string adminConnectionString, string schema, TimeSpan settle)
        {
            _adminConnectionString = adminConnectionString;
            _schema = schema;
            _settle = settle;
        }

        public CompletionTracker Tracker { get; } = new();

        public ProfilingExecutionStore? Profiler => null;

        public static async Task<ServerCluster> StartAsync(string pgConnectionString, int processes, int concurrency, TimeSpan settle)
        {
            var schema = $"scale_{Guid.NewGuid():N}"[..20];
            var cluster = new ServerCluster(pgConnectionString, schema, settle);
            var serverCs = new NpgsqlConnectionStringBuilder(pgConnectionString) { SearchPath = schema, MaxPoolSize = PoolPerProcess(processes) }.ConnectionString;
            // Migrated once here, before any server starts: the children then find the schema ready.
            await using (var db = new FlowForge.Storage.Postgres.PostgresDatabase(serverCs)) await db.MigrateAsync();
            try
            {
                // One after another: each bootstraps the same API key into the shared schema, which is idempotent but not
                // meant to race at first start.
                for (var i = 0; i < processes; i++) await cluster.StartChildAsync(serverCs, schema, concurrency, processes);
            }
            catch
            {
                await cluster.DisposeAsync();
                throw;
            }
            return cluster;
        }

        private async Task StartChildAsync(string serverCs, string schema, int concurrency, int processes)
        {
            var exe = Environment.ProcessPath!;
            var info = new ProcessStartInfo(exe) { UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true };
            if (Path.GetFileNameWithoutExtension(exe) == "dotnet") info.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
            foreach (var a in new[] { "--serve", "--pg", serverCs, "--schema", schema }) info.ArgumentList.Add(a);
            var child = Process.Start(info)!;
            _children.Add(child);
            string? ready;
            while ((ready = await child.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(2))) is not null && !ready.StartsWith("ready ", StringComparison.Ordinal)) { }
            if (ready is null) throw new InvalidOperationException($"server process {child.Id} exited before it was ready");
            var url = new Uri(ready.Split(' ')[1]);
            var handler = new SocketsHttpHandler
            {
                MaxConnectionsPerServer = Math.Max(1, concurrency / processes + 1),
                PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
                PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            };
            var http = new HttpClient(handler) { BaseAddress = url, Timeout = TimeSpan.FromMinutes(5) };
            http.DefaultRequestHeaders.Add("X-Api-Key", BenchServer.ApiKey);
            http.DefaultRequestHeaders.Accept.Add(new System.Net.Http.Headers.MediaTypeWithQualityHeaderValue("application/json"));
            _clients.Add(http);
            _readers.Add(Task.Run(() => ReadTurnsAsync(child)));
        }

        private async Task ReadTurnsAsync(Process child)
        {
            while (await child.StandardOutput.ReadLineAsync() is { } line)
            {
                if (!line.StartsWith("T ", StringComparison.Ordinal)) continue;
                var parts = line.Split(' ', 7);
                var steps = int.Parse(parts[3], CultureInfo.InvariantCulture);
                Interlocked.Add(ref _activitiesSeen, steps);
                long? value = parts[4] == "-" ? null : long.Parse(parts[4], CultureInfo.InvariantCulture);
                var error = parts.Length > 6 && parts[6].Length > 0 ? parts[6] : null;
                Tracker.OnRemoteTurn(parts[1], parts[2], steps, value, error, long.Parse(parts[5], CultureInfo.InvariantCulture));
            }
        }

        /// <summary>
        /// Every activity step reported by any process, against what the finished executions needed: a step run twice
        /// (or an execution that moved between processes and was counted short at its end) shows here.
        /// </summary>
        public int VerifyActivityCounts(WorkloadResult result)
        {
            var expected = (long)result.Executions * result.ActivitiesPerExecution;
            // Warm-up executions are counted too: the tracker cannot tell them apart, so compare at least.
            var seen = Interlocked.Read(ref _activitiesSeen);
            if (seen >= expected) return 0;
            result.Notes.Add($"FAIL {seen} activity steps reported by the processes, fewer than the {expected} the measured executions needed");
            return 1;
        }

        public HttpClient NextHttp() => _clients[(int)((uint)Interlocked.Increment(ref _next) % (uint)_clients.Count)];

        public TimeSpan CpuTime()
        {
            using var self = Process.GetCurrentProcess();
            var total = self.TotalProcessorTime;
            foreach (var child in _children)
            {
                child.Refresh();
                total += child.TotalProcessorTime;
            }
            return total;
        }

        public async Task BeforeThroughputAsync()
        {
            // Quiet first, so the counters the backends still hold from the latency runs are flushed (PostgreSQL 15 flushes
            // an idle backend's statistics after 10 s).
            await Task.Delay(_settle);
            _before = await Counters.ReadAsync(_adminConnectionString);
        }

        public async Task AfterThroughputAsync(WorkloadResult result, double wallSeconds)
        {
            var cpuNow = await Counters.ReadAsync(_adminConnectionString);
            await Task.Delay(_settle);
            var statsNow = await Counters.ReadAsync(_adminConnectionString);
            var b = _before!;
            result.MachineBusyCores = (cpuNow.MachineBusyTicks - b.MachineBusyTicks) / (double)Math.Max(1, cpuNow.MachineTotalTicks - b.MachineTotalTicks) * Environment.ProcessorCount;
            result.PgCpuCores = (cpuNow.PgCpuTicks - b.PgCpuTicks) / 100.0 / wallSeconds;
            result.WriteXactsPerSec = (cpuNow.Xid - b.Xid) / wallSeconds;
            result.WalMbPerSec = (cpuNow.WalBytes - b.WalBytes) / 1048576.0 / wallSeconds;
            result.CommitsPerSec = (statsNow.XactCommit - b.XactCommit) / wallSeconds;
            result.WalSyncsPerSec = (statsNow.WalSyncs - b.WalSyncs) / wallSeconds;
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var child in _children)
            {
                try { child.StandardInput.Close(); } catch (IOException) { }
            }
            foreach (var child in _children)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                try { await child.WaitForExitAsync(timeout.Token); }
                catch (OperationCanceledException) { child.Kill(entireProcessTree: true); }
                child.Dispose();
            }
            foreach (var http in _clients) http.Dispose();
            await using var c = new NpgsqlConnection(_adminConnectionString);
            await c.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{_schema}\" CASCADE", c);
            await drop.ExecuteNonQueryAsync();
        }
    }

    /// <summary>What PostgreSQL and the machine had done by one moment.</summary>
    private sealed record Counters(long Xid, long XactCommit, long WalSyncs, long WalBytes, long PgCpuTicks, long MachineBusyTicks, long MachineTotalTicks)
    {
        public static async Task<Counters> ReadAsync(string connectionString)
        {
            await using var c = new NpgsqlConnection(connectionString);
            await c.OpenAsync();
            // pg_current_xact_id takes an id itself: one per sample, nothing next to thousands of commits.
            await using var q = new NpgsqlCommand("""
                SELECT pg_current_xact_id()::text::bigint,
                       (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()),
                       (SELECT wal_sync FROM pg_stat_wal),
                       pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint,
                       pg_backend_pid()
                """, c);
            await using var r = await q.ExecuteReaderAsync();
            await r.ReadAsync();
            var (xid, commits, syncs, wal, backend) = (r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), r.GetInt32(4));
            var (busy, total) = MachineTicks();
            return new Counters(xid, commits, syncs, wal, PostgresCpuTicks(backend), busy, total);
        }

        /// <summary>CPU ticks of the postmaster and its children (the backend's parent is the postmaster).</summary>
        private static long PostgresCpuTicks(int backendPid)
        {
            try
            {
                var postmaster = Stat(backendPid).PPid;
                long ticks = 0;
                foreach (var dir in Directory.EnumerateDirectories("/proc"))
                {
                    if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
                    try
                    {
                        var s = Stat(pid);
                        if (pid == postmaster || s.PPid == postmaster) ticks += s.Ticks;
                    }
                    catch (IOException) { } // the process ended meanwhile
                }
                return ticks;
            }
            catch (IOException) { return 0; } // not on this machine (a remote database): no figure
            catch (UnauthorizedAccessException) { return 0; }
        }

        private static (int PPid, long Ticks) Stat(int pid)
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            // After the command name in parentheses: state ppid ... utime (14th field) stime (15th).
            var f = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            return (int.Parse(f[1], CultureInfo.InvariantCulture), long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture));
        }

        private static (long Busy, long Total) MachineTicks()
        {
            var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(long.Parse).ToArray();
            var total = cpu.Take(8).Sum();
            return (total - cpu[3] - cpu[4], total); // idle and iowait are not busy
        }
    }
}
