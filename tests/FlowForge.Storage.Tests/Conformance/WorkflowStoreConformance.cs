using System.Text.Json;
using FlowForge.Core.Model;
using FlowForge.Core.Storage;

namespace FlowForge.Storage.Tests.Conformance;

/// <summary>
/// The behaviour every <see cref="IWorkflowStore"/> and <see cref="ITenantStore"/> must have. The stores
/// may share their database with the other tests of the class, so each test makes its own organisation.
/// </summary>
public abstract class WorkflowStoreConformance
{
    /// <summary>Stores on one migrated database. Called once per test; may share the database with other tests.</summary>
    protected abstract Task<(ITenantStore Tenants, IWorkflowStore Workflows)> CreateStoresAsync();

    /// <summary>An execution store on the same database, whose start times come from <paramref name="clock"/>.</summary>
    protected abstract IExecutionClientStore CreateExecutionStore(TimeProvider clock);

    /// <summary>A clock the test sets: whole seconds, so both backends store the instant exactly.</summary>
    private sealed class SetClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static string NewId(string prefix) => $"{prefix}_{Guid.NewGuid():N}";

    private static WorkflowDefinition Definition(string name, string? description = null, string marker = "v1") => new(
        name, description,
        new WorkflowGraph(
            [
                new NodeDefinition("trigger", "trigger.webhook", JsonSerializer.SerializeToElement(new { path = "/hook" })),
                // Key order is the author's: a store must keep it.
                new NodeDefinition("reply", "message.send", JsonDocument.Parse($$$"""{"zeta":1,"alpha":"{{{marker}}}","nested":{"b":true,"a":null}}""").RootElement, new NodePosition(120.5, -40)),
            ],
            [new EdgeDefinition("e1", "trigger", "reply", "main")]),
        new CanvasState(1.25, 10, -20));

    private async Task<(ITenantStore Tenants, IWorkflowStore Workflows, string Org)> ArrangeAsync()
    {
        var (tenants, workflows) = await CreateStoresAsync();
        var org = NewId("org");
        await tenants.EnsureOrganizationAsync(org, "Org " + org);
        return (tenants, workflows, org);
    }

    private static string ReplyConfig(WorkflowRecord record) => record.Definition.Graph.Nodes.Single(n => n.Id == "reply").Config.GetRawText();

    // ---- Workflows -------------------------------------------------------------------------

    [Fact]
    public async Task ListPublished_HasEveryOrganisationsPublishedWorkflows_ButNoDraftsOrDeleted()
    {
        var (tenants, store, orgA) = await ArrangeAsync();
        var orgB = NewId("org");
        await tenants.EnsureOrganizationAsync(orgB, "Org " + orgB);
        var published = await store.CreateAsync(orgA, Definition("Published"));
        await store.PublishAsync(orgA, published.Id, published.Revision);
        var otherOrg = await store.CreateAsync(orgB, Definition("Other org"));
        await store.PublishAsync(orgB, otherOrg.Id, otherOrg.Revision);
        var draft = await store.CreateAsync(orgA, Definition("Draft"));
        var deleted = await store.CreateAsync(orgA, Definition("Deleted"));
        await store.PublishAsync(orgA, deleted.Id, deleted.Revision);
        await store.DeleteAsync(orgA, deleted.Id);

        var all = await store.ListPublishedAsync();

        Assert.Contains((orgA, published.Id, 1), all);
        Assert.Contains((orgB, otherOrg.Id, 1), all);
        Assert.DoesNotContain(all, p => p.WorkflowId == draft.Id || p.WorkflowId == deleted.Id);
    }

    [Fact]
    public async Task GetPublication_SaysWhichVersionStartsRun_ForThisOrganisationOnly_AndNothingForDeletedOrMissing()
    {
        var (tenants, store, org) = await ArrangeAsync();
        var other = NewId("org");
        await tenants.EnsureOrganizationAsync(other, "Org " + other);
        var draft = await store.CreateAsync(org, Definition("Draft"));
        var published = await store.CreateAsync(org, Definition("Published"));
        published = (await store.PublishAsync(org, published.Id, published.Revision)).Record!;
        published = (await store.UpdateAsync(org, published.Id, Definition("Published", marker: "v2"), published.Revision)).Record!;
        published = (await store.PublishAsync(org, published.Id, published.Revision)).Record!;
        var deleted = await store.CreateAsync(org, Definition("Deleted"));
        await store.PublishAsync(org, deleted.Id, deleted.Revision);
        await store.DeleteAsync(org, deleted.Id);

        Assert.Equal(new WorkflowPublication(null), await store.GetPublicationAsync(org, draft.Id));
        Assert.Equal(new WorkflowPublication(2), await store.GetPublicationAsync(org, published.Id));
        Assert.Null(await store.GetPublicationAsync(other, published.Id));
        Assert.Null(await store.GetPublicationAsync(org, deleted.Id));
        Assert.Null(await store.GetPublicationAsync(org, NewId("wf")));
    }

    [Fact]
    public async Task Create_ThenGet_RoundTripsTheDefinition_AsADraftAtVersionOne()
    {
        var (_, store, org) = await ArrangeAsync();
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);

        var created = await store.CreateAsync(org, Definition("Greeter", "says hello"));
        var read = await store.GetAsync(org, created.Id);

        Assert.NotNull(read);
        Assert.StartsWith("wf_", created.Id);
        Assert.Equal((org, 1, (int?)null, 1L, WorkflowStatus.Draft), (read.OrgId, read.Version, read.PublishedVersion, read.Revision, read.Status));
        Assert.Equal(("Greeter", "says hello"), (read.Definition.Name, read.Definition.Description));
        Assert.Equal(["trigger", "reply"], read.Definition.Graph.Nodes.Select(n => n.Id));
        Assert.Equal("""{"zeta":1,"alpha":"v1","nested":{"b":true,"a":null}}""", ReplyConfig(read));
        Assert.Equal(new NodePosition(120.5, -40), read.Definition.Graph.Nodes[1].Position);
        Assert.Equal(new EdgeDefinition("e1", "trigger", "reply", "main"), Assert.Single(read.Definition.Graph.Edges));
        Assert.Equal(new CanvasState(1.25, 10, -20), read.Definition.Canvas);
        Assert.InRange(read.CreatedAt, before, DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.Equal(created.CreatedAt, read.CreatedAt);
        Assert.Equal(read.CreatedAt, read.UpdatedAt);
    }

    [Fact]
    public async Task Create_WithAChosenId_KeepsIt()
    {
        var (_, store, org) = await ArrangeAsync();
        var id = NewId("wf_fixed");

        await store.CreateAsync(org, Definition("Fixed"), id);

        Assert.Equal("Fixed", (await store.GetAsync(org, id))!.Definition.Name);
    }

    [Fact]
    public async Task EveryCall_IsScopedToTheOrganisation()
    {
        var (tenants, store, org) = await ArrangeAsync();
        var other = NewId("org");
        await tenants.EnsureOrganizationAsync(other, "Other");
        var wf = await store.CreateAsync(org, Definition("Mine"));
        await store.PublishAsync(org, wf.Id, wf.Revision);

        Assert.Null(await store.GetAsync(other, wf.Id));
        Assert.Empty((await store.ListAsync(other, new WorkflowQuery(null, null, 1, 50))).Items);
        Assert.Equal(WriteOutcome.NotFound, (await store.UpdateAsync(other, wf.Id, Definition("Hijack"), 2)).Outcome);
        Assert.Equal(WriteOutcome.NotFound, (await store.PublishAsync(other, wf.Id, 2)).Outcome);
        Assert.Equal(WriteOutcome.NotFound, (await store.UnpublishAsync(other, wf.Id)).Outcome);
        Assert.Empty(await store.ListVersionsAsync(other, wf.Id));
        Assert.Null(await store.GetVersionAsync(other, wf.Id, 1));
        Assert.False(await store.DeleteAsync(other, wf.Id));

        var mine = await store.GetAsync(org, wf.Id);
        Assert.Equal(("Mine", (int?)1, 1L), (mine!.Definition.Name, mine.PublishedVersion, mine.Revision)); // publishing does not change the revision
    }

    [Fact]
    public async Task Update_WithTheCurrentRevision_Applies_WithAStaleOne_IsAConflict()
    {
        var (_, store, org) = await ArrangeAsync();
        var wf = await store.CreateAsync(org, Definition("First"));

        var (outcome, updated) = await store.UpdateAsync(org, wf.Id, Definition("Second", marker: "v2"), wf.Revision);
        Assert.Equal(WriteOutcome.Ok, outcome);
        Assert.Equal(("Second", 2L, 1), (updated!.Definition.Name, updated.Revision, updated.Version)); // a draft is edited in place
        Assert.Equal("""{"zeta":1,"alpha":"v2","nested":{"b":true,"a":null}}""", ReplyConfig(updated));
        Assert.True(updated.UpdatedAt >= wf.UpdatedAt);

        var (stale, current) = await store.UpdateAsync(org, wf.Id, Definition("Lost"), wf.Revision);
        Assert.Equal(WriteOutcome.Conflict, stale);
        Assert.Equal(("Second", 2L), (current!.Definition.Name, current.Revision));

        Assert.Equal(WriteOutcome.NotFound, (await store.UpdateAsync(org, NewId("wf"), Definition("x"), 1)).Outcome);
    }

    [Fact]
    public async Task Publish_FreezesTheVersion_AndAnEditStartsTheNextOne()
    {
        var (_, store, org) = await ArrangeAsync();
        var wf = await store.CreateAsync(org, Definition("Flow", marker: "v1"));

        Assert.Equal(WriteOutcome.Conflict, (await store.PublishAsync(org, wf.Id, wf.Revision + 1)).Outcome);
        var (published, p1) = await store.PublishAsync(org, wf.Id, wf.Revision);
        Assert.Equal(WriteOutcome.Ok, published);
        Assert.Equal((1, (int?)1, WorkflowStatus.Published, false), (p1!.Version, p1.PublishedVersion, p1.Status, p1.HasUnpublishedChanges));

        // Editing the frozen definition starts version 2; triggers keep running version 1, unchanged.
        var (_, edited) = await store.UpdateAsync(org, wf.Id, Definition("Flow", marker: "v2"), p1.Revision);
        Assert.Equal((2, (int?)1, true), (edited!.Version, edited.PublishedVersion, edited.HasUnpublishedChanges));
        var (_, editedAgain) = await store.UpdateAsync(org, wf.Id, Definition("Flow", marker: "v2b"), edited.Revision);
        Assert.Equal(2, editedAgain!.Version); // the draft of version 2 is not frozen yet
        var v1 = await store.GetVersionAsync(org, wf.Id, 1);
        Assert.Equal((wf.Id, org, 1), (v1!.WorkflowId, v1.OrgId, v1.Version));
        Assert.Equal("""{"zeta":1,"alpha":"v1","nested":{"b":true,"a":null}}""", v1.Definition.Graph.Nodes.Single(n => n.Id == "reply").Config.GetRawText());
        Assert.Null(await store.GetVersionAsync(org, wf.Id, 2));

        var (_, p2) = await store.PublishAsync(org, wf.Id, editedAgain.Revision);
        Assert.Equal((2, (int?)2), (p2!.Version, p2.PublishedVersion));
        Assert.Equal([2, 1], (await store.ListVersionsAsync(org, wf.Id)).Select(v => v.Version));
        Assert.Contains("v2b", (await store.GetVersionAsync(org, wf.Id, 2))!.Definition.Graph.Nodes[1].Config.GetRawText());

        // Publishing unchanged content again re-activates the frozen version instead of inserting a twin.
        await store.UnpublishAsync(org, wf.Id);
        var (_, again) = await store.PublishAsync(org, wf.Id, (await store.GetAsync(org, wf.Id))!.Revision);
        Assert.Equal((2, (int?)2), (again!.Version, again.PublishedVersion));
        Assert.Equal(2, (await store.ListVersionsAsync(org, wf.Id)).Count);
    }

    [Fact]
    public async Task Unpublish_MakesItADraftAgain_KeepingItsVersions()
    {
        var (_, store, org) = await ArrangeAsync();
        var wf = await store.CreateAsync(org, Definition("Flow"));
        await store.PublishAsync(org, wf.Id, wf.Revision);

        var (outcome, record) = await store.UnpublishAsync(org, wf.Id);

        Assert.Equal(WriteOutcome.Ok, outcome);
        Assert.Equal((WorkflowStatus.Draft, (int?)null), (record!.Status, record.PublishedVersion));
        Assert.Single(await store.ListVersionsAsync(org, wf.Id));
        Assert.Equal(WriteOutcome.NotFound, (await store.UnpublishAsync(org, NewId("wf"))).Outcome);
    }

    [Fact]
    public async Task Delete_IsSoft_TheWorkflowDisappearsFromEveryRead()
    {
        var (_, store, org) = await ArrangeAsync();
        var wf = await store.CreateAsync(org, Definition("Doomed"));
        await store.PublishAsync(org, wf.Id, wf.Revision);

        Assert.True(await store.DeleteAsync(org, wf.Id));

        Assert.Null(await store.GetAsync(org, wf.Id));
        Assert.Equal(0, (await store.ListAsync(org, new WorkflowQuery(null, null, 1, 50))).Total);
        Assert.Empty(await store.ListVersionsAsync(org, wf.Id));
        Assert.Equal(WriteOutcome.NotFound, (await store.UpdateAsync(org, wf.Id, Definition("x"), 2)).Outcome);
        Assert.Equal(WriteOutcome.NotFound, (await store.PublishAsync(org, wf.Id, 2)).Outcome);
        Assert.False(await store.DeleteAsync(org, wf.Id));
    }

    [Fact]
    public async Task List_FiltersByStatusAndSearch_RecentlyUpdatedFirst_WithPaging()
    {
        var (_, store, org) = await ArrangeAsync();
        var alpha = await store.CreateAsync(org, Definition("Alpha leads"));
        await Task.Delay(5);
        var beta = await store.CreateAsync(org, Definition("Beta 100% sure"));
        await Task.Delay(5);
        var gamma = await store.CreateAsync(org, Definition("gamma LEADS_x"));
        await Task.Delay(5);
        await store.PublishAsync(org, alpha.Id, alpha.Revision); // now the most recently updated

        var all = await store.ListAsync(org, new WorkflowQuery(null, null, 1, 10));
        Assert.Equal(3, all.Total);
        Assert.Equal([alpha.Id, gamma.Id, beta.Id], all.Items.Select(w => w.Id));

        var page2 = await store.ListAsync(org, new WorkflowQuery(null, null, 2, 2));
        Assert.Equal(3, page2.Total);
        Assert.Equal([beta.Id], page2.Items.Select(w => w.Id));

        Assert.Equal([alpha.Id], (await store.ListAsync(org, new WorkflowQuery(WorkflowStatus.Published, null, 1, 10))).Items.Select(w => w.Id));
        Assert.Equal([gamma.Id, beta.Id], (await store.ListAsync(org, new WorkflowQuery(WorkflowStatus.Draft, null, 1, 10))).Items.Select(w => w.Id));

        // Case-insensitive, and the wildcards of LIKE match literally.
        Assert.Equal([alpha.Id, gamma.Id], (await store.ListAsync(org, new WorkflowQuery(null, " leads ", 1, 10))).Items.Select(w => w.Id));
        Assert.Equal([beta.Id], (await store.ListAsync(org, new WorkflowQuery(null, "100%", 1, 10))).Items.Select(w => w.Id));
        Assert.Equal([gamma.Id], (await store.ListAsync(org, new WorkflowQuery(null, "s_x", 1, 10))).Items.Select(w => w.Id));
        Assert.Empty((await store.ListAsync(org, new WorkflowQuery(null, "a_l", 1, 10))).Items);
    }

    // ---- Tenants ---------------------------------------------------------------------------

    [Fact]
    public async Task ApiKeys_AreFoundByHash_ListedPerOrganisation_AndRevoked()
    {
        var (tenants, _, org) = await ArrangeAsync();
        await tenants.EnsureOrganizationAsync(org, "again"); // idempotent
        var other = NewId("org");
        await tenants.EnsureOrganizationAsync(other, "Other");
        var hash = NewId("hash");

        var key = await tenants.AddApiKeyAsync(org, hash, "ffk_abcd", "ci");
        var same = await tenants.AddApiKeyAsync(org, hash, "ffk_zzzz", "duplicate");
        var second = await tenants.AddApiKeyAsync(org, NewId("hash"), "ffk_efgh", null);

        Assert.Equal((org, "ffk_abcd", "ci", (DateTimeOffset?)null), (key.OrgId, key.Prefix, key.Name, key.RevokedAt));
        Assert.Equal(key, same); // a stored hash is left as it is
        Assert.True(await tenants.AnyApiKeyAsync());
        Assert.Equal((key.Id, org), await tenants.FindKeyByHashAsync(hash) is { } found ? (found.Id, found.OrgId) : default);
        Assert.Null(await tenants.FindKeyByHashAsync(NewId("hash")));
        Assert.Equal(new[] { key.Id, second.Id }.Order(), (await tenants.FindActiveKeyIdsAsync([key.Id, second.Id, NewId("key")])).Order());
        Assert.Equal([key.Id, second.Id], (await tenants.ListApiKeysAsync(org)).Select(k => k.Id));
        Assert.Empty(await tenants.ListApiKeysAsync(other));

        Assert.False(await tenants.RevokeApiKeyAsync(other, key.Id));
        Assert.Equal(org, (await tenants.FindKeyByHashAsync(hash))?.OrgId);
        Assert.True(await tenants.RevokeApiKeyAsync(org, key.Id));
        Assert.Null(await tenants.FindKeyByHashAsync(hash));
        Assert.Equal([second.Id], await tenants.FindActiveKeyIdsAsync([key.Id, second.Id]));
        Assert.Empty(await tenants.FindActiveKeyIdsAsync([]));
        var revoked = (await tenants.ListApiKeysAsync(org)).Single(k => k.Id == key.Id);
        Assert.NotNull(revoked.RevokedAt);
        Assert.True(await tenants.RevokeApiKeyAsync(org, key.Id)); // revoking again keeps the first time
        Assert.Equal(revoked.RevokedAt, (await tenants.ListApiKeysAsync(org)).Single(k => k.Id == key.Id).RevokedAt);
        Assert.False(await tenants.RevokeApiKeyAsync(org, NewId("key")));
    }

    // ---- Last executions (the workflow list's "last run") --------------------------------------

    [Fact]
    public async Task LastExecutions_AreEachWorkflowsLatestStart_InItsOwnOrganisationOnly()
    {
        var (tenants, store, org) = await ArrangeAsync();
        var other = NewId("org");
        await tenants.EnsureOrganizationAsync(other, "Other");
        var ran = await store.CreateAsync(org, Definition("Ran twice"));
        var once = await store.CreateAsync(org, Definition("Ran once"));
        var never = await store.CreateAsync(org, Definition("Never ran"));
        var clock = new SetClock(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));
        var executions = CreateExecutionStore(clock);
        var tag = Guid.NewGuid().ToString("N");

        await executions.StartAsync(new NewExecution($"ex_{tag}_1", org, ran.Id, 1, null));
        clock.Now = clock.Now.AddSeconds(1);
        await executions.StartAsync(new NewExecution($"ex_{tag}_2", org, ran.Id, 1, null));
        await executions.StartAsync(new NewExecution($"ex_{tag}_3", org, once.Id, 1, null));
        // Later, but another organisation's execution that happens to name the same workflow id: not this org's run.
        clock.Now = clock.Now.AddSeconds(5);
        await executions.StartAsync(new NewExecution($"ex_{tag}_4", other, ran.Id, 1, null));

        var last = await store.LastExecutionsAsync(org, [ran.Id, once.Id, never.Id, NewId("wf")]);

        Assert.Equal(new[] { ran.Id, once.Id }.Order(), last.Keys.Order());
        Assert.Equal(new LastExecution(ran.Id, $"ex_{tag}_2", ExecutionStatus.Pending, new DateTimeOffset(2026, 3, 1, 9, 0, 1, TimeSpan.Zero)), last[ran.Id]);
        Assert.Equal($"ex_{tag}_3", last[once.Id].ExecutionId);
        Assert.Empty(await store.LastExecutionsAsync(other, [ran.Id]));
        Assert.Empty(await store.LastExecutionsAsync(org, []));
    }

    [Fact]
    public async Task LastExecutions_StartedInTheSameInstant_TheGreaterIdIsTheLast()
    {
        var (_, store, org) = await ArrangeAsync();
        var workflow = await store.CreateAsync(org, Definition("Burst"));
        var executions = CreateExecutionStore(new SetClock(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero)));
        var tag = Guid.NewGuid().ToString("N");

        // Started in the opposite order of their ids: the same order the executions list uses (created_at, then id).
        await executions.StartAsync(new NewExecution($"ex_{tag}_b", org, workflow.Id, 1, null));
        await executions.StartAsync(new NewExecution($"ex_{tag}_a", org, workflow.Id, 1, null));

        Assert.Equal($"ex_{tag}_b", (await store.LastExecutionsAsync(org, [workflow.Id]))[workflow.Id].ExecutionId);
    }
}
