using System.Text.Json.Nodes;
using FlowForge.Core.Engine.History;
using FlowForge.Core.Model;
using FlowForge.Core.Storage;

namespace FlowForge.Storage.Tests.Conformance;

/// <summary>
/// The stores of one fresh database; disposing it deletes the database. The execution store is there for the
/// retention paths: purging an execution takes its ledger entries and outbox messages with it.
/// </summary>
public sealed record ActionStores(ISendLedger Ledger, IOutboxStore Outbox, ICredentialStore Credentials, IExecutionStore Executions, IAsyncDisposable Database) : IAsyncDisposable
{
    public ValueTask DisposeAsync() => Database.DisposeAsync();
}

/// <summary>The behaviour every <see cref="ISendLedger"/>, <see cref="IOutboxStore"/> and <see cref="ICredentialStore"/> must have.</summary>
public abstract class ActionStoresConformance
{
    /// <summary>The stores on a fresh migrated database, one per test.</summary>
    protected abstract Task<ActionStores> CreateStoresAsync();

    [Fact]
    public async Task Ledger_SendingKeepsTheFirstKey_SentIsFinal_FailedStartsAfresh()
    {
        await using var stores = await CreateStoresAsync();
        var ledger = stores.Ledger;

        var first = await ledger.BeginAsync("org", "ex_1", "wa", "whatsapp", "ex_1:wa:1");
        Assert.Equal((SendStatus.Sending, "ex_1:wa:1", 1), (first.Status, first.IdempotencyKey, first.Attempts));

        // Outcome unknown: the next attempt keeps the first key.
        var second = await ledger.BeginAsync("org", "ex_1", "wa", "whatsapp", "ex_1:wa:2");
        Assert.Equal((SendStatus.Sending, "ex_1:wa:1", 2), (second.Status, second.IdempotencyKey, second.Attempts));

        await ledger.MarkSentAsync("ex_1", "wa", "wamid.1", new JsonObject { ["message_id"] = "wamid.1" });
        var sent = await ledger.BeginAsync("org", "ex_1", "wa", "whatsapp", "ex_1:wa:3");
        Assert.Equal((SendStatus.Sent, "ex_1:wa:1", "wamid.1"), (sent.Status, sent.IdempotencyKey, sent.ProviderId));
        Assert.Equal("wamid.1", (string?)sent.Output!["message_id"]);
        await ledger.MarkFailedAsync("ex_1", "wa", "too late");
        Assert.Equal(SendStatus.Sent, (await ledger.GetAsync("ex_1", "wa"))!.Status);

        await ledger.BeginAsync("org", "ex_1", "crm", "crm", "ex_1:crm:1");
        await ledger.MarkFailedAsync("ex_1", "crm", "400 bad field");
        Assert.Equal("400 bad field", (await ledger.GetAsync("ex_1", "crm"))!.Error);
        var fresh = await ledger.BeginAsync("org", "ex_1", "crm", "crm", "ex_1:crm:2");
        Assert.Equal((SendStatus.Sending, "ex_1:crm:2", (string?)null), (fresh.Status, fresh.IdempotencyKey, fresh.Error));
        Assert.Null(await ledger.GetAsync("ex_2", "wa"));
    }

    [Fact]
    public async Task Outbox_OneMessagePerStep_ListedPerOrganisationNewestFirst()
    {
        await using var stores = await CreateStoresAsync();
        var outbox = stores.Outbox;
        var t0 = new DateTimeOffset(2030, 1, 1, 10, 0, 0, 123, TimeSpan.Zero);
        var first = await outbox.AddAsync(new OutboxMessage("msg_1", "org_a", "ex_1", "wa", "whatsapp", "1555", null, "hi", new JsonObject { ["to"] = "1555" }, t0));
        var repeat = await outbox.AddAsync(new OutboxMessage("msg_2", "org_a", "ex_1", "wa", "whatsapp", "1555", null, "hi again", null, t0.AddSeconds(1)));
        Assert.Equal(("msg_1", "hi"), (repeat.Id, repeat.Body));
        Assert.Equal("1555", (string?)first.Payload!["to"]);
        Assert.Equal(t0, first.CreatedAt);
        Assert.Null(repeat.Subject);
        await outbox.AddAsync(new OutboxMessage("msg_3", "org_a", "ex_1", "mail", "email", "a@b.c", "Subj", "body", null, t0.AddSeconds(2)));
        await outbox.AddAsync(new OutboxMessage("msg_4", "org_b", "ex_9", "mail", "email", "x@y.z", "Other", "body", null, t0.AddSeconds(3)));

        var all = await outbox.ListAsync("org_a", new OutboxQuery(null, null, 1, 10));
        Assert.Equal(2, all.Total);
        Assert.Equal(["msg_3", "msg_1"], all.Items.Select(m => m.Id));
        Assert.Equal(["msg_3"], (await outbox.ListAsync("org_a", new OutboxQuery("ex_1", "email", 1, 10))).Items.Select(m => m.Id));
        Assert.Equal(0, (await outbox.ListAsync("org_a", new OutboxQuery("ex_9", null, 1, 10))).Total);
        var page2 = await outbox.ListAsync("org_a", new OutboxQuery(null, null, 2, 1));
        Assert.Equal(["msg_1"], page2.Items.Select(m => m.Id));
    }

    [Fact]
    public async Task Credentials_UniquePerOrganisationAndName()
    {
        await using var stores = await CreateStoresAsync();
        var store = stores.Credentials;
        var now = DateTimeOffset.UtcNow;
        Assert.True(await store.AddAsync(new CredentialRecord("org_a", "main", "smtp", ["host", "from"], "cipher", now, now)));
        Assert.False(await store.AddAsync(new CredentialRecord("org_a", "main", "crm", ["baseUrl"], "other", now, now)));
        Assert.True(await store.AddAsync(new CredentialRecord("org_b", "main", "crm", ["baseUrl"], "other", now, now)));

        var got = await store.GetAsync("org_a", "main");
        Assert.Equal(("smtp", "cipher"), (got!.Kind, got.ProtectedValues));
        Assert.Equal(["host", "from"], got.FieldNames);
        Assert.Single(await store.ListAsync("org_a"));
        Assert.True(await store.DeleteAsync("org_a", "main"));
        Assert.False(await store.DeleteAsync("org_a", "main"));
        Assert.Null(await store.GetAsync("org_a", "main"));
        Assert.NotNull(await store.GetAsync("org_b", "main"));
    }

    [Fact]
    public async Task Credentials_ListedByName()
    {
        await using var stores = await CreateStoresAsync();
        var now = new DateTimeOffset(2030, 1, 1, 10, 0, 0, TimeSpan.Zero);
        foreach (var name in new[] { "b", "a", "C" })
            Assert.True(await stores.Credentials.AddAsync(new CredentialRecord("org_a", name, "smtp", [], "cipher", now, now)));
        var listed = await stores.Credentials.ListAsync("org_a");
        Assert.Equal(["C", "a", "b"], listed.Select(c => c.Name));
        Assert.Equal(now, listed[0].CreatedAt);
        Assert.Empty(listed[0].FieldNames);
    }

    [Fact]
    public async Task Ledger_ConcurrentBegins_CountEveryAttempt_KeepOneKey()
    {
        await using var stores = await CreateStoresAsync();
        var entries = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => stores.Ledger.BeginAsync("org", "ex_c", "wa", "whatsapp", $"key:{i}"))));
        var final = await stores.Ledger.GetAsync("ex_c", "wa");
        Assert.Equal(8, final!.Attempts);
        Assert.All(entries, e => Assert.Equal(final.IdempotencyKey, e.IdempotencyKey));
        Assert.Equal(Enumerable.Range(1, 8), entries.Select(e => e.Attempts).Order());
    }

    [Fact]
    public async Task Ledger_EntryKeepsItsOrganisationChannelAndProviderAnswer_PerStep()
    {
        await using var stores = await CreateStoresAsync();
        var ledger = stores.Ledger;
        var begun = await ledger.BeginAsync("org_a", "ex_1", "wa", "whatsapp", "ex_1:wa:1");
        Assert.Equal(("ex_1", "wa", "org_a", "whatsapp", (string?)null, (string?)null), (begun.ExecutionId, begun.StepKey, begun.OrgId, begun.Channel, begun.ProviderId, begun.Error));
        Assert.True(begun.CreatedAt <= begun.UpdatedAt);
        // Another step of the execution, and the same step of another execution, are entries of their own.
        Assert.Equal(1, (await ledger.BeginAsync("org_a", "ex_1", "mail", "email", "ex_1:mail:1")).Attempts);
        Assert.Equal(1, (await ledger.BeginAsync("org_b", "ex_2", "wa", "whatsapp", "ex_2:wa:1")).Attempts);

        await ledger.MarkSentAsync("ex_1", "wa", null, null);
        var sent = await ledger.GetAsync("ex_1", "wa");
        Assert.Equal((SendStatus.Sent, (string?)null, "org_a"), (sent!.Status, sent.ProviderId, sent.OrgId));
        Assert.Null(sent.Output);
        Assert.Equal(SendStatus.Sending, (await ledger.GetAsync("ex_1", "mail"))!.Status);
        Assert.Equal(("org_b", SendStatus.Sending), ((await ledger.GetAsync("ex_2", "wa"))!.OrgId, (await ledger.GetAsync("ex_2", "wa"))!.Status));
        Assert.Null(await ledger.GetAsync("ex_1", "other"));
    }

    [Fact]
    public async Task Outbox_AnotherOrganisationsMessagesAreNeitherListedNorCounted_AndEveryFieldRoundTrips()
    {
        await using var stores = await CreateStoresAsync();
        var outbox = stores.Outbox;
        var t0 = new DateTimeOffset(2030, 1, 1, 10, 0, 0, TimeSpan.Zero);
        await outbox.AddAsync(new OutboxMessage("msg_1", "org_a", "ex_1", "mail", "email", "a@b.c", "Subj", "body a", null, t0));
        await outbox.AddAsync(new OutboxMessage("msg_2", "org_b", "ex_2", "mail", "email", "x@y.z", null, "body b", new JsonObject { ["k"] = "v" }, t0.AddSeconds(1)));

        var b = await outbox.ListAsync("org_b", new OutboxQuery(null, null, 1, 10));
        Assert.Equal((1, "msg_2"), (b.Total, Assert.Single(b.Items).Id));
        Assert.Equal(0, (await outbox.ListAsync("org_b", new OutboxQuery("ex_1", null, 1, 10))).Total);
        Assert.Equal(0, (await outbox.ListAsync("org_c", new OutboxQuery(null, null, 1, 10))).Total);
        Assert.Equal(0, (await outbox.ListAsync("org_a", new OutboxQuery(null, "whatsapp", 1, 10))).Total);

        var a = Assert.Single((await outbox.ListAsync("org_a", new OutboxQuery(null, null, 1, 10))).Items);
        Assert.Equal(new OutboxMessage("msg_1", "org_a", "ex_1", "mail", "email", "a@b.c", "Subj", "body a", null, t0), a);
        Assert.Equal("v", (string?)b.Items[0].Payload!["k"]);
    }

    [Fact]
    public async Task Credentials_OfAnotherOrganisation_AreNotFoundListedOrDeleted()
    {
        await using var stores = await CreateStoresAsync();
        var store = stores.Credentials;
        var created = new DateTimeOffset(2030, 1, 1, 10, 0, 0, TimeSpan.Zero);
        Assert.True(await store.AddAsync(new CredentialRecord("org_a", "main", "smtp", ["host"], "cipher", created, created)));

        Assert.Null(await store.GetAsync("org_b", "main"));
        Assert.Empty(await store.ListAsync("org_b"));
        Assert.False(await store.DeleteAsync("org_b", "main"));
        Assert.Null(await store.GetAsync("org_a", "other"));

        var kept = await store.GetAsync("org_a", "main");
        Assert.Equal(("org_a", "main", "smtp", created), (kept!.OrgId, kept.Name, kept.Kind, kept.CreatedAt));
    }

    [Fact]
    public async Task Credentials_Replace_SwapsKindFieldsAndValues_KeepsTheCreationTime_OnlyOfThatOrganisation()
    {
        await using var stores = await CreateStoresAsync();
        var store = stores.Credentials;
        var created = new DateTimeOffset(2030, 1, 1, 10, 0, 0, TimeSpan.Zero);
        var replaced = created.AddHours(3);
        Assert.True(await store.AddAsync(new CredentialRecord("org_a", "main", "smtp", ["host", "from"], "cipher-1", created, created)));
        Assert.True(await store.AddAsync(new CredentialRecord("org_b", "main", "smtp", ["host"], "cipher-b", created, created)));

        var returned = await store.ReplaceAsync(new CredentialRecord("org_a", "main", "crm", ["baseUrl", "apiKey"], "cipher-2", replaced, replaced));

        var expected = new CredentialRecord("org_a", "main", "crm", ["baseUrl", "apiKey"], "cipher-2", created, replaced);
        foreach (var got in new[] { returned, await store.GetAsync("org_a", "main") })
        {
            Assert.NotNull(got);
            Assert.Equal((expected.OrgId, expected.Name, expected.Kind, expected.ProtectedValues, expected.CreatedAt, expected.UpdatedAt),
                (got.OrgId, got.Name, got.Kind, got.ProtectedValues, got.CreatedAt, got.UpdatedAt));
            Assert.Equal(expected.FieldNames, got.FieldNames);
        }
        Assert.Equal("cipher-b", (await store.GetAsync("org_b", "main"))!.ProtectedValues);

        // Nothing to replace: no row appears.
        Assert.Null(await store.ReplaceAsync(new CredentialRecord("org_a", "other", "crm", ["baseUrl"], "x", replaced, replaced)));
        Assert.Null(await store.ReplaceAsync(new CredentialRecord("org_c", "main", "crm", ["baseUrl"], "x", replaced, replaced)));
        Assert.Null(await store.GetAsync("org_a", "other"));
        Assert.Null(await store.GetAsync("org_c", "main"));
    }

    [Fact]
    public async Task Purge_OfAFinishedExecution_TakesItsLedgerEntriesAndOutboxMessagesOnly()
    {
        await using var stores = await CreateStoresAsync();
        var t0 = new DateTimeOffset(2030, 1, 1, 10, 0, 0, TimeSpan.Zero);
        await FinishAsync(stores.Executions, "ex_1", "org_a");
        await FinishAsync(stores.Executions, "ex_2", "org_a");
        foreach (var ex in new[] { "ex_1", "ex_2" })
        {
            await stores.Ledger.BeginAsync("org_a", ex, "wa", "whatsapp", $"{ex}:wa:1");
            await stores.Outbox.AddAsync(new OutboxMessage($"msg_{ex}", "org_a", ex, "wa", "whatsapp", "1555", null, "hi", null, t0));
        }

        // Another organisation cannot purge it, and its sends stay.
        Assert.False(await stores.Executions.PurgeAsync("org_b", "ex_1"));
        Assert.NotNull(await stores.Ledger.GetAsync("ex_1", "wa"));

        Assert.True(await stores.Executions.PurgeAsync("org_a", "ex_1"));

        Assert.Null(await stores.Ledger.GetAsync("ex_1", "wa"));
        Assert.NotNull(await stores.Ledger.GetAsync("ex_2", "wa"));
        Assert.Equal(["msg_ex_2"], (await stores.Outbox.ListAsync("org_a", new OutboxQuery(null, null, 1, 10))).Items.Select(m => m.Id));
    }

    [Fact]
    public async Task PurgeFinishedBefore_TakesTheSendsOfThePurgedExecutions_AndLeavesARunningOnesSends()
    {
        await using var stores = await CreateStoresAsync();
        var t0 = new DateTimeOffset(2030, 1, 1, 10, 0, 0, TimeSpan.Zero);
        await FinishAsync(stores.Executions, "ex_done", "org_a");
        await stores.Executions.StartAsync(new NewExecution("ex_running", "org_a", "wf", 1, null));
        foreach (var ex in new[] { "ex_done", "ex_running" })
        {
            await stores.Ledger.BeginAsync("org_a", ex, "wa", "whatsapp", $"{ex}:wa:1");
            await stores.Outbox.AddAsync(new OutboxMessage($"msg_{ex}", "org_a", ex, "wa", "whatsapp", "1555", null, "hi", null, t0));
        }

        Assert.Equal(1, await stores.Executions.PurgeFinishedBeforeAsync(DateTimeOffset.UtcNow.AddMinutes(1), 10));

        Assert.Null(await stores.Ledger.GetAsync("ex_done", "wa"));
        Assert.NotNull(await stores.Ledger.GetAsync("ex_running", "wa"));
        Assert.Equal(["msg_ex_running"], (await stores.Outbox.ListAsync("org_a", new OutboxQuery(null, null, 1, 10))).Items.Select(m => m.Id));
    }

    /// <summary>Starts an execution and commits its first turn as its last: it is completed, so retention may purge it.</summary>
    private static async Task FinishAsync(IExecutionStore store, string executionId, string orgId)
    {
        await store.StartAsync(new NewExecution(executionId, orgId, "wf", 1, null));
        var item = (await store.ClaimOrchestrationsAsync("d1", 100, TimeSpan.FromMinutes(1), DateTimeOffset.UtcNow)).Single(i => i.Execution.Id == executionId);
        var result = Assert.Single(await store.CommitOrchestrationsAsync("d1",
            [new OrchestrationCommit(executionId, 0, [.. item.Messages.Select(m => m.Id)], [.. item.Messages.Select(m => m.Event), new ExecutionCompleted(null)], ExecutionStatus.Completed)]));
        Assert.Equal(CommitOutcome.Committed, result.Outcome);
    }
}
