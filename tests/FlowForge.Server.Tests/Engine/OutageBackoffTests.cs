using Dapper;
using FlowForge.Server.Engine;
using FlowForge.Storage.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using FlowForge.Server.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace FlowForge.Server.Tests.Engine;

/// <summary>During a database outage the engine loops back off and log once, not an error every 200 ms.</summary>
public class OutageBackoffTests(FaultyStoreFixture server) : IClassFixture<FaultyStoreFixture>
{
    private sealed class ManualClock : TimeProvider
    {
        public long Ticks;

        public override long GetTimestamp() => Ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
    }

    [Fact]
    public void Policy_DoublesFrom200MsTo5s_LogsTheFirstFailureTheOccasionalReminderAndTheRecovery()
    {
        Assert.Equal(
            [200, 400, 800, 1600, 3200, 5000, 5000],
            Enumerable.Range(1, 7).Select(n => OutageBackoff.Delay(n).TotalMilliseconds));
        Assert.Equal(TimeSpan.FromSeconds(5), OutageBackoff.Delay(int.MaxValue));

        var capture = new LogCapture();
        var clock = new ManualClock();
        var backoff = new OutageBackoff("test loop", capture.CreateLogger("test"), clock);
        for (var i = 0; i < 100; i++)
        {
            var wait = backoff.Failed(new TimeoutException("down"));
            clock.Ticks += wait.Ticks;
        }
        backoff.Succeeded();
        backoff.Succeeded();

        var entries = capture.Entries.ToList();
        // ~8 minutes of failures at 5 s: one error, a warning about once a minute, one recovery.
        Assert.Single(entries, e => e.Level == LogLevel.Error);
        Assert.InRange(entries.Count(e => e.Level == LogLevel.Warning), 6, 9);
        Assert.Single(entries, e => e.Level == LogLevel.Information && e.Message.Contains("after 100 failed attempts"));
        Assert.Equal(0, backoff.Failures);
    }

    [Fact]
    public async Task DatabaseOutage_IsLoggedOncePerLoop_AndTheEngineRecoversAfterwards()
    {
        var client = server.Client();
        var workflow = await client.Publish(Workflows.Simple("after the outage"));
        var before = server.Logs.Entries.Count;

        var hits = server.Store.OutageHits;
        server.Store.Down = true;
        try
        {
            // Until the loops have met the outage again and again (each meeting a chance to log once more), not for a
            // fixed time: the backoff spaces the retries, so eight refused calls take the loops a few passes each.
            await WaitUntil(() => server.Store.OutageHits >= hits + 8);
        }
        finally
        {
            server.Store.Down = false;
        }
        Assert.Equal("completed", (string?)(await client.WaitFinished(await client.Execute(workflow), TimeSpan.FromSeconds(20)))["status"]);
        // The dispatcher reports its recovery once its pass is over, which may be just after the execution completed.
        await WaitUntil(() => server.Logs.Entries.Skip(before).Any(e => e.EventId.Id == 1512 && e.Category.EndsWith(".Dispatcher", StringComparison.Ordinal)));

        // Every FlowForge category, not only the engine's: one error per loop that hit the outage (the dispatcher, the
        // worker's feed), no warning per retry, not one every 200 ms.
        var during = server.Logs.Entries.Skip(before).Where(e => e.Category.StartsWith("FlowForge.", StringComparison.Ordinal)).ToList();
        var loud = during.Where(e => e.Level >= LogLevel.Warning).ToList();
        Assert.Contains(loud, e => e.Level >= LogLevel.Error && e.Category.EndsWith(".Dispatcher", StringComparison.Ordinal));
        Assert.All(loud.GroupBy(e => e.Category), g => Assert.Single(g));
        Assert.Contains(during, e => e.Level == LogLevel.Information && e.EventId.Id == 1512 && e.Category.EndsWith(".Dispatcher", StringComparison.Ordinal));
    }

    [Fact]
    public async Task LiveFeedTableGone_TheFeedLoopLogsOneError_ThenItsRecovery()
    {
        // The cross-process feed polls every 100 ms: its table renamed away for a while is an outage of that loop
        // (and of the commits that write to it).
        var before = server.Logs.Entries.Count;
        var db = server.Services.GetRequiredService<SqliteDatabase>();
        await using (var c = await db.OpenAsync())
        {
            await c.ExecuteAsync("ALTER TABLE feed RENAME TO feed_off");
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(2));
            }
            finally
            {
                await c.ExecuteAsync("ALTER TABLE feed_off RENAME TO feed");
            }
        }
        var client = server.Client();
        Assert.Equal("completed", (string?)(await client.WaitFinished(await client.Execute(await client.Publish(Workflows.Simple("feed back"))), TimeSpan.FromSeconds(20)))["status"]);
        await WaitUntil(() => server.Logs.Entries.Skip(before).Any(e => e.EventId.Id == 1512 && e.Category.EndsWith(".SqlitePollingProgressFeed", StringComparison.Ordinal)));

        var loud = server.Logs.Entries.Skip(before).Where(e => e.Level >= LogLevel.Warning && e.Category.StartsWith("FlowForge.", StringComparison.Ordinal)).ToList();
        Assert.Contains(loud, e => e.Level >= LogLevel.Error && e.Category.EndsWith(".SqlitePollingProgressFeed", StringComparison.Ordinal));
        Assert.All(loud.GroupBy(e => e.Category), g => Assert.Single(g));
    }

    internal static async Task WaitUntil(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++) await Task.Delay(100);
        Assert.True(condition());
    }
}

/// <summary>The faulty store with a long poll interval: most dispatcher passes then read nothing from the store.</summary>
public sealed class SlowPollFaultyStoreFixture() : FaultyStoreFixture<SqliteStorage>("00:00:10")
{
}

// Slow: waits out a 10 s poll interval; the fast set (--filter "Category!=Slow") skips it, CI runs it.
[Trait("Category", "Slow")]
public class OutageRecoveryLogTests(SlowPollFaultyStoreFixture server) : IClassFixture<SlowPollFaultyStoreFixture>
{
    [Fact]
    public async Task DuringAnOutage_TheDispatcherNeverReportsRecovery_UntilTheDatabaseAnswersAgain()
    {
        var client = server.Client();
        // Steps that finish one after another while the database is down: each result handed over in memory fails to
        // commit, and the dispatcher's passes in between touch nothing.
        var workflow = await client.Publish($$"""
            { "name": "slow steps", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "call", "type": "action_http", "config": { "url": "{{server.Fake.Url("/slow/outage")}}?ms={{"{{trigger.ms}}"}}", "method": "POST" } } ],
              "edges": [ { "source": "t", "target": "call" } ] }
            """);
        var runs = new List<string>();
        foreach (var ms in new[] { 1000, 2000, 3000 }) runs.Add(await client.Execute(workflow, new { ms }));
        // The three calls are in flight (their steps are running) before the database goes.
        await OutageBackoffTests.WaitUntil(() => server.Fake.Calls("/slow/outage") >= 3);
        var before = server.Logs.Entries.Count;

        server.Store.Down = true;
        List<LogCapture.Entry> during;
        try
        {
            // Until each run's result was refused (the dispatcher tried to store all three during the outage) and the
            // dispatcher then ran another whole pass: every moment it could have claimed a recovery has passed.
            await OutageBackoffTests.WaitUntil(() => runs.All(server.Store.OutageRefused.ContainsKey));
            await LoopPasses.WholePassAsync(server.Services.GetRequiredService<FlowForge.Server.Health.LoopHeartbeats>(), FlowForge.Server.Health.LoopHeartbeats.Dispatcher);
            during = [.. server.Logs.Entries.Skip(before)];
        }
        finally
        {
            server.Store.Down = false;
        }

        // A loop pass that did not touch the store proves nothing: no "works again" while it was still down.
        Assert.DoesNotContain(during, e => e.EventId.Id == 1512 && e.Category.EndsWith(".Dispatcher", StringComparison.Ordinal));
        Assert.Single(during, e => e.Level == LogLevel.Error && e.Category.EndsWith(".Dispatcher", StringComparison.Ordinal));
        // And the results that could not be committed during the outage are committed after it (well before their leases expire).
        foreach (var run in runs) Assert.Equal("completed", (string?)(await client.WaitFinished(run, TimeSpan.FromSeconds(15)))["status"]);
    }
}
