using System.Text.Json.Nodes;
using FlowForge.Core.Storage;

namespace FlowForge.Storage.Tests.Conformance;

/// <summary>A trigger store on one fresh database; disposing it deletes the database.</summary>
public sealed record TriggerStoreScope(ITriggerStore Store, IAsyncDisposable Database) : IAsyncDisposable
{
    public ValueTask DisposeAsync() => Database.DisposeAsync();
}

/// <summary>The behaviour every <see cref="ITriggerStore"/> must have.</summary>
public abstract class TriggerStoreConformance
{
    /// <summary>The store on a fresh migrated database, one per test.</summary>
    protected abstract Task<TriggerStoreScope> CreateStoreAsync();

    private static TriggerEndpoint Schedule(string id, DateTimeOffset next) => new(
        id, "org_1", "wf_1", "tick", "trigger_schedule", null, TriggerAuth.Schedule, null, null, null, null, true, "0 * * * *|", next, null, DateTimeOffset.UtcNow);

    [Fact]
    public async Task AdvanceSchedule_IsACompareAndSet_OnlyOneOfTwoRacersMovesTheTick()
    {
        await using var scope = await CreateStoreAsync();
        var store = scope.Store;
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
        await using var scope = await CreateStoreAsync();
        var store = scope.Store;
        TriggerEventRecord Event(string outcome, string? key) => new(0, "org_1", "wf_1", "hook", "trigger_webhook", outcome, key, "ex_1", null, DateTimeOffset.UtcNow);

        Assert.True(await store.RecordEventAsync(Event(TriggerOutcome.Accepted, "webhook-id:1")));
        Assert.False(await store.RecordEventAsync(Event(TriggerOutcome.Accepted, "webhook-id:1")));
        Assert.True(await store.RecordEventAsync(Event(TriggerOutcome.Duplicate, null)));
        Assert.True(await store.RecordEventAsync(Event(TriggerOutcome.Filtered, "webhook-id:2")));
        Assert.Equal(TriggerOutcome.Accepted, (await store.FindEventAsync("org_1", "wf_1", "hook", "webhook-id:1"))!.Outcome);
        var counts = Assert.Single(await store.CountEventsAsync("org_1", "wf_1"));
        Assert.Equal((1, 1, 1), (counts.Accepted, counts.Filtered, counts.Duplicates));
        Assert.True(await store.RecordEventAsync(Event(TriggerOutcome.Skipped, "tick:1") with { StepId = "other" }));
        Assert.Equal(1, (await store.CountEventsAsync("org_1", "wf_1")).Single(c => c.StepId == "other").Skipped);
        // The same key on another step is another event.
        Assert.True(await store.RecordEventAsync(Event(TriggerOutcome.Accepted, "webhook-id:1") with { StepId = "other" }));

        var events = await store.ListEventsAsync("org_1", "wf_1", 2);
        Assert.Equal(2, events.Count);
        Assert.True(events[0].Id > events[1].Id);
        Assert.Equal(("other", "webhook-id:1"), (events[0].StepId, events[0].DedupKey));
        Assert.Empty(await store.ListEventsAsync("org_2", "wf_1", 10));
    }

    [Fact]
    public async Task PurgeEventsBefore_DeletesOnlyOlderEvents_AndFreesTheirDedupKeys()
    {
        await using var scope = await CreateStoreAsync();
        var store = scope.Store;
        var now = new DateTimeOffset(2030, 6, 1, 12, 0, 0, TimeSpan.Zero);
        TriggerEventRecord Event(string key, DateTimeOffset at) => new(0, "org_1", "wf_1", "hook", "trigger_webhook", TriggerOutcome.Accepted, key, "ex_1", null, at);
        Assert.True(await store.RecordEventAsync(Event("old-1", now.AddDays(-40))));
        Assert.True(await store.RecordEventAsync(Event("old-2", now.AddDays(-31))));
        Assert.True(await store.RecordEventAsync(Event("new", now.AddDays(-1))));

        Assert.Equal(1, await store.PurgeEventsBeforeAsync(now.AddDays(-30), 1));
        Assert.Equal(1, await store.PurgeEventsBeforeAsync(now.AddDays(-30), 10));
        Assert.Equal(0, await store.PurgeEventsBeforeAsync(now.AddDays(-30), 10));

        Assert.Equal(["new"], (await store.ListEventsAsync("org_1", "wf_1", 10)).Select(e => e.DedupKey));
        Assert.True(await store.RecordEventAsync(Event("old-1", now)));
    }

    [Fact]
    public async Task AdvanceSchedule_ManyRacers_ExactlyOneWins()
    {
        await using var scope = await CreateStoreAsync();
        var store = scope.Store;
        var tick = new DateTimeOffset(2030, 1, 1, 10, 0, 0, TimeSpan.Zero);
        await store.ReplaceActiveAsync("org_1", "wf_1", [Schedule("tr_1", tick)]);
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => store.AdvanceScheduleAsync("tr_1", tick, tick.AddHours(1), tick))));
        Assert.Single(results, r => r);
        var row = Assert.Single(await store.ListForWorkflowAsync("org_1", "wf_1"));
        Assert.Equal((tick.AddHours(1), tick), (row.NextFireAt, row.LastFireAt));
    }

    [Fact]
    public async Task Endpoints_ReplacedOnPublish_FoundByKeyAndType_SecretsRotate()
    {
        await using var scope = await CreateStoreAsync();
        var store = scope.Store;
        var created = new DateTimeOffset(2030, 1, 1, 10, 0, 0, 500, TimeSpan.Zero);
        TriggerEndpoint Hook(string id, string step, string key) => new(
            id, "org_1", "wf_1", step, "trigger_webhook", key, TriggerAuth.Token, new JsonObject { ["path"] = "/in", ["z"] = 1, ["a"] = 2 },
            "hash", null, null, true, null, null, null, created);

        await store.ReplaceActiveAsync("org_1", "wf_1", [Hook("tr_a", "hook_a", "key_a"), Hook("tr_b", "hook_b", "key_b")]);
        var found = await store.FindByKeyAsync("key_a");
        Assert.Equal(("tr_a", "hook_a", TriggerAuth.Token, true, created), (found!.Id, found.StepId, found.Auth, found.Active, found.CreatedAt));
        Assert.Equal("""{"path":"/in","z":1,"a":2}""", found.Config!.ToJsonString());
        Assert.Equal(["hook_a", "hook_b"], (await store.ListActiveByTypeAsync("trigger_webhook")).Select(e => e.StepId));

        // Re-publish without hook_b: it stays listed for the workflow but inactive, and its key stops resolving.
        await store.ReplaceActiveAsync("org_1", "wf_1", [Hook("tr_a2", "hook_a", "key_a")]);
        var all = await store.ListForWorkflowAsync("org_1", "wf_1");
        Assert.Equal([("hook_a", true), ("hook_b", false)], all.Select(e => (e.StepId, e.Active)));
        Assert.Equal("tr_a", all[0].Id); // the row (and its id) survives a re-publish of the same step
        Assert.Null(await store.FindByKeyAsync("key_b"));
        Assert.Empty(await store.ListForWorkflowAsync("org_2", "wf_1"));

        var expires = created.AddHours(24);
        Assert.True(await store.RotateSecretAsync("org_1", "wf_1", "hook_a", "hash2", "hash", expires));
        Assert.False(await store.RotateSecretAsync("org_1", "wf_1", "hook_b", "hash2", "hash", expires));
        Assert.False(await store.RotateSecretAsync("org_2", "wf_1", "hook_a", "hash2", "hash", expires));
        var rotated = await store.FindByKeyAsync("key_a");
        Assert.Equal(("hash2", "hash", expires), (rotated!.Secret, rotated.PreviousSecret, rotated.PreviousExpiresAt));
    }
}
