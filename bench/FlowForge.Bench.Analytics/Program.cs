// The analytics API's latency at 1,000 and at 100,000 stored (and rolled-up) executions: it reads the roll-up tables
// only, so the two should be the same. For each size: a fresh server (ServerApp.Build, in this process, a temp SQLite
// file), N finished executions with their history written straight into the database (spread over the last 30 days,
// 20 workflows, 12 % failed on a step, a third through an A/B split), the roll-up service left to count them (its
// catch-up rate is printed too), then sequential GETs of the organisation's and one workflow's 30-day report.
//
//   dotnet run -c Release --project bench/FlowForge.Bench.Analytics                 # 1,000 and 100,000
//   dotnet run -c Release --project bench/FlowForge.Bench.Analytics -- 1000 10000   # other sizes
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using FlowForge.Core.Catalog;
using FlowForge.Core.Engine.History;
using FlowForge.Core.Storage;
using FlowForge.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

var sizes = args.Length > 0 ? args.Select(a => int.Parse(a, CultureInfo.InvariantCulture)).ToArray() : [1_000, 100_000];
const int Requests = 300;
var results = new List<(int Size, Stats Org, Stats Workflow, TimeSpan CatchUp)>();
foreach (var size in sizes)
{
    var result = await Bench.RunAsync(size, Requests);
    results.Add(result);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"analytics {size,9:N0} executions: organisation p50 {result.Org.P50:F2} ms p95 {result.Org.P95:F2} ms | workflow p50 {result.Workflow.P50:F2} ms p95 {result.Workflow.P95:F2} ms | rolled up in {result.CatchUp.TotalSeconds:F1} s ({size / result.CatchUp.TotalSeconds:N0} runs/s)"));
}
if (results.Count >= 2)
{
    var (first, last) = (results[0], results[^1]);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"analytics p95 ratio {last.Size:N0} / {first.Size:N0}: organisation {last.Org.P95 / first.Org.P95:F2}x, workflow {last.Workflow.P95 / first.Workflow.P95:F2}x (flat is ~1x)"));
}

internal sealed record Stats(double P50, double P95)
{
    public static Stats Of(List<double> ms)
    {
        ms.Sort();
        return new Stats(ms[(int)Math.Ceiling(0.5 * ms.Count) - 1], ms[(int)Math.Ceiling(0.95 * ms.Count) - 1]);
    }
}

internal static class Bench
{
    private const string Org = "org-bench";
    private const string Key = "ffk_bench_analytics_0123456789abcdef";
    private const int Workflows = 20;

    public static async Task<(int Size, Stats Org, Stats Workflow, TimeSpan CatchUp)> RunAsync(int size, int requests)
    {
        var directory = Path.Combine(Path.GetTempPath(), "flowforge-bench-analytics", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var dbPath = Path.Combine(directory, "flowforge.db");
        var app = ServerApp.Build(["--urls", "http://127.0.0.1:0"], builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = $"Data Source={dbPath}",
            ["Auth:Keys:0:Organization"] = Org,
            ["Auth:Keys:0:Key"] = Key,
            ["Samples:Enabled"] = "false",
            ["RateLimits:PerKeyPerSecond"] = "0",
            ["Logging:LogLevel:Default"] = "Warning",
        }));
        await app.StartAsync();
        try
        {
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            using var http = new HttpClient { BaseAddress = new Uri(address) };
            http.DefaultRequestHeaders.Add("X-Api-Key", Key);
            http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));

            // The workflows exist (the per-workflow report checks that), with no runs of their own.
            var workflowIds = new List<string>();
            for (var w = 0; w < Workflows; w++)
            {
                var created = await http.PostAsync("/api/workflows", new StringContent(
                    $$"""{ "name": "bench {{w}}", "nodes": [ { "id": "t", "type": "trigger_manual" } ], "edges": [] }""", System.Text.Encoding.UTF8, "application/json"));
                created.EnsureSuccessStatusCode();
                workflowIds.Add((string)JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!);
            }

            var clock = Stopwatch.StartNew();
            await SeedAsync(dbPath, size, workflowIds);
            var seeded = clock.Elapsed;
            var sw = Stopwatch.StartNew();
            while (await RunsAsync(http, "/api/analytics/organization") < size)
            {
                if (sw.Elapsed > TimeSpan.FromMinutes(20)) throw new TimeoutException($"The roll-up did not count {size} runs in 20 minutes.");
                await Task.Delay(50);
            }
            var catchUp = sw.Elapsed;
            Console.Error.WriteLine($"  seeded {size:N0} executions in {seeded.TotalSeconds:F1} s");

            var org = await MeasureAsync(http, "/api/analytics/organization", requests);
            var workflow = await MeasureAsync(http, $"/api/analytics/workflows/{workflowIds[3]}", requests);
            return (size, org, workflow, catchUp);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            SqliteConnection.ClearAllPools();
            try { Directory.Delete(directory, recursive: true); } catch (IOException) { /* a temp file left behind harms nothing */ }
        }
    }

    private static async Task<long> RunsAsync(HttpClient http, string path)
    {
        var body = JsonNode.Parse(await http.GetStringAsync(path))!;
        return (long)body["totals"]!["runs"]!;
    }

    private static async Task<Stats> MeasureAsync(HttpClient http, string path, int requests)
    {
        for (var i = 0; i < 20; i++) await http.GetStringAsync(path);
        var times = new List<double>(requests);
        for (var i = 0; i < requests; i++)
        {
            var sw = Stopwatch.StartNew();
            using var response = await http.GetAsync(path);
            await response.Content.ReadAsByteArrayAsync();
            response.EnsureSuccessStatusCode();
            times.Add(sw.Elapsed.TotalMilliseconds);
        }
        return Stats.Of(times);
    }

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Finished executions and their histories, as the engine would have left them, in one transaction.</summary>
    private static async Task SeedAsync(string dbPath, int size, List<string> workflowIds)
    {
        await using var c = new SqliteConnection($"Data Source={dbPath};Pooling=false");
        await c.OpenAsync();
        using (var pragma = c.CreateCommand())
        {
            pragma.CommandText = "PRAGMA busy_timeout = 30000;";
            await pragma.ExecuteNonQueryAsync();
        }
        await using var tx = c.BeginTransaction(deferred: false);
        var execution = c.CreateCommand();
        execution.Transaction = tx;
        execution.CommandText = """
            INSERT INTO executions (id, org_id, workflow_id, version, status, trigger_data, created_at, completed_at, updated_at, last_sequence)
            VALUES ($id, $org, $wf, 1, $status, '{}', $created, $completed, $completed, $last)
            """;
        foreach (var p in new[] { "$id", "$org", "$wf", "$status", "$created", "$completed", "$last" }) execution.Parameters.Add(new SqliteParameter(p, null));
        var history = c.CreateCommand();
        history.Transaction = tx;
        history.CommandText = "INSERT INTO history (execution_id, sequence, type, timestamp, data) VALUES ($id, $seq, $type, $at, $data)";
        foreach (var p in new[] { "$id", "$seq", "$type", "$at", "$data" }) history.Parameters.Add(new SqliteParameter(p, null));

        var random = new Random(7);
        var now = DateTimeOffset.UtcNow.AddMinutes(-1);
        for (var i = 0; i < size; i++)
        {
            var id = $"ex_bench_{i:D8}";
            var created = now.AddSeconds(-random.Next(0, 29 * 86_400));
            var first = created.AddMilliseconds(random.Next(1, 40));
            var completed = first.AddMilliseconds(Math.Pow(10, 1 + random.NextDouble() * 3));
            var failed = random.Next(100) < 12;
            var events = new List<HistoryEvent>
            {
                new ExecutionStarted(workflowIds[i % Workflows], 1, new JsonObject(), "t") { Timestamp = created },
                new StepCompleted("t", "t", "trigger_manual", 1, new JsonObject(), "main", Inline: true) { Timestamp = first },
            };
            if (random.Next(3) == 0)
            {
                var variant = random.Next(2) == 0 ? "a" : "b";
                events.Add(new StepCompleted("ab", "ab", NodeTypeNames.LogicAbSplit, 1, new JsonObject { ["variant"] = variant }, variant, Inline: true) { Timestamp = first });
            }
            events.Add(new StepScheduled("call", "call", "action_http", 1, new JsonObject { ["url"] = "https://example.test/" }) { Timestamp = first });
            events.Add(failed
                ? new StepFailed("call", "call", "action_http", 1, random.Next(2) == 0 ? "HTTP 503 from example.test" : "timed out after 30 s", Retryable: false) { Timestamp = completed }
                : new StepCompleted("call", "call", "action_http", 1, new JsonObject { ["status"] = 200 }, "main") { Timestamp = completed });
            events.Add(failed ? new ExecutionFailed("call failed", "call") { Timestamp = completed } : new ExecutionCompleted(null) { Timestamp = completed });

            execution.Parameters["$id"].Value = id;
            execution.Parameters["$org"].Value = Org;
            execution.Parameters["$wf"].Value = workflowIds[i % Workflows];
            execution.Parameters["$status"].Value = failed ? ExecutionStatus.Failed : ExecutionStatus.Completed;
            execution.Parameters["$created"].Value = Time(created);
            execution.Parameters["$completed"].Value = Time(completed);
            execution.Parameters["$last"].Value = events.Count;
            await execution.ExecuteNonQueryAsync();
            for (var s = 0; s < events.Count; s++)
            {
                history.Parameters["$id"].Value = id;
                history.Parameters["$seq"].Value = s + 1;
                history.Parameters["$type"].Value = StoredEvent.TypeName(events[s]);
                history.Parameters["$at"].Value = Time(events[s].Timestamp);
                history.Parameters["$data"].Value = StoredEvent.Serialize(events[s]);
                await history.ExecuteNonQueryAsync();
            }
        }
        await tx.CommitAsync();
    }
}
