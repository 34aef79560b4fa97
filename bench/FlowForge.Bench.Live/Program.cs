using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using FlowForge.Server.Hosting;
using FlowForge.Server.Live;
using FlowForge.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

// Live-progress benchmark: the real server in-process on loopback, N SignalR clients (raw WebSockets,
// JSON protocol) subscribed to one workflow, executions started over HTTP at a fixed rate; measures
// commit-to-client latency (the event's committedAt, stamped right after the dispatcher's commit, to
// its arrival at each client).
//
//   dotnet run -c Release --project bench/FlowForge.Bench.Live -- [--clients 100] [--rate 50] [--seconds 20] [--per-execution]

var clients = Arg("--clients", 100);
var rate = Arg("--rate", 50);
var seconds = Arg("--seconds", 20);
var perExecution = args.Contains("--per-execution");
const string Key = "ffk_bench_live_0123456789abcdef";

var directory = Path.Combine(Path.GetTempPath(), "flowforge-bench-live", Guid.NewGuid().ToString("N"));
Directory.CreateDirectory(directory);
var app = ServerApp.Build(["--urls", "http://127.0.0.1:0"], builder =>
{
    builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["Storage:ConnectionString"] = $"Data Source={Path.Combine(directory, "flowforge.db")}",
        ["Storage:SqliteSynchronous"] = "NORMAL",
        ["Auth:BootstrapApiKey"] = Key,
        ["Samples:Enabled"] = "false",
        // The benchmark measures the engine, not the request rate limits: off.
        ["RateLimits:PerKeyPerSecond"] = "0",
        ["RateLimits:PerWebhookPerSecond"] = "0",
        ["Egress:AllowPrivateNetworks"] = "true",
        ["Logging:LogLevel:Default"] = "Warning",
    });
});
await app.StartAsync();
var baseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
var broadcaster = app.Services.GetRequiredService<LiveBroadcaster>();
using var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
http.DefaultRequestHeaders.Add("X-Api-Key", Key);

// A short workflow of two turns: the trigger and an HTTP call to the server's own /health, then a variable.
var definition = JsonNode.Parse($$$"""
    { "name": "live-bench", "nodes": [
        { "id": "start", "type": "trigger_manual", "config": {}, "position": { "x": 0, "y": 0 } },
        { "id": "call", "type": "action_http", "config": { "method": "GET", "url": "{{{new Uri(baseAddress, "/health")}}}" }, "position": { "x": 200, "y": 0 } },
        { "id": "set", "type": "logic_set_variable", "config": { "variables": { "ok": "{{steps.call.body.status}}" } }, "position": { "x": 400, "y": 0 } } ],
      "edges": [ { "id": "e1", "source": "start", "target": "call" }, { "id": "e2", "source": "call", "target": "set" } ] }
    """)!;
var created = await (await http.PostAsJsonAsync("/api/workflows", definition)).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonObject>();
var workflowId = (string)created!["id"]!;
(await http.PostAsync($"/api/workflows/{workflowId}/publish", null)).EnsureSuccessStatusCode();

// Clients: all subscribed to the workflow (lifecycle events of every execution).
var latencies = new ConcurrentQueue<double>();
var perEvent = new ConcurrentDictionary<string, int>();
var connections = new List<SignalRJsonClient>();
for (var i = 0; i < clients; i++)
{
    var client = await SignalRJsonClient.ConnectAsync(baseAddress, Key);
    client.OnEvent = (name, data, receivedAt) =>
    {
        perEvent.AddOrUpdate(name, 1, (_, n) => n + 1);
        if (data.ValueKind == JsonValueKind.Object && data.TryGetProperty("committedAt", out var c) && c.GetString() is { } text)
        {
            latencies.Enqueue((receivedAt - DateTimeOffset.Parse(text, CultureInfo.InvariantCulture)).TotalMilliseconds);
        }
    };
    var error = await client.InvokeAsync("Subscribe", workflowId);
    if (error is not null) throw new InvalidOperationException(error);
    connections.Add(client);
}
Console.WriteLine($"{clients} clients connected and subscribed to {workflowId}; driving {rate} executions/s for {seconds} s…");

// Warm-up (JIT, connection pools), not measured.
for (var i = 0; i < 20; i++) await http.PostAsJsonAsync($"/api/workflows/{workflowId}/execute", new { triggerData = new { } });
await Task.Delay(2000);
latencies.Clear();
perEvent.Clear();

var started = new ConcurrentBag<string>();
var failedStarts = 0;
var interval = TimeSpan.FromSeconds(1.0 / rate);
var total = rate * seconds;
var clock = Stopwatch.StartNew();
var inFlight = new List<Task>(total);
for (var i = 0; i < total; i++)
{
    var due = interval * i;
    var wait = due - clock.Elapsed;
    if (wait > TimeSpan.Zero) await Task.Delay(wait);
    inFlight.Add(Task.Run(async () =>
    {
        var response = await http.PostAsJsonAsync($"/api/workflows/{workflowId}/execute", new { triggerData = new { } });
        if (!response.IsSuccessStatusCode) { Interlocked.Increment(ref failedStarts); return; }
        var body = await response.Content.ReadFromJsonAsync<JsonObject>();
        started.Add((string)body!["executionId"]!);
    }));
}
await Task.WhenAll(inFlight);
var driveTime = clock.Elapsed;

// Wait until every execution finished and its events arrived (or 30 s).
var expected = (long)started.Count * 2 * clients; // started + completed, to every client
var drainDeadline = DateTime.UtcNow.AddSeconds(30);
while (latencies.Count < expected && DateTime.UtcNow < drainDeadline) await Task.Delay(100);

var sorted = latencies.ToArray();
Array.Sort(sorted);
double P(double q) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];

Console.WriteLine();
Console.WriteLine($"| Setting | Value |");
Console.WriteLine($"|---|---|");
Console.WriteLine($"| Clients (WebSocket, subscribed to the workflow) | {clients} |");
Console.WriteLine($"| Executions started | {started.Count} in {driveTime.TotalSeconds:F1} s ({started.Count / driveTime.TotalSeconds:F1}/s), {failedStarts} refused |");
Console.WriteLine($"| Events delivered / expected | {sorted.Length:N0} / {expected:N0} ({string.Join(", ", perEvent.OrderBy(p => p.Key).Select(p => $"{p.Key} {p.Value:N0}"))}) |");
Console.WriteLine($"| Dropped (router / connection outboxes) | {broadcaster.DroppedTurns} / {broadcaster.DroppedEvents} |");
Console.WriteLine($"| Commit → client latency p50 | {P(0.50):F1} ms |");
Console.WriteLine($"| p90 | {P(0.90):F1} ms |");
Console.WriteLine($"| p99 | {P(0.99):F1} ms |");
Console.WriteLine($"| max | {(sorted.Length == 0 ? double.NaN : sorted[^1]):F1} ms |");
Console.WriteLine($"| Target p99 < 200 ms | {(P(0.99) < 200 ? "met" : "NOT met")} |");

foreach (var c in connections) await c.DisposeAsync();
await app.StopAsync();
await app.DisposeAsync();
Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
return P(0.99) < 200 ? 0 : 1;

int Arg(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}
