using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using FlowForge.Server.Tests.Infrastructure;
using Npgsql;
using Xunit.Abstractions;

namespace FlowForge.Server.Tests.Postgres;

/// <summary>
/// Fault tolerance at scale: three real server processes on one PostgreSQL schema (cross-process live feed on) under
/// steady load of timers, retries, approvals, sub-workflows and a every-2-seconds schedule, while two of them are
/// SIGKILLed at random and restarted and PostgreSQL itself is restarted once. The first process is never killed: it
/// hosts the live-feed client (a client whose server dies has lost its connection, and no feed can promise it more).
/// At the end every execution finished, each step's output is in its history exactly once, no schedule tick ran
/// twice, the stand-in saw each activity attempt at least once and again only across a crash, and the live client
/// got every execution's terminal event or a resync for it.
/// </summary>
// Slow and Chaos: runs for FLOWFORGE_CHAOS_SECONDS (default 120) plus the drain; the fast set skips it, ./test.sh runs it.
// It runs on a PostgreSQL cluster of its own (PrivatePostgresCluster, root needed), which it restarts: the shared test
// cluster's other users are not disturbed.
[Trait("Category", "Slow")]
[Trait("Category", "Chaos")]
public sealed class ChaosSoakTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Key = "ffk_chaos_soak_key_0123456789";
    private readonly string _schema = $"t_chaos_{Guid.NewGuid():N}";
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "flowforge-chaos", Guid.NewGuid().ToString("N"));
    private readonly ServerProcess?[] _servers = new ServerProcess?[3];
    private readonly ConcurrentQueue<(string What, DateTimeOffset At)> _disruptions = new();

    /// <summary>How long a call may be under way (sent, not yet stamped by the stand-in) on a loaded loopback.</summary>
    private static readonly TimeSpan InFlight = TimeSpan.FromSeconds(1);
    private FakeService _fake = null!;
    private PrivatePostgresCluster _cluster = null!;

    private Dictionary<string, string> Environment() => new()
    {
        ["Storage__Provider"] = "postgres",
        ["Storage__ConnectionString"] = _cluster.ConnectionString(_schema),
        ["DataProtection__KeyPath"] = Path.Combine(_dir, "keys"),
        ["Auth__BootstrapApiKey"] = Key,
        ["Samples__Enabled"] = "false",
        ["Egress__AllowPrivateNetworks"] = "true",
        ["Live__CrossProcess"] = "true",
        // Short leases so a survivor takes over a dead process's work quickly; the activity grace not so short that an
        // activity waiting in an overloaded process's queue (4 test runs on 2 cores) outlives its lease with no crash.
        ["Engine__ActivityLeaseGrace"] = "00:00:10",
        ["Engine__OrchestrationLease"] = "00:00:02",
        ["Engine__PollInterval"] = "00:00:00.200",
        // A step may be interrupted by several kills; poison isolation is not what this test is about.
        ["Engine__MaxActivityClaims"] = "50",
        ["Triggers__SchedulePollInterval"] = "00:00:00.200",
        // The final checks read every execution's history over HTTP with one key; rate limits are not under test here.
        ["RateLimits__PerKeyPerSecond"] = "100000",
        ["RateLimits__PerKeyBurst"] = "100000",
        ["Logging__LogLevel__Default"] = "Warning",
    };

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        _cluster = await PrivatePostgresCluster.CreateAsync("chaos soak");
        _fake = await FakeService.StartAsync();
    }

    private static TimeSpan Duration =>
        TimeSpan.FromSeconds(int.TryParse(System.Environment.GetEnvironmentVariable("FLOWFORGE_CHAOS_SECONDS"), out var s) && s > 0 ? s : 120);

    private async Task<ServerProcess> StartServer(int index)
    {
        var dir = Path.Combine(_dir, $"p{index}");
        Directory.CreateDirectory(dir);
        var server = await ServerProcess.StartAsync(dir, Environment());
        _servers[index] = server;
        return server;
    }

    /// <summary>A live server's client (the first one when the others are down).</summary>
    private HttpClient AnyClient(Random random)
    {
        var alive = _servers.Where(s => s is not null).ToArray();
        return alive[random.Next(alive.Length)]!.Client(Key);
    }

    [Fact]
    public async Task ThreeProcessesKilledAtRandom_AndPostgresRestarted_EveryExecutionFinishesWithEachStepOnce()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var random = new Random(1309);
        // The schema exists before three processes race to migrate it (they take an advisory lock, but start-up is quicker this way).
        var first = await StartServer(0);
        await Task.WhenAll(StartServer(1), StartServer(2));
        var http = first.Client(Key);

        var timer = await http.Publish($$$"""
            { "name": "chaos timer", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "wait", "type": "logic_delay", "config": { "duration": "2s" } },
                { "id": "after", "type": "action_http", "config": { "method": "POST", "url": "{{{_fake.Url($"/ok/{tag}-timer")}}}" } } ],
              "edges": [ { "source": "t", "target": "wait" }, { "source": "wait", "target": "after" } ] }
            """);
        // The stand-in fails the first call of each path: every execution gets its own path, so each retries once.
        var retry = await http.Publish($$$"""
            { "name": "chaos retry", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "call", "type": "action_http", "config": { "method": "POST", "url": "{{{_fake.Url($"/flaky/{tag}-")}}}{{trigger.n}}?failures=1",
                  "retry": { "maxAttempts": 5, "initialInterval": "300ms", "backoffCoefficient": 1 } } },
                { "id": "after", "type": "action_http", "config": { "method": "POST", "url": "{{{_fake.Url($"/ok/{tag}-retried")}}}" } } ],
              "edges": [ { "source": "t", "target": "call" }, { "source": "call", "target": "after" } ] }
            """);
        var approval = await http.Publish($$$"""
            { "name": "chaos approval", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "approve", "type": "logic_approval", "config": { "message": "ok?", "timeout": "1h" } },
                { "id": "yes", "type": "action_http", "config": { "method": "POST", "url": "{{{_fake.Url($"/ok/{tag}-approved")}}}" } },
                { "id": "no", "type": "logic_set_variable", "config": { "variables": { "route": "not approved" } } } ],
              "edges": [ { "source": "t", "target": "approve" },
                         { "source": "approve", "target": "yes", "sourceHandle": "approved" },
                         { "source": "approve", "target": "no", "sourceHandle": "rejected" },
                         { "source": "approve", "target": "no", "sourceHandle": "timeout" } ] }
            """);
        var child = await http.Publish($$$"""
            { "name": "chaos child", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "work", "type": "action_http", "config": { "method": "POST", "url": "{{{_fake.Url($"/slow/{tag}-child?ms=300")}}}" } } ],
              "edges": [ { "source": "t", "target": "work" } ] }
            """);
        var parent = await http.Publish($$$"""
            { "name": "chaos parent", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "sub", "type": "logic_subworkflow", "config": { "workflowId": "{{{child}}}", "input": { "n": "{{trigger.n}}" } } },
                { "id": "after", "type": "action_http", "config": { "method": "POST", "url": "{{{_fake.Url($"/ok/{tag}-parent")}}}" } } ],
              "edges": [ { "source": "t", "target": "sub" }, { "source": "sub", "target": "after" } ] }
            """);
        var schedule = await http.Publish("""
            { "name": "chaos schedule", "nodes": [
                { "id": "tick", "type": "trigger_schedule", "config": { "cron": "*/2 * * * * *", "timezone": "UTC" } },
                { "id": "set", "type": "logic_set_variable", "config": { "variables": { "tick": "{{trigger.scheduled_time}}" } } } ],
              "edges": [ { "source": "tick", "target": "set" } ] }
            """);
        string[] workflows = [timer, retry, approval, child, parent, schedule];

        // The live client on the process that is never killed, following every workflow's executions.
        await using var live = await NodeLiveClient.StartAsync(first.BaseAddress, Key);
        Assert.Null(live.ConnectError);
        foreach (var wf in workflows) Assert.Null(await live.Invoke("Subscribe", wf));

        var started = new ConcurrentBag<string>();
        var approvals = new ConcurrentDictionary<string, bool>();
        var stop = DateTime.UtcNow + Duration;
        var load = Task.Run(async () =>
        {
            var n = 0;
            var loadRandom = new Random(13);
            while (DateTime.UtcNow < stop)
            {
                foreach (var wf in new[] { timer, retry, approval, parent })
                {
                    n++;
                    var id = await StartSurviving(wf, new { n = $"{n}" }, $"chaos-{tag}-{n}", loadRandom);
                    started.Add(id);
                    if (wf == approval) approvals[id] = false;
                }
                await Task.Delay(400);
            }
        });
        var approver = Task.Run(async () =>
        {
            var approverRandom = new Random(7);
            while (DateTime.UtcNow < stop || approvals.Values.Any(answered => !answered))
            {
                foreach (var id in approvals.Where(a => !a.Value).Select(a => a.Key).ToList())
                {
                    try
                    {
                        using var client = AnyClient(approverRandom);
                        var status = (string?)(await client.GetExecution(id))["status"];
                        // Finished without an answer (it should not): nothing to approve; the checks below report it.
                        if (status is "completed" or "failed" or "cancelled") approvals[id] = true;
                        if (status != "waiting") continue;
                        var answer = await client.PostJson($"/api/executions/{id}/events/approval", """{ "payload": { "approved": true, "approvedBy": "chaos" } }""");
                        if (answer.StatusCode == HttpStatusCode.Accepted) approvals[id] = true;
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException or InvalidOperationException or TimeoutException or Xunit.Sdk.XunitException)
                    {
                        // That process just died, or PostgreSQL is restarting: ask again on the next round.
                    }
                }
                await Task.Delay(300);
            }
        });

        // Chaos: every 6–12 s one of the two killable processes is SIGKILLed and restarted 1–3 s later; PostgreSQL restarts once at half time.
        var pgRestarted = false;
        var kills = 0;
        while (DateTime.UtcNow < stop)
        {
            await Task.Delay(TimeSpan.FromSeconds(6 + random.NextDouble() * 6));
            if (DateTime.UtcNow >= stop) break;
            if (!pgRestarted && DateTime.UtcNow > stop - Duration / 2)
            {
                _disruptions.Enqueue(("postgres restart", DateTimeOffset.UtcNow));
                _cluster.Restart();
                output.WriteLine("restarted PostgreSQL (fast shutdown)");
                _disruptions.Enqueue(("postgres restarted", DateTimeOffset.UtcNow));
                pgRestarted = true;
                continue;
            }
            var victim = 1 + random.Next(2);
            _disruptions.Enqueue(($"kill p{victim}", DateTimeOffset.UtcNow));
            var dead = _servers[victim]!;
            _servers[victim] = null;
            dead.Kill();
            await dead.DisposeAsync();
            kills++;
            await Task.Delay(TimeSpan.FromSeconds(1 + random.NextDouble() * 2));
            await StartServer(victim);
        }
        await load;
        Assert.True(pgRestarted, "PostgreSQL was restarted mid-run (FLOWFORGE_CHAOS_SECONDS too short?)");
        // The approver stops once every approval is answered; one stuck before its approval is reported by the checks below.
        try
        {
            await approver.WaitAsync(TimeSpan.FromSeconds(120));
        }
        catch (TimeoutException)
        {
            output.WriteLine($"approvals still unanswered: {string.Join(", ", approvals.Where(a => !a.Value).Select(a => a.Key).Take(10))}");
        }

        // Every execution the database holds (children and schedule runs included) finishes, completed.
        var all = await ExecutionsInSchema();
        output.WriteLine($"{started.Count} started over HTTP, {all.Count} executions in all, {kills} kills, PostgreSQL restarted once");
        Assert.Superset(started.ToHashSet(), all.Keys.ToHashSet());
        var deadline = DateTime.UtcNow.AddSeconds(180);
        while (DateTime.UtcNow < deadline && (all = await ExecutionsInSchema()).Values.Any(s => s is not ("completed" or "failed" or "cancelled")))
            await Task.Delay(500);
        var unfinished = all.Where(e => e.Value != "completed").ToList();
        Assert.True(unfinished.Count == 0, $"{unfinished.Count} executions did not complete: {string.Join(", ", unfinished.Take(10).Select(e => $"{e.Key}={e.Value}"))}");

        // Each step's output recorded exactly once; each attempt scheduled once; one completion.
        var completedAttempts = new HashSet<string>();
        foreach (var id in all.Keys)
        {
            var history = (await (await http.GetAsync($"/api/executions/{id}/history")).Expect(HttpStatusCode.OK))["events"]!.AsArray();
            var completions = history.Where(e => (string?)e!["type"] == "stepCompleted").GroupBy(e => (string)e!["stepKey"]!).ToList();
            Assert.All(completions, g => Assert.True(g.Count() == 1, $"{id}: step {g.Key} recorded {g.Count()} times"));
            var scheduled = history.Where(e => (string?)e!["type"] == "stepScheduled").GroupBy(e => ((string)e!["stepKey"]!, (int)e!["attempt"]!)).ToList();
            Assert.All(scheduled, g => Assert.True(g.Count() == 1, $"{id}: step {g.Key} scheduled {g.Count()} times"));
            Assert.Single(history, e => (string?)e!["type"] == "executionCompleted");
            foreach (var g in scheduled) completedAttempts.Add($"{id}:{g.Key.Item1}:{g.Key.Item2}");
        }

        // No schedule tick ran twice.
        var ticks = new List<string>();
        foreach (var (id, _) in all.Where(e => e.Key.Length > 0))
        {
            var execution = await http.GetExecution(id);
            if ((string?)execution["workflowId"] == schedule) ticks.Add((string)execution["finalOutput"]!["tick"]!);
        }
        output.WriteLine($"{ticks.Count} schedule ticks ran");
        Assert.True(ticks.Count >= Duration.TotalSeconds / 2 / 4, $"the schedule ran ({ticks.Count} ticks)");
        Assert.All(ticks.GroupBy(t => t), g => Assert.True(g.Count() == 1, $"tick {g.Key} ran {g.Count()} times"));

        // At least once: every scheduled attempt of an action reached the stand-in. At most what the crashes allow: a key
        // is called again only across a disruption (a kill or the PostgreSQL restart) that fell between its first and
        // last call, at most once per such disruption.
        var disruptions = _disruptions.Select(d => d.At).ToList();
        var calls = _fake.KeyedTimes.Where(c => c.IdempotencyKey is not null && c.Path.Contains(tag, StringComparison.Ordinal))
            .GroupBy(c => c.IdempotencyKey!).ToDictionary(g => g.Key, g => g.Select(c => c.At).Order().ToList());
        var missing = completedAttempts.Where(k => !calls.ContainsKey(k) && !k.Contains(":approve:", StringComparison.Ordinal)
            && !k.Contains(":sub:", StringComparison.Ordinal)).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} scheduled attempts never reached the stand-in: {string.Join(", ", missing.Take(5))}");
        var reruns = 0;
        foreach (var (key, times) in calls)
        {
            // The stand-in stamps a call when it has read it, so a call a process sent just before it was killed can be
            // stamped a little after the kill's mark: a disruption up to InFlight before the first call still explains a re-run.
            var between = disruptions.Count(d => d >= times[0] - InFlight && d <= times[^1]);
            reruns += times.Count - 1;
            Assert.True(times.Count - 1 <= between, $"{key} was called {times.Count} times with {between} disruptions between its first and last call");
        }
        output.WriteLine($"{calls.Count} activity attempts reached the stand-in, {reruns} re-runs across crashes");

        // The live client got, for every execution, its terminal event or a resync. Delivery trails the commit: wait until
        // every execution has been heard of (a positive signal), failing only after a generous deadline.
        List<string> Silent()
        {
            var heard = live.Events.Where(e => e.Name is "execution:completed" or "execution:resync")
                .Select(e => (string?)e.Data["executionId"]).ToHashSet(StringComparer.Ordinal);
            return all.Keys.Where(id => !heard.Contains(id)).ToList();
        }
        var heardBy = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (Silent().Count > 0 && DateTime.UtcNow < heardBy) await Task.Delay(100);
        var silent = Silent();
        output.WriteLine($"live client: {live.Events.Count} events, {live.Events.Count(e => e.Name == "execution:resync")} resyncs");
        Assert.True(silent.Count == 0, $"the live client got neither the end nor a resync of {silent.Count} executions: {string.Join(", ", silent.Take(5))}");
    }

    /// <summary>Starts an execution on any live process; a start that failed in flight is repeated with the same idempotency key.</summary>
    private async Task<string> StartSurviving(string workflowId, object trigger, string idempotencyKey, Random random)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                using var client = AnyClient(random);
                return await client.Execute(workflowId, trigger, idempotencyKey);
            }
            catch (Exception e) when (attempt < 100 && e is HttpRequestException or TaskCanceledException or InvalidOperationException or Xunit.Sdk.XunitException)
            {
                await Task.Delay(200);
            }
        }
    }

    private async Task<Dictionary<string, string>> ExecutionsInSchema()
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await using var c = new NpgsqlConnection(_cluster.ConnectionString(_schema));
                await c.OpenAsync();
                await using var cmd = new NpgsqlCommand("SELECT id, status FROM executions", c);
                await using var reader = await cmd.ExecuteReaderAsync();
                var result = new Dictionary<string, string>();
                while (await reader.ReadAsync()) result[reader.GetString(0)] = reader.GetString(1);
                return result;
            }
            catch (NpgsqlException) when (attempt < 20)
            {
                await Task.Delay(500);
            }
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var server in _servers)
        {
            if (server is not null) await server.DisposeAsync();
        }
        if (_fake is not null) await _fake.DisposeAsync();
        // The whole cluster goes, schema and all.
        if (_cluster is not null) await _cluster.DisposeAsync();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
