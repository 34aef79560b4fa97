using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using FlowForge.Bench;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

// A server process of the scale-out bench (started by the coordinator below, never by hand).
if (args.Length == 5 && args[0] == "--serve" && args[1] == "--pg" && args[3] == "--schema")
{
    return await ScaleOut.ServeAsync(args[2], args[4]);
}

BenchOptions options;
try
{
    options = ParseArgs(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine("""
        usage: FlowForge.Bench [--workload hello|fanout|graphs|parked|all] [--rounds 3] [--sync FULL|NORMAL|both]
                               [--concurrency 200] [--runs 50] [--warmup 10] [--parked 10000] [--parked-delay SECONDS]
                               [--storage sqlite|postgres] [--pg CONNECTION_STRING] [--json PATH]
                               [--no-fork] [--profile] [--result-file PATH] [--processes 1,2,4 [--settle 11]]
                               [--telemetry off|on|both]
        """);
    return 2;
}

var loadBefore = LoadAverage();
if (options.Processes is { } processCounts)
{
    var settle = TimeSpan.FromSeconds(options.SettleSeconds);
    var scaled = await ScaleOut.RunAsync(options, processCounts, settle);
    if (options.JsonFile is { } scaledJson) await File.WriteAllTextAsync(scaledJson, JsonSerializer.Serialize(scaled));
    Console.WriteLine();
    Console.WriteLine($"FlowForge scale-out bench, {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC | {Environment.ProcessorCount} cores | {RuntimeInformation.FrameworkDescription} | PostgreSQL {PgTarget(options.PgConnectionString!)}");
    Console.WriteLine();
    Console.WriteLine(ScaleOut.Report(scaled, options, settle));
    Console.WriteLine($"Machine load average (1/5/15 min) before: {loadBefore}; after: {LoadAverage()}.");
    return scaled.Any(r => r.Failures > 0) ? 1 : 0;
}
// With --telemetry both, each workload runs off then on, back to back, so a drift of the machine touches both alike.
var runs = options.Syncs.SelectMany(s => options.Workloads.SelectMany(w => options.Telemetry!.Select(t => (Sync: s, Workload: w, Telemetry: t)))).ToList();
var results = new List<WorkloadResult>();
if (options.Fork && runs.Count > 1)
{
    // One child process per workload: each gets a fresh server, a fresh SQLite file and its own peak RSS.
    foreach (var (sync, workload, telemetry) in runs)
    {
        var file = Path.Combine(Path.GetTempPath(), $"flowforge-bench-{Guid.NewGuid():N}.json");
        var childArgs = new List<string>();
        var exe = Environment.ProcessPath!;
        if (Path.GetFileNameWithoutExtension(exe) == "dotnet") childArgs.Add(Assembly.GetEntryAssembly()!.Location);
        childArgs.AddRange([
            "--workload", workload, "--sync", sync, "--rounds", $"{options.Rounds}", "--concurrency", $"{options.Concurrency}",
            "--runs", $"{options.LatencyRuns}", "--warmup", $"{options.Warmup}", "--parked", $"{options.ParkedCount}", "--result-file", file,
        ]);
        if (options.Profile) childArgs.Add("--profile");
        childArgs.AddRange(["--telemetry", telemetry ? "on" : "off"]);
        if (options.PgConnectionString is { } pg) childArgs.AddRange(["--storage", "postgres", "--pg", pg]);
        if (options.ParkedDelaySeconds is { } d) childArgs.AddRange(["--parked-delay", d.ToString(CultureInfo.InvariantCulture)]);
        var info = new ProcessStartInfo(exe) { UseShellExecute = false };
        foreach (var a in childArgs) info.ArgumentList.Add(a);
        Console.WriteLine($"-- {workload} ({Label(options.Storage, sync, telemetry)}) in a fresh process");
        using var child = Process.Start(info)!;
        await child.WaitForExitAsync();
        if (child.ExitCode != 0 || !File.Exists(file))
        {
            Console.WriteLine($"   FAIL: the {workload} run exited with code {child.ExitCode}");
            results.Add(new WorkloadResult { Workload = workload, Sync = sync, Storage = options.Storage, Telemetry = telemetry, Failures = 1, Notes = [$"FAIL process exited with {child.ExitCode}"] });
            continue;
        }
        results.Add(JsonSerializer.Deserialize<WorkloadResult>(await File.ReadAllTextAsync(file))!);
        File.Delete(file);
    }
}
else
{
    foreach (var (sync, workload, telemetry) in runs)
    {
        Console.WriteLine($"-- {workload} ({Label(options.Storage, sync, telemetry)})");
        await using var sink = telemetry ? await OtlpSink.StartAsync() : null;
        await using var server = await BenchServer.StartAsync(sync, options.Concurrency, options.Profile, options.PgConnectionString,
            extraSettings: sink?.ServerSettings());
        var result = workload == "parked"
            ? await Workloads.RunParkedAsync(server, options, sync)
            : await Workloads.RunGraphAsync(server, options, workload, sync);
        if (sink is not null)
        {
            // What the exporters still hold is sent now, so the sink's count covers the whole workload.
            server.Services.GetService<TracerProvider>()?.ForceFlush();
            server.Services.GetService<MeterProvider>()?.ForceFlush();
            result.Telemetry = true;
            result.OtlpRequests = sink.Requests;
            result.OtlpBytes = sink.Bytes;
        }
        using (var self = Process.GetCurrentProcess()) result.PeakRssMb = self.PeakWorkingSet64 / 1048576.0;
        results.Add(result);
    }
    if (options.ResultFile is { } path) await File.WriteAllTextAsync(path, JsonSerializer.Serialize(results.Single()));
}

if (options.JsonFile is { } json) await File.WriteAllTextAsync(json, JsonSerializer.Serialize(results));
if (options.ResultFile is null)
{
    Console.WriteLine();
    Console.WriteLine(Report(results, options));
    Console.WriteLine($"Machine load average (1/5/15 min, other processes included) before: {loadBefore}; after: {LoadAverage()}. On {Environment.ProcessorCount} cores, more than ~0.5 means the bench shared the CPU.");
}
return results.Any(r => r.Failures > 0) ? 1 : 0;

static string Report(List<WorkloadResult> results, BenchOptions options)
{
    var sb = new StringBuilder();
    var debug = Assembly.GetEntryAssembly()!.GetCustomAttribute<DebuggableAttribute>()?.IsJITOptimizerDisabled == true;
    sb.AppendLine($"FlowForge bench, {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC | {Environment.ProcessorCount} cores | {RuntimeInformation.FrameworkDescription} | {RuntimeInformation.OSDescription} | {(debug ? "DEBUG BUILD (not representative)" : "Release")} | server GC {(System.Runtime.GCSettings.IsServerGC ? "on" : "off")}");
    sb.AppendLine(options.Storage == "postgres"
        ? $"Server in-process (ServerApp.Build), real HTTP on loopback, PostgreSQL ({PgTarget(options.PgConnectionString!)}) in a fresh schema; load generator in the same process."
        : "Server in-process (ServerApp.Build), real HTTP on loopback, SQLite WAL on a fresh temp file; load generator in the same process.");
    sb.AppendLine();

    var graphs = results.Where(r => r.Workload is "hello" or "fanout").ToList();
    if (graphs.Count > 0)
    {
        sb.AppendLine($"| workload | storage | p50 ms | p95 ms | per-step ms (p50/steps) | exec/s (median of {options.Rounds} × {options.Concurrency}) | steps/s | rounds exec/s | CPU cores busy / µs per step | peak RSS MB | check |");
        sb.AppendLine("|---|---|---:|---:|---:|---:|---:|---|---:|---:|---|");
        foreach (var r in graphs)
        {
            var name = r.Workload == "hello" ? "hello-sequence (10 steps)" : "fan-out (1+10+join = 12 steps)";
            sb.AppendLine($"| {name} | {Label(r.Storage, r.Sync, r.Telemetry)} | {r.LatencyP50Ms:0.0} | {r.LatencyP95Ms:0.0} | {r.LatencyP50Ms / Math.Max(1, r.ActivitiesPerExecution):0.00} | {r.ExecPerSec:0.0} | {r.StepsPerSec:0} | {string.Join(" / ", r.RoundExecPerSec.Select(x => x.ToString("0.0")))} | {r.CpuCores:0.00} / {r.CpuUsPerStep:0} | {r.PeakRssMb:0} | {Check(r)} |");
        }
        sb.AppendLine();
    }
    var parked = results.Where(r => r.Workload == "parked").ToList();
    if (parked.Count > 0)
    {
        sb.AppendLine("| parked | storage | start all (s) | starts/s | RSS while parked MB (after GC) | managed heap MB | db MB | timer due after (s) | first fired after due ms | fire-all s | fired exec/s | peak RSS MB | check |");
        sb.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var r in parked)
        {
            sb.AppendLine($"| {r.ParkedCount:N0} | {Label(r.Storage, r.Sync, r.Telemetry)} | {r.ParkedStartSeconds:0.0} | {r.ParkedCount / Math.Max(0.001, r.ParkedStartSeconds):0} | {r.ParkedRssMb:0} | {r.ParkedManagedMb:0} | {r.ParkedDbMb:0} | {r.ParkedDelaySeconds:0} | {r.FirstFireLagMs:0} | {r.FireAllSeconds:0.00} | {r.ParkedCount / Math.Max(0.001, r.FireAllSeconds):0} | {r.PeakRssMb:0} | {Check(r)} |");
        }
        sb.AppendLine();
    }
    sb.AppendLine("Latency: POST /execute sent → terminal status committed (ExecutionEvents.Committed callback). Per-step = p50 / activity steps: it");
    sb.AppendLine("includes the HTTP start (one commit), every dispatcher turn (claim + decide + commit) and every activity result commit.");
    sb.AppendLine("Throughput: all executions POSTed at once; time from the first POST to the last terminal commit. Peak RSS: Process.PeakWorkingSet64");
    sb.AppendLine("of the whole process (server + load generator), one fresh process per workload when several are run. CPU: process CPU time");
    sb.AppendLine("during the throughput rounds / wall time (cores busy), and per activity step (server + load generator).");
    sb.AppendLine("Targets: ≥3,000 steps/s hello-sequence; 10-step p50 < 10 ms; 10,000 parked < 300 MB.");
    sb.Append(TelemetryRatios(results));
    foreach (var r in results)
    {
        foreach (var note in r.Notes) sb.AppendLine($"{r.Workload}/{r.Sync}: {note}");
    }
    return sb.ToString();
}

static string LoadAverage()
{
    try { return string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
    catch (IOException) { return "n/a"; }
    catch (UnauthorizedAccessException) { return "n/a"; }
}

static string Label(string storage, string sync, bool telemetry = false) =>
    (storage == "postgres" ? "PostgreSQL" : $"SQLite {sync}") + (telemetry ? " + OTel" : "");

// Telemetry on ÷ off for each workload measured both ways in this run (same machine, back to back).
static string TelemetryRatios(List<WorkloadResult> results)
{
    var sb = new StringBuilder();
    foreach (var on in results.Where(r => r.Telemetry))
    {
        if (results.FirstOrDefault(r => !r.Telemetry && r.Workload == on.Workload && r.Sync == on.Sync && r.Storage == on.Storage) is not { } off) continue;
        if (sb.Length == 0)
        {
            sb.AppendLine();
            sb.AppendLine("Telemetry on ÷ off (traces + metrics + logs exported over OTLP/HTTP to a loopback sink; same run):");
            sb.AppendLine("| workload | storage | p50 | p95 | exec/s | CPU µs per step | peak RSS | parked RSS | fire-all | OTLP requests / MB sent |");
            sb.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        }
        static string Ratio(double a, double b) => b > 0 ? $"{a / b:0.00}×" : "—";
        sb.AppendLine($"| {on.Workload} | {Label(on.Storage, on.Sync)} | {Ratio(on.LatencyP50Ms, off.LatencyP50Ms)} | {Ratio(on.LatencyP95Ms, off.LatencyP95Ms)} | " +
            $"{Ratio(on.ExecPerSec, off.ExecPerSec)} | {Ratio(on.CpuUsPerStep, off.CpuUsPerStep)} | {Ratio(on.PeakRssMb, off.PeakRssMb)} | " +
            $"{Ratio(on.ParkedRssMb, off.ParkedRssMb)} | {Ratio(on.FireAllSeconds, off.FireAllSeconds)} | {on.OtlpRequests} / {on.OtlpBytes / 1048576.0:0.0} |");
    }
    return sb.ToString();
}

// Host, port and database only: the connection string may carry a password.
static string PgTarget(string connectionString)
{
    var b = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
    return $"{b.Host}:{b.Port}/{b.Database}";
}

static string Check(WorkloadResult r) => r.Failures == 0 ? $"ok ({r.Executions} verified)" : $"FAIL ({r.Failures}/{r.Executions})";

static BenchOptions ParseArgs(string[] args)
{
    string workload = "all", sync = "FULL";
    int rounds = 3, concurrency = 200, runs = 50, warmup = 10, parked = 10_000;
    double? parkedDelay = null;
    List<int>? processes = null;
    var settleSeconds = 11.0;
    string? resultFile = null, pg = null, json = null, storage = "sqlite";
    var fork = true;
    var profile = false;
    IReadOnlyList<bool> telemetry = [false];
    for (var i = 0; i < args.Length; i++)
    {
        string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
        int NextInt() => int.TryParse(Next(), out var v) && v > 0 ? v : throw new ArgumentException($"{args[i - 1]} needs a positive integer");
        switch (args[i])
        {
            case "--workload": workload = Next().ToLowerInvariant(); break;
            case "--sync": sync = Next().ToUpperInvariant(); break;
            case "--rounds": rounds = NextInt(); break;
            case "--concurrency": concurrency = NextInt(); break;
            case "--runs": runs = NextInt(); break;
            case "--warmup": warmup = int.TryParse(Next(), out var w) && w >= 0 ? w : throw new ArgumentException("--warmup needs a number"); break;
            case "--parked": parked = NextInt(); break;
            case "--parked-delay": parkedDelay = double.TryParse(Next(), CultureInfo.InvariantCulture, out var d) && d > 0 ? d : throw new ArgumentException("--parked-delay needs seconds"); break;
            case "--result-file": resultFile = Next(); break;
            case "--storage": storage = Next().ToLowerInvariant(); break;
            case "--pg": pg = Next(); break;
            case "--json": json = Next(); break;
            case "--no-fork": fork = false; break;
            case "--profile": profile = true; break;
            case "--telemetry":
                telemetry = Next().ToLowerInvariant() switch
                {
                    "off" => [false],
                    "on" => [true],
                    "both" => [false, true],
                    var t => throw new ArgumentException($"Unknown --telemetry '{t}': off, on or both."),
                };
                break;
            case "--processes":
                processes = [.. Next().Split(',').Select(x => int.TryParse(x, out var n) && n is > 0 and <= 16 ? n : throw new ArgumentException("--processes needs counts from 1 to 16, e.g. 1,2,4"))];
                break;
            case "--settle": settleSeconds = double.TryParse(Next(), CultureInfo.InvariantCulture, out var st) && st >= 0 ? st : throw new ArgumentException("--settle needs seconds"); break;
            default: throw new ArgumentException($"Unknown argument '{args[i]}'.");
        }
    }
    IReadOnlyList<string> workloads = workload switch
    {
        "all" => ["hello", "fanout", "parked"],
        "graphs" => ["hello", "fanout"],
        "hello" or "hello-sequence" => ["hello"],
        "fanout" or "fan-out" => ["fanout"],
        "parked" => ["parked"],
        _ => throw new ArgumentException($"Unknown workload '{workload}'."),
    };
    IReadOnlyList<string> syncs = sync switch
    {
        "FULL" => ["FULL"],
        "NORMAL" => ["NORMAL"],
        "BOTH" => ["FULL", "NORMAL"],
        _ => throw new ArgumentException($"Unknown --sync '{sync}': FULL, NORMAL or both."),
    };
    if (storage is not ("sqlite" or "postgres")) throw new ArgumentException($"Unknown --storage '{storage}': sqlite or postgres.");
    if (storage == "postgres" && string.IsNullOrWhiteSpace(pg))
        throw new ArgumentException("--storage postgres needs --pg \"Host=127.0.0.1;Port=55433;Username=postgres;Database=flowforge_bench\" (an existing database; each run uses a fresh schema in it).");
    if (storage == "sqlite" && pg is not null) throw new ArgumentException("--pg is for --storage postgres.");
    // PostgreSQL has no synchronous level to choose (fsync and synchronous_commit are the cluster's): one pass.
    if (storage == "postgres") syncs = ["FULL"];
    if (processes is not null && telemetry.Contains(true)) throw new ArgumentException("--telemetry is for the single-process workloads, not --processes.");
    if (processes is not null && (storage != "postgres" || workloads.Contains("parked")))
        throw new ArgumentException("--processes runs hello and fan-out on PostgreSQL: use it with --storage postgres --workload graphs|hello|fanout.");
    return new BenchOptions(workloads, syncs, rounds, concurrency, runs, warmup, parked, parkedDelay, resultFile, fork, profile, storage, pg, json,
        processes, settleSeconds, telemetry);
}
