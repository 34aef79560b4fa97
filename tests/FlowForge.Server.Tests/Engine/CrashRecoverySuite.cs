using System.Net;
using System.Text.Json.Nodes;
using FlowForge.Server.Tests.Infrastructure;

namespace FlowForge.Server.Tests.Engine;

/// <summary>
/// The durability promise, tested the hard way: the real server process is SIGKILLed while executions
/// are mid-activity, waiting on timers and running, then started again on the same database.
/// Every execution must finish, and each step's output must be recorded exactly once. Written once, enrolled by
/// each backend below (SQLite: a file; PostgreSQL: a schema), since each has its own commit and lease code.
/// </summary>
/// <typeparam name="TStorage">The database the server processes run on.</typeparam>
public abstract class CrashRecoverySuite<TStorage> : IAsyncLifetime
    where TStorage : ServerStorage, new()
{
    private const string Key = "ffk_crash_test_key_0123456789";
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "flowforge-crash", Guid.NewGuid().ToString("N"));
    private readonly TStorage _storage = new();
    private FakeService _fake = null!;

    private Dictionary<string, string> Environment => new(BaseEnvironment.Concat(_storage.Environment(_dir)));

    private static readonly Dictionary<string, string> BaseEnvironment = new()
    {
        ["Auth__BootstrapApiKey"] = Key,
        ["Samples__Enabled"] = "false",
        ["Egress__AllowPrivateNetworks"] = "true",
        ["Storage__SqliteSynchronous"] = "FULL",
        // Short leases so the restarted process takes over the dead one's work quickly.
        ["Engine__ActivityLeaseGrace"] = "00:00:01",
        ["Engine__OrchestrationLease"] = "00:00:02",
        ["Engine__PollInterval"] = "00:00:00.200",
        ["Logging__LogLevel__Default"] = "Warning",
    };

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        _fake = await FakeService.StartAsync();
    }

    [Fact]
    public async Task Kill_WhileMidActivityWaitingAndRunning_RestartFinishesEveryExecutionWithEachStepRecordedOnce()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var executions = new List<string>();

        await using (var first = await ServerProcess.StartAsync(_dir, Environment))
        {
            var client = first.Client(Key);
            var slow = await client.Publish($$$"""
                { "name": "slow", "nodes": [
                    { "id": "t", "type": "trigger_manual" },
                    { "id": "slow", "type": "action_http", "config": { "method": "POST", "url": "{{{_fake.Url($"/slow/{tag}-slow?ms=1500")}}}", "timeout": "5s" } },
                    { "id": "mark", "type": "logic_set_variable", "config": { "variables": { "n": "{{trigger.n}}" } } },
                    { "id": "notify", "type": "action_http", "config": { "method": "POST", "url": "{{{_fake.Url($"/ok/{tag}-notify")}}}", "body": { "n": "{{vars.n}}" } } } ],
                  "edges": [ { "source": "t", "target": "slow" }, { "source": "slow", "target": "mark" }, { "source": "mark", "target": "notify" } ] }
                """);
            var timer = await client.Publish($$$"""
                { "name": "timer", "nodes": [
                    { "id": "t", "type": "trigger_manual" },
                    { "id": "wait", "type": "logic_delay", "config": { "duration": "3s" } },
                    { "id": "after", "type": "action_http", "config": { "method": "POST", "url": "{{{_fake.Url($"/ok/{tag}-timer")}}}" } } ],
                  "edges": [ { "source": "t", "target": "wait" }, { "source": "wait", "target": "after" } ] }
                """);
            var busy = await client.Publish($$$"""
                { "name": "busy", "nodes": [
                    { "id": "t", "type": "trigger_manual" },
                    { "id": "a", "type": "action_http", "config": { "method": "POST", "url": "{{{_fake.Url($"/slow/{tag}-busy-a?ms=200")}}}" } },
                    { "id": "b", "type": "action_http", "config": { "method": "POST", "url": "{{{_fake.Url($"/slow/{tag}-busy-b?ms=200")}}}" } },
                    { "id": "c", "type": "action_http", "config": { "method": "POST", "url": "{{{_fake.Url($"/slow/{tag}-busy-c?ms=200")}}}" } } ],
                  "edges": [ { "source": "t", "target": "a" }, { "source": "a", "target": "b" }, { "source": "b", "target": "c" } ] }
                """);

            for (var i = 0; i < 8; i++)
            {
                executions.Add(await client.Execute(slow, new { n = i }));
                executions.Add(await client.Execute(timer, new { n = i }));
                executions.Add(await client.Execute(busy, new { n = i }));
            }

            // Kill once the slow calls are in flight (the provider got them, nobody recorded a result yet)
            // and the timer executions are parked.
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (_fake.Calls($"/slow/{tag}-slow") < 4 && DateTime.UtcNow < deadline) await Task.Delay(20);
            Assert.True(_fake.Calls($"/slow/{tag}-slow") >= 4, "slow activities were running before the kill");
            first.Kill();
        }

        await using var second = await ServerProcess.StartAsync(_dir, Environment);
        var client2 = second.Client(Key);
        foreach (var id in executions)
        {
            var done = await client2.WaitFinished(id, TimeSpan.FromSeconds(60));
            Assert.True((string?)done["status"] == "completed", $"{id}: {done.ToJsonString()}");
            Assert.All(done["logs"]!.AsArray(), step => Assert.Equal("completed", (string?)step!["status"]));

            var history = (await (await client2.GetAsync($"/api/executions/{id}/history")).Expect(HttpStatusCode.OK))["events"]!.AsArray();
            var completions = history.Where(e => (string?)e!["type"] == "stepCompleted").GroupBy(e => (string)e!["stepKey"]!);
            Assert.All(completions, g => Assert.True(g.Count() == 1, $"{id}: step {g.Key} recorded {g.Count()} times"));
            var scheduled = history.Where(e => (string?)e!["type"] == "stepScheduled").GroupBy(e => ((string)e!["stepKey"]!, (int)e!["attempt"]!));
            Assert.All(scheduled, g => Assert.Single(g));
            Assert.Single(history, e => (string?)e!["type"] == "executionCompleted");
        }

        // Every execution reached its last step; a re-run of an interrupted call carried the same idempotency key.
        Assert.Equal(8, _fake.Requests.Where(r => r.Path == $"/ok/{tag}-notify").Select(r => JsonNode.Parse(r.Body)!["n"]!.ToString()).Distinct().Count());
        Assert.Equal(8, _fake.Requests.Where(r => r.Path == $"/ok/{tag}-timer").Select(r => r.IdempotencyKey).Distinct().Count());
        var slowCalls = _fake.Requests.Where(r => r.Path == $"/slow/{tag}-slow").ToList();
        Assert.Equal(8, slowCalls.Select(r => r.IdempotencyKey!.Split(':')[0]).Distinct().Count());
    }

    public async Task DisposeAsync()
    {
        await _fake.DisposeAsync();
        await _storage.DisposeAsync();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}

// Slow: kills and restarts a server process (about 40 s each); the fast set (--filter "Category!=Slow") skips them, CI runs them.
[Trait("Category", "Slow")]
public sealed class SqliteCrashRecoveryTests : CrashRecoverySuite<SqliteStorage>;

[Trait("Category", "Slow")]
public sealed class PostgresCrashRecoveryTests : CrashRecoverySuite<PostgresStorage>;
