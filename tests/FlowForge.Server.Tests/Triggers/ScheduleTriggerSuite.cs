using System.Net;
using System.Text.Json.Nodes;
using FlowForge.Server.Health;
using FlowForge.Server.Hosting;
using FlowForge.Server.Tests.Infrastructure;
using FlowForge.Server.Triggers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace FlowForge.Server.Tests.Triggers;

/// <summary>
/// Schedules on a controllable clock, with TWO server instances (each with its own schedule loop, dispatcher and
/// workers) on one database: every tick runs exactly once. Enrolled by each backend below (the tick's
/// compare-and-set is the store's).
/// </summary>
/// <typeparam name="TStorage">The database both instances share.</typeparam>
public abstract class ScheduleTriggerSuite<TStorage> : IAsyncLifetime
    where TStorage : ServerStorage, new()
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "flowforge-tests", "schedule-" + Guid.NewGuid().ToString("N"));
    private readonly TStorage _storage = new();
    private readonly FakeClock _clock = new(new DateTimeOffset(2030, 1, 7, 10, 0, 30, TimeSpan.Zero)); // a Monday
    private readonly List<WebApplication> _apps = [];
    private readonly List<Uri> _addresses = [];

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        for (var i = 0; i < 2; i++)
        {
            var app = ServerApp.Build(["--urls", "http://127.0.0.1:0"], builder =>
            {
                builder.Configuration.AddInMemoryCollection(_storage.Settings(_dir));
                builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
                {
                    ["Storage:SqliteSynchronous"] = "NORMAL",
                    ["Auth:Keys:0:Organization"] = "org-a",
                    ["Auth:Keys:0:Key"] = ServerFixture.KeyA,
                    ["Samples:Enabled"] = "false",
                    ["Engine:PollInterval"] = "00:00:00.200",
                    ["Triggers:SchedulePollInterval"] = "00:00:00.050",
                    ["Logging:LogLevel:Default"] = "Warning",
                });
                builder.Services.AddSingleton(new TriggerClock(_clock));
            });
            await app.StartAsync();
            _apps.Add(app);
            _addresses.Add(new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()));
        }
    }

    private HttpClient Client(int instance)
    {
        var client = new HttpClient { BaseAddress = _addresses[instance], Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Add("X-Api-Key", ServerFixture.KeyA);
        return client;
    }

    private static string Scheduled(string name, string config) => TriggerTestSupport.Workflow(name, "trigger_schedule", config, "{{scheduled_time}}");

    /// <summary>
    /// Waits until each instance's schedule loop has run a whole pass that began after this call: whatever is due at
    /// the current fake time has then been fired (or skipped) by both, so a count taken afterwards is final, however
    /// slow the machine. A positive signal (the loops' heartbeats), not a fixed sleep.
    /// </summary>
    private async Task Settle()
    {
        foreach (var app in _apps) await LoopPasses.WholePassAsync(app.Services.GetRequiredService<LoopHeartbeats>(), LoopHeartbeats.Schedules);
    }

    /// <summary>Waits (on a loaded machine, a while) for <paramref name="count"/> executions, then settles and checks no more appear.</summary>
    private async Task ExpectExecutions(HttpClient client, string workflowId, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (await client.ExecutionCount(workflowId) < count && DateTime.UtcNow < deadline) await Task.Delay(50);
        await Settle();
        Assert.Equal(count, await client.ExecutionCount(workflowId));
    }

    [Fact]
    public async Task TwoInstances_FireEachTickExactlyOnce_SkipMissedTicks_AndShowTheNextRuns()
    {
        var a = Client(0);
        var b = Client(1);
        var (id, published) = await a.CreateAndPublish(Scheduled("hourly", """{ "cron": "0 * * * *", "timezone": "UTC" }"""));
        Assert.Equal("schedule", (string?)published.Trigger()["auth"]);

        var schedule = await (await b.GetAsync($"/api/workflows/{id}/schedule")).Expect(HttpStatusCode.OK);
        var runs = schedule["schedules"]![0]!["nextRuns"]!.AsArray().Select(r => DateTimeOffset.Parse((string)r!)).ToList();
        Assert.Equal(5, runs.Count);
        Assert.Equal(new DateTimeOffset(2030, 1, 7, 11, 0, 0, TimeSpan.Zero), runs[0]);
        Assert.Equal(new DateTimeOffset(2030, 1, 7, 15, 0, 0, TimeSpan.Zero), runs[4]);

        await Settle();
        Assert.Equal(0, await a.ExecutionCount(id)); // not yet

        _clock.Set(new DateTimeOffset(2030, 1, 7, 11, 0, 0, 200, TimeSpan.Zero));
        await ExpectExecutions(a, id, 1);
        _clock.Set(new DateTimeOffset(2030, 1, 7, 12, 0, 1, TimeSpan.Zero));
        await ExpectExecutions(b, id, 2);
        var executions = await a.Executions(id);
        Assert.Equal(2, executions.AsArray().Count);
        var times = new List<string?>();
        foreach (var e in executions.AsArray())
        {
            var finished = await a.WaitFinished((string)e!["executionId"]!);
            Assert.Equal("completed", (string?)finished["status"]);
            times.Add((string?)finished["triggerData"]!["scheduled_time"]);
        }
        Assert.Equal(["2030-01-07T11:00:00Z", "2030-01-07T12:00:00Z"], times.Order().ToList());

        // Down for five hours: with catchUp skip (the default) nothing runs for the missed ticks, the next one is in the future.
        _clock.Set(new DateTimeOffset(2030, 1, 7, 17, 30, 0, TimeSpan.Zero));
        JsonNode triggers;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        do
        {
            await Task.Delay(50);
            triggers = await (await a.GetAsync($"/api/workflows/{id}/triggers")).Expect(HttpStatusCode.OK);
        } while ((string?)triggers["triggers"]![0]!["nextFireAt"] is { } at && DateTimeOffset.Parse(at) < _clock.GetUtcNow() && DateTime.UtcNow < deadline);
        await Settle();
        Assert.Equal(2, await a.ExecutionCount(id));
        Assert.Equal(new DateTimeOffset(2030, 1, 7, 18, 0, 0, TimeSpan.Zero), DateTimeOffset.Parse((string)triggers["triggers"]![0]!["nextFireAt"]!));
        Assert.Equal(1, (int?)triggers["triggers"]![0]!["counts"]!["skipped"]);
        _clock.Set(new DateTimeOffset(2030, 1, 7, 18, 0, 0, TimeSpan.Zero));
        await ExpectExecutions(a, id, 3);
    }

    [Fact]
    public async Task CatchUpOnce_RunsOneExecutionForTheMissedTicks_AndTimeZonesAndWeekdaysFollowClassicCron()
    {
        var a = Client(0);
        var (once, _) = await a.CreateAndPublish(Scheduled("catch up", """{ "cron": "*/15 * * * *", "catchUp": "once" }"""));
        // 09:00 on weekdays in Paris (UTC+1 in January): classic day-of-week numbers 1-5 are MON-FRI.
        var (paris, _) = await a.CreateAndPublish(Scheduled("paris", """{ "cron": "0 9 * * 1-5", "timezone": "Europe/Paris" }"""));
        var schedule = await (await a.GetAsync($"/api/workflows/{paris}/schedule?count=6")).Expect(HttpStatusCode.OK);
        var runs = schedule["schedules"]![0]!["nextRuns"]!.AsArray().Select(r => DateTimeOffset.Parse((string)r!).ToUniversalTime()).ToList();
        Assert.Equal(new DateTimeOffset(2030, 1, 8, 8, 0, 0, TimeSpan.Zero), runs[0]); // Tuesday 09:00 Paris
        Assert.Equal(new DateTimeOffset(2030, 1, 11, 8, 0, 0, TimeSpan.Zero), runs[3]); // Friday
        Assert.Equal(new DateTimeOffset(2030, 1, 14, 8, 0, 0, TimeSpan.Zero), runs[4]); // then Monday

        _clock.Set(new DateTimeOffset(2030, 1, 7, 12, 5, 0, TimeSpan.Zero)); // 10:15 ... 12:00 missed
        await ExpectExecutions(a, once, 1);
        var executions = await a.Executions(once);
        Assert.Single(executions.AsArray());
        var run = await a.WaitFinished((string)executions[0]!["executionId"]!);
        Assert.Equal("2030-01-07T12:00:00Z", (string?)run["triggerData"]!["scheduled_time"]);
        Assert.Equal(8, (int?)run["triggerData"]!["missed_runs"]);
        Assert.Equal(0, await a.ExecutionCount(paris));
    }

    [Fact]
    public async Task BadCronOrTimeZone_IsRefusedAtValidation()
    {
        var a = Client(0);
        foreach (var (config, field) in new[]
        {
            ("""{ "cron": "61 * * * *" }""", "cron"),
            ("""{ "cron": "* * *" }""", "cron"),
            ("""{ "cron": "0 9 1 * 1" }""", "cron"),
            ("""{ "cron": "0 9 * * *", "timezone": "Mars/Olympus" }""", "timezone"),
        })
        {
            var created = await (await a.PostJson("/api/workflows", Scheduled("bad", config))).Expect(HttpStatusCode.Created);
            var problem = await (await a.PostAsync($"/api/workflows/{created["id"]}/publish", null)).ExpectProblem(HttpStatusCode.BadRequest, "validation-failed");
            Assert.Contains(problem["errors"]!.AsArray(), e => ((string?)e!["field"])?.Contains(field) == true);
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var app in _apps)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
        await _storage.DisposeAsync();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}

public sealed class SqliteScheduleTriggerTests : ScheduleTriggerSuite<SqliteStorage>;

public sealed class PostgresScheduleTriggerTests : ScheduleTriggerSuite<PostgresStorage>;
