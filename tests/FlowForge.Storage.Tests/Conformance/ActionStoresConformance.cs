using System.Text.Json.Nodes;
using FlowForge.Core.Storage;

namespace FlowForge.Storage.Tests.Conformance;

/// <summary>The stores of one fresh database; disposing it deletes the database.</summary>
public sealed record ActionStores(ISendLedger Ledger, IOutboxStore Outbox, ICredentialStore Credentials, IAsyncDisposable Database) : IAsyncDisposable
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
}
