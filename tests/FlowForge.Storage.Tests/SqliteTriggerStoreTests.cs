using FlowForge.Core.Storage;
using FlowForge.Storage.Sqlite;

namespace FlowForge.Storage.Tests;

public sealed class SqliteTriggerStoreTests
{
    private static TriggerEndpoint Schedule(string id, DateTimeOffset next) => new(
        id, "org_1", "wf_1", "tick", "trigger_schedule", null, TriggerAuth.Schedule, null, null, null, null, true, "0 * * * *|", next, null, DateTimeOffset.UtcNow);

    [Fact]
    public async Task AdvanceSchedule_IsACompareAndSet_OnlyOneOfTwoRacersMovesTheTick()
    {
        await using var temp = new TempDatabase();
        await temp.Database.MigrateAsync();
        var store = new SqliteTriggerStore(temp.Database);
        var tick = new DateTimeOffset(2030, 1, 1, 10, 0, 0, TimeSpan.Zero);
        await store.ReplaceActiveAsync("org_1", "wf_1", [Schedule("tr_1", tick)]);

        Assert.Single(await store.ListDueSchedulesAsync(tick, 10));
        Assert.Empty(await store.ListDueSchedulesAsync(tick.AddSeconds(-1), 10));
        Assert.True(await store.AdvanceScheduleAsync("tr_1", tick, tick.AddHours(1), tick));
        Assert.False(await store.AdvanceScheduleAsync("tr_1", tick, tick.AddHours(1), tick));
        Assert.Empty(await store.ListDueSchedulesAsync(tick.AddMinutes(30), 10));

        // Deactivated (unpublished): never due.
        await store.ReplaceActiveAsync("org_1", "wf_1", []);
        Assert.Empty(await store.ListDueSchedulesAsync(tick.AddDays(1), 10));
    }

    [Fact]
    public async Task Events_DedupKeyIsLoggedOncePerStep_AndCounted()
    {
        await using var temp = new TempDatabase();
        await temp.Database.MigrateAsync();
        var store = new SqliteTriggerStore(temp.Database);
        TriggerEventRecord Event(string outcome, string? key) => new(0, "org_1", "wf_1", "hook", "trigger_webhook", outcome, key, "ex_1", null, DateTimeOffset.UtcNow);

        Assert.True(await store.RecordEventAsync(Event(TriggerOutcome.Accepted, "webhook-id:1")));
        Assert.False(await store.RecordEventAsync(Event(TriggerOutcome.Accepted, "webhook-id:1")));
        Assert.True(await store.RecordEventAsync(Event(TriggerOutcome.Duplicate, null)));
        Assert.True(await store.RecordEventAsync(Event(TriggerOutcome.Filtered, "webhook-id:2")));
        Assert.Equal(TriggerOutcome.Accepted, (await store.FindEventAsync("org_1", "wf_1", "hook", "webhook-id:1"))!.Outcome);
        var counts = Assert.Single(await store.CountEventsAsync("org_1", "wf_1"));
        Assert.Equal((1, 1, 1), (counts.Accepted, counts.Filtered, counts.Duplicates));
    }
}
