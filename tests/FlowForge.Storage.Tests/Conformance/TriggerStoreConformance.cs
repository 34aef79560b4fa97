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

    private static TriggerEndpoint Schedule(string id, DateTimeOffset next, string step = "tick") => new(
        id, "org_1", "wf_1", step, "trigger_schedule", null, TriggerAuth.Schedule, null, null, null, null, true, "0 * * * *|", next, null, DateTimeOffset.UtcNow);

    private static TriggerEndpoint Hook(string id, string orgId, string workflowId, string step, string key, string type = "trigger_webhook") => new(
        id, orgId, workflowId, step, type, key, TriggerAuth.Token, null, "hash", null, null, true, null, null, null, DateTimeOffset.UtcNow);

    private static TriggerEventRecord Event(string orgId, string workflowId, string key, DateTimeOffset at) =>
        new(0, orgId, workflowId, "hook", "trigger_webhook", TriggerOutcome.Accepted, key, "ex_1", null, at);

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
        // Refused calls carry no key and count apart.
        Assert.True(await store.RecordEventAsync(Event(TriggerOutcome.Refused, null) with { StepId = "other" }));
        Assert.Equal((1, 0), (await store.CountEventsAsync("org_1", "wf_1")).Single(c => c.StepId == "other") is var o ? (o.Refused, o.Accepted) : default);
        // The same key on another step is another event.
        Assert.True(await store.RecordEventAsync(Event(TriggerOutcome.Accepted, "webhook-id:1") with { StepId = "other" }));

        var events = await store.ListEventsAsync("org_1", "wf_1", 2);
        Assert.Equal(2, events.Count);
        Assert.True(events[0].Id > events[1].Id);
        Assert.Equal(("other", "webhook-id:1"), (events[0].StepId, events[0].DedupKey));
        Assert.Equal(TriggerOutcome.Refused, events[1].Outcome);
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

    [Fact]
    public async Task Endpoints_OfAnotherOrganisation_AreNeitherListedNorReplacedNorRotated()
    {
        await using var scope = await CreateStoreAsync();
        var store = scope.Store;
        await store.ReplaceActiveAsync("org_1", "wf_1", [Hook("tr_1", "org_1", "wf_1", "hook", "key_1")]);
        await store.ReplaceActiveAsync("org_2", "wf_2", [Hook("tr_2", "org_2", "wf_2", "hook", "key_2")]);

        // Another organisation's publish (even naming this workflow) leaves this one's endpoints alone.
        await store.ReplaceActiveAsync("org_2", "wf_1", []);
        Assert.True((await store.FindByKeyAsync("key_1"))!.Active);
        Assert.Empty(await store.ListForWorkflowAsync("org_2", "wf_1"));
        Assert.Empty(await store.ListForWorkflowAsync("org_1", "wf_2"));
        Assert.Equal(["tr_1"], (await store.ListForWorkflowAsync("org_1", "wf_1")).Select(e => e.Id));
        Assert.False(await store.RotateSecretAsync("org_1", "wf_2", "hook", "stolen", "hash", null));
        Assert.Equal(("hash", (string?)null), ((await store.FindByKeyAsync("key_2"))!.Secret, (await store.FindByKeyAsync("key_2"))!.PreviousSecret));
        Assert.Equal(("org_2", "wf_2"), ((await store.FindByKeyAsync("key_2"))!.OrgId, (await store.FindByKeyAsync("key_2"))!.WorkflowId));
        Assert.Null(await store.FindByKeyAsync("key_unknown"));
    }

    [Fact]
    public async Task ListActiveByType_HoldsOnlyActiveEndpointsOfThatType_OfEveryOrganisation()
    {
        await using var scope = await CreateStoreAsync();
        var store = scope.Store;
        await store.ReplaceActiveAsync("org_1", "wf_1", [Hook("tr_1", "org_1", "wf_1", "hook", "key_1"), Hook("tr_2", "org_1", "wf_1", "mail", "key_2", "trigger_email")]);
        await store.ReplaceActiveAsync("org_2", "wf_2", [Hook("tr_3", "org_2", "wf_2", "hook", "key_3")]);
        await store.ReplaceActiveAsync("org_3", "wf_3", [Hook("tr_4", "org_3", "wf_3", "hook", "key_4")]);
        await store.ReplaceActiveAsync("org_3", "wf_3", []);

        Assert.Equal(["tr_1", "tr_3"], (await store.ListActiveByTypeAsync("trigger_webhook")).Select(e => e.Id));
        Assert.Equal(["tr_2"], (await store.ListActiveByTypeAsync("trigger_email")).Select(e => e.Id));
        Assert.Empty(await store.ListActiveByTypeAsync("trigger_schedule"));
    }

    [Fact]
    public async Task ListDueSchedules_KeepsToMax_AndAScheduleAdvancedToNoTickIsNeverDueAgain()
    {
        await using var scope = await CreateStoreAsync();
        var store = scope.Store;
        var tick = new DateTimeOffset(2030, 1, 1, 10, 0, 0, TimeSpan.Zero);
        await store.ReplaceActiveAsync("org_1", "wf_1", [Schedule("tr_1", tick, "a"), Schedule("tr_2", tick.AddMinutes(1), "b"), Schedule("tr_3", tick.AddMinutes(2), "c")]);

        Assert.Equal(2, (await store.ListDueSchedulesAsync(tick.AddMinutes(5), 2)).Count);
        Assert.Equal(3, (await store.ListDueSchedulesAsync(tick.AddMinutes(5), 10)).Count);
        Assert.Equal(["tr_1", "tr_2"], (await store.ListDueSchedulesAsync(tick.AddMinutes(1), 10)).Select(e => e.Id).Order());

        // An invalid cron stops the schedule: no next tick, and the last fire is left as it was.
        Assert.True(await store.AdvanceScheduleAsync("tr_1", tick, null, null));
        Assert.DoesNotContain("tr_1", (await store.ListDueSchedulesAsync(tick.AddYears(1), 10)).Select(e => e.Id));
        var stopped = (await store.ListForWorkflowAsync("org_1", "wf_1")).Single(e => e.Id == "tr_1");
        Assert.Equal(((DateTimeOffset?)null, (DateTimeOffset?)null), (stopped.NextFireAt, stopped.LastFireAt));
        // A compare-and-set on a tick the schedule is not at changes nothing.
        Assert.False(await store.AdvanceScheduleAsync("tr_2", tick, tick.AddHours(1), tick));
        Assert.False(await store.AdvanceScheduleAsync("tr_unknown", tick, tick.AddHours(1), tick));
        Assert.Equal(tick.AddMinutes(1), (await store.ListForWorkflowAsync("org_1", "wf_1")).Single(e => e.Id == "tr_2").NextFireAt);
    }

    [Fact]
    public async Task Events_OfAnotherOrganisationOrWorkflow_AreNotFoundListedOrCounted()
    {
        await using var scope = await CreateStoreAsync();
        var store = scope.Store;
        var at = new DateTimeOffset(2030, 1, 1, 10, 0, 0, TimeSpan.Zero);
        Assert.True(await store.RecordEventAsync(Event("org_1", "wf_1", "k1", at)));

        Assert.Null(await store.FindEventAsync("org_2", "wf_1", "hook", "k1"));
        Assert.Null(await store.FindEventAsync("org_1", "wf_2", "hook", "k1"));
        Assert.Null(await store.FindEventAsync("org_1", "wf_1", "other", "k1"));
        Assert.Null(await store.FindEventAsync("org_1", "wf_1", "hook", "k2"));
        Assert.Empty(await store.CountEventsAsync("org_2", "wf_1"));
        Assert.Empty(await store.ListEventsAsync("org_1", "wf_2", 10));

        var found = await store.FindEventAsync("org_1", "wf_1", "hook", "k1");
        Assert.Equal(("org_1", "wf_1", "hook", "trigger_webhook", "ex_1", at), (found!.OrgId, found.WorkflowId, found.StepId, found.Type, found.ExecutionId, found.CreatedAt));
    }

    [Fact]
    public async Task ListEvents_IsNewestFirst_AndKeepsToTheLimit()
    {
        await using var scope = await CreateStoreAsync();
        var store = scope.Store;
        var at = new DateTimeOffset(2030, 1, 1, 10, 0, 0, TimeSpan.Zero);
        foreach (var i in Enumerable.Range(1, 5)) Assert.True(await store.RecordEventAsync(Event("org_1", "wf_1", $"k{i}", at.AddSeconds(i))));

        Assert.Equal(["k5", "k4", "k3"], (await store.ListEventsAsync("org_1", "wf_1", 3)).Select(e => e.DedupKey));
        Assert.Equal(5, (await store.ListEventsAsync("org_1", "wf_1", 10)).Count);
        Assert.Equal(5, Assert.Single(await store.CountEventsAsync("org_1", "wf_1")).Accepted);
    }

    [Fact]
    public async Task PurgeEventsBefore_TakesOlderEventsOfEveryOrganisation_AndLeavesEndpointsAlone()
    {
        await using var scope = await CreateStoreAsync();
        var store = scope.Store;
        var now = new DateTimeOffset(2030, 6, 1, 12, 0, 0, TimeSpan.Zero);
        await store.ReplaceActiveAsync("org_1", "wf_1", [Hook("tr_1", "org_1", "wf_1", "hook", "key_1")]);
        Assert.True(await store.RecordEventAsync(Event("org_1", "wf_1", "a", now.AddDays(-40))));
        Assert.True(await store.RecordEventAsync(Event("org_2", "wf_2", "b", now.AddDays(-40))));
        Assert.True(await store.RecordEventAsync(Event("org_2", "wf_2", "c", now)));

        Assert.Equal(2, await store.PurgeEventsBeforeAsync(now.AddDays(-30), 10));

        Assert.Empty(await store.ListEventsAsync("org_1", "wf_1", 10));
        Assert.Equal(["c"], (await store.ListEventsAsync("org_2", "wf_2", 10)).Select(e => e.DedupKey));
        Assert.NotNull(await store.FindByKeyAsync("key_1"));
        // An event exactly at the cutoff is not older than it.
        Assert.Equal(0, await store.PurgeEventsBeforeAsync(now, 10));
    }
}
