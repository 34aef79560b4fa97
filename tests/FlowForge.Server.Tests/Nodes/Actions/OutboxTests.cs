using System.Net;
using System.Text.Json.Nodes;
using FlowForge.Core.Storage;
using FlowForge.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace FlowForge.Server.Tests.Nodes.Actions;

/// <summary>No provider configured: messaging nodes deliver into the outbox, which the API lists per organisation.</summary>
public abstract class OutboxSuite<TStorage>(UnconfiguredFixture<TStorage> server) : IClassFixture<UnconfiguredFixture<TStorage>>
    where TStorage : ServerStorage, new()
{
    private readonly HttpClient _client = server.Client();

    private async Task<(string Id, JsonNode Done)> RunMessagingWorkflow(object trigger)
    {
        var wf = await _client.Publish("""
            { "name": "outbox", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "wa", "type": "action_whatsapp", "config": { "recipient": "trigger", "messageTemplate": "Hi {{trigger.name}}" } },
                { "id": "mail", "type": "action_email", "config": { "to": "{{trigger.email}}", "subject": "Welcome {{trigger.name}}", "body": "Body for {{trigger.name}}" } },
                { "id": "call", "type": "action_call", "config": { "phoneNumber": "{{trigger.phone_number}}", "voiceAgent": "sales" } } ],
              "edges": [ { "source": "t", "target": "wa" }, { "source": "wa", "target": "mail" }, { "source": "mail", "target": "call" } ] }
            """);
        var id = await _client.Execute(wf, trigger);
        return (id, await _client.WaitFinished(id));
    }

    [Fact]
    public async Task PurgingAnExecution_RemovesItsOutboxMessagesAndLedgerEntries()
    {
        var (id, done) = await RunMessagingWorkflow(new { name = "Lin", email = "lin@example.com", phone_number = "+15551230001" });
        Assert.Equal("completed", (string?)done["status"]);
        Assert.Equal(3, (int)(await (await _client.GetAsync($"/api/outbox?executionId={id}")).Expect(HttpStatusCode.OK))["total"]!);
        // The outbox needs no ledger entry; record one as a provider send would, to see it go with the execution.
        var ledger = server.Services.GetRequiredService<ISendLedger>();
        await ledger.BeginAsync("org-a", id, "sent-step", "whatsapp", $"{id}:sent-step:1");
        Assert.NotNull(await ledger.GetAsync(id, "sent-step"));

        await (await _client.DeleteAsync($"/api/executions/{id}")).Expect(HttpStatusCode.NoContent);

        Assert.Equal(0, (int)(await (await _client.GetAsync($"/api/outbox?executionId={id}")).Expect(HttpStatusCode.OK))["total"]!);
        Assert.Null(await ledger.GetAsync(id, "sent-step"));
    }

    [Fact]
    public async Task UnconfiguredProviders_DeliverIntoTheOutbox_WithTheSameOutputShape()
    {
        var (id, done) = await RunMessagingWorkflow(new { name = "Ada", email = "ada@example.com", phone_number = "+15551230000" });
        Assert.Equal("completed", (string?)done["status"]);

        var wa = done.Step("wa")["output"]!;
        Assert.True((bool)wa["message_sent"]!);
        Assert.Equal("outbox", (string?)wa["delivery"]);
        Assert.Equal("outbox", (string?)wa["status"]);
        var mail = done.Step("mail")["output"]!;
        Assert.True((bool)mail["email_sent"]!);
        Assert.Equal("outbox", (string?)mail["delivery"]);
        var call = done.Step("call")["output"]!;
        Assert.True((bool)call["call_initiated"]!);
        Assert.Equal("outbox", (string?)call["delivery"]);
        Assert.Empty(server.Provider.Requests);

        var list = await (await _client.GetAsync($"/api/outbox?executionId={id}")).Expect(HttpStatusCode.OK);
        Assert.Equal(3, (int)list["total"]!);
        var messages = list["messages"]!.AsArray();
        var byChannel = messages.ToDictionary(m => (string)m!["channel"]!);
        Assert.Equal((string?)wa["message_id"], (string?)byChannel["whatsapp"]!["id"]);
        Assert.Equal("15551230000", (string?)byChannel["whatsapp"]!["recipient"]);
        Assert.Equal("Hi Ada", (string?)byChannel["whatsapp"]!["body"]);
        Assert.Equal("whatsapp", (string?)byChannel["whatsapp"]!["payload"]!["messaging_product"]);
        Assert.Equal((string?)mail["email_id"], (string?)byChannel["email"]!["id"]);
        Assert.Equal("ada@example.com", (string?)byChannel["email"]!["recipient"]);
        Assert.Equal("Welcome Ada", (string?)byChannel["email"]!["subject"]);
        Assert.Equal("Body for Ada", (string?)byChannel["email"]!["body"]);
        Assert.Equal((string?)call["call_id"], (string?)byChannel["call"]!["id"]);
        Assert.Equal("sales", (string?)byChannel["call"]!["payload"]!["agentId"]);
        Assert.All(messages, m => Assert.Equal(id, (string?)m!["executionId"]));
        Assert.Equal("mail", (string?)byChannel["email"]!["stepId"]);
    }

    [Fact]
    public async Task OutboxList_FiltersByChannelAndExecution_Pages_AndRefusesBadFilters()
    {
        var (first, _) = await RunMessagingWorkflow(new { name = "One", email = "one@example.com", phone_number = "+15551230001" });
        var (second, _) = await RunMessagingWorkflow(new { name = "Two", email = "two@example.com", phone_number = "+15551230002" });

        var emails = await (await _client.GetAsync($"/api/outbox?executionId={second}&channel=email")).Expect(HttpStatusCode.OK);
        var only = Assert.Single(emails["messages"]!.AsArray());
        Assert.Equal("two@example.com", (string?)only!["recipient"]);

        var paged = await (await _client.GetAsync($"/api/outbox?executionId={first}&limit=2&page=2")).Expect(HttpStatusCode.OK);
        Assert.Equal(3, (int)paged["total"]!);
        Assert.Equal(2, (int)paged["pages"]!);
        Assert.Single(paged["messages"]!.AsArray());

        var all = await (await _client.GetAsync("/api/outbox?channel=whatsapp")).Expect(HttpStatusCode.OK);
        Assert.True((int)all["total"]! >= 2);
        Assert.All(all["messages"]!.AsArray(), m => Assert.Equal("whatsapp", (string?)m!["channel"]));

        await (await _client.GetAsync("/api/outbox?channel=sms")).ExpectProblem(HttpStatusCode.BadRequest, "bad-request");
        await (await _client.GetAsync("/api/outbox?page=0")).ExpectProblem(HttpStatusCode.BadRequest, "bad-request");
        await (await _client.GetAsync("/api/outbox?limit=1000")).ExpectProblem(HttpStatusCode.BadRequest, "bad-request");
        await (await server.Client(null).GetAsync("/api/outbox")).Expect(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task AnotherOrganisation_SeesNoneOfTheMessages()
    {
        var (id, _) = await RunMessagingWorkflow(new { name = "Secret", email = "s@example.com", phone_number = "+15551230003" });
        var other = server.Client(ServerFixture.KeyB);
        var byId = await (await other.GetAsync($"/api/outbox?executionId={id}")).Expect(HttpStatusCode.OK);
        Assert.Equal(0, (int)byId["total"]!);
        var all = await (await other.GetAsync("/api/outbox")).Expect(HttpStatusCode.OK);
        Assert.DoesNotContain(all["messages"]!.AsArray(), m => (string?)m!["executionId"] == id);
    }

    [Fact]
    public async Task ARerunOfTheSameStep_KeepsOneOutboxMessage()
    {
        var executionId = "ex_outbox_" + Guid.NewGuid().ToString("N")[..8];
        var input = """{ "recipient": "+15551230004", "messageTemplate": "once" }""";
        var first = await server.RunHandler("action_whatsapp", executionId, "wa", 1, input);
        var second = await server.RunHandler("action_whatsapp", executionId, "wa", 2, input);
        Assert.Equal((string?)first.Output!["message_id"], (string?)second.Output!["message_id"]);
        var page = await server.Services.GetRequiredService<IOutboxStore>().ListAsync("org-a", new OutboxQuery(executionId, null, 1, 10));
        Assert.Equal(1, page.Total);
    }

    [Fact]
    public async Task TestRun_WithoutLive_WritesNothingToTheOutbox()
    {
        var created = await (await _client.PostJson("/api/workflows", """
            { "name": "preview", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "mail", "type": "action_email", "config": { "to": "p@example.com", "subject": "s", "body": "b" } } ],
              "edges": [ { "source": "t", "target": "mail" } ] }
            """)).Expect(HttpStatusCode.Created);
        var result = await (await _client.PostJson($"/api/workflows/{created["id"]}/test", """{ "testData": {} }""")).Expect(HttpStatusCode.OK);
        Assert.True((bool)result["steps"]!.AsArray().Single(s => (string?)s!["stepId"] == "mail")!["preview"]!);
        var all = await (await _client.GetAsync("/api/outbox?channel=email&limit=100")).Expect(HttpStatusCode.OK);
        Assert.DoesNotContain(all["messages"]!.AsArray(), m => (string?)m!["recipient"] == "p@example.com");
    }

    [Fact]
    public async Task LiveTestRun_DeliversIntoTheOutbox_ButCannotAnswerTheTriggerNumber()
    {
        var created = await (await _client.PostJson("/api/workflows", """
            { "name": "live", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "wa", "type": "action_whatsapp", "config": { "recipient": "{{trigger.to}}", "messageTemplate": "live test" } } ],
              "edges": [ { "source": "t", "target": "wa" } ] }
            """)).Expect(HttpStatusCode.Created);
        var live = await (await _client.PostJson($"/api/workflows/{created["id"]}/test", """{ "testData": { "to": "+15551239999" }, "live": true }""")).Expect(HttpStatusCode.OK);
        Assert.Equal("completed", (string?)live["status"]);
        var step = live["steps"]!.AsArray().Single(s => (string?)s!["stepId"] == "wa")!;
        Assert.False((bool)step["preview"]!);
        Assert.Equal("outbox", (string?)step["output"]!["delivery"]);
        var outbox = await (await _client.GetAsync("/api/outbox?channel=whatsapp&limit=100")).Expect(HttpStatusCode.OK);
        Assert.Contains(outbox["messages"]!.AsArray(), m => (string?)m!["id"] == (string?)step["output"]!["message_id"] && (string?)m!["recipient"] == "15551239999");

        var noNumber = await (await _client.PostJson($"/api/workflows/{created["id"]}/test", """{ "testData": { "to": "trigger" }, "live": true }""")).Expect(HttpStatusCode.OK);
        Assert.Equal("failed", (string?)noNumber["status"]);
        Assert.Contains("give an explicit number", (string?)noNumber["steps"]!.AsArray().Single(s => (string?)s!["stepId"] == "wa")!["error"]);
    }
}

public sealed class SqliteOutboxTests(UnconfiguredFixture<SqliteStorage> server) : OutboxSuite<SqliteStorage>(server);

public sealed class PostgresOutboxTests(UnconfiguredFixture<PostgresStorage> server) : OutboxSuite<PostgresStorage>(server);
