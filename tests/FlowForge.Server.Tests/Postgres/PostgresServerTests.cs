using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using FlowForge.Core.Storage;
using FlowForge.Server.Live;
using FlowForge.Server.Tests.Infrastructure;
using FlowForge.Server.Tests.Triggers;
using FlowForge.Storage.Postgres;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace FlowForge.Server.Tests.Postgres;

/// <summary>
/// The server end to end on PostgreSQL: every store comes from the postgres provider, and the engine's
/// scenarios (actions, routing, timers, events, retries, triggers, the outbox) run through HTTP as on SQLite.
/// </summary>
public sealed class PostgresServerTests(PostgresServerFixture server) : IClassFixture<PostgresServerFixture>
{
    private readonly HttpClient _client = server.Client();
    private FakeService Fake => server.Fake;

    private static string Unique() => Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public void EveryStore_IsThePostgresOne()
    {
        var sp = server.Services;
        Assert.IsType<PostgresTenantStore>(sp.GetRequiredService<ITenantStore>());
        Assert.IsType<PostgresWorkflowStore>(sp.GetRequiredService<IWorkflowStore>());
        Assert.IsType<PostgresExecutionStore>(sp.GetRequiredService<IExecutionStore>());
        Assert.IsType<PostgresTriggerStore>(sp.GetRequiredService<ITriggerStore>());
        Assert.IsType<PostgresSendLedger>(sp.GetRequiredService<ISendLedger>());
        Assert.IsType<PostgresOutboxStore>(sp.GetRequiredService<IOutboxStore>());
        Assert.IsType<PostgresCredentialStore>(sp.GetRequiredService<ICredentialStore>());
        Assert.Null(sp.GetService<FlowForge.Storage.Sqlite.SqliteDatabase>());
    }

    [Fact]
    public async Task Sequence_WithHttpAction_Completes()
    {
        var tag = Unique();
        var wf = await _client.Publish($$$"""
            { "name": "seq", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "call", "type": "action_http", "config": { "method": "POST", "url": "{{{Fake.Url($"/ok/{tag}")}}}", "body": { "who": "{{trigger.name}}" } } },
                { "id": "set", "type": "logic_set_variable", "config": { "variables": { "answer": "{{steps.call.body.name}} for {{trigger.name}}" } } } ],
              "edges": [ { "source": "t", "target": "call" }, { "source": "call", "target": "set" } ] }
            """);
        var id = await _client.Execute(wf, new { name = "Ada" });
        var done = await _client.WaitFinished(id);

        Assert.Equal("completed", (string?)done["status"]);
        Assert.Equal($"{tag} for Ada", (string?)done["finalOutput"]!["answer"]);
        Assert.Equal(["t", "call", "set"], done["logs"]!.AsArray().Select(l => (string)l!["stepId"]!));
        Assert.Equal("Ada", (string?)done.Step("call")["input"]!["body"]!["who"]);
        Assert.Equal(1, Fake.Calls($"/ok/{tag}"));
        Assert.Contains(Fake.Requests, r => r.Path == $"/ok/{tag}" && r.IdempotencyKey == $"{id}:call:1");
    }

    [Fact]
    public async Task Condition_RoutesByPort()
    {
        var wf = await _client.Publish("""
            { "name": "cond", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "c", "type": "logic_condition", "config": { "condition": "{{trigger.score}} > 5 AND {{trigger.kind}} == 'vip'" } },
                { "id": "yes", "type": "logic_set_variable", "config": { "variables": { "route": "yes" } } },
                { "id": "no", "type": "logic_set_variable", "config": { "variables": { "route": "no" } } } ],
              "edges": [ { "source": "t", "target": "c" }, { "source": "c", "target": "yes", "sourceHandle": "yes" }, { "source": "c", "target": "no", "sourceHandle": "false" } ] }
            """);
        var high = await _client.WaitFinished(await _client.Execute(wf, new { score = 9, kind = "vip" }));
        Assert.Equal("yes", (string?)high["finalOutput"]!["route"]);
        Assert.False(high.HasStep("no"));
        var low = await _client.WaitFinished(await _client.Execute(wf, new { score = 2, kind = "vip" }));
        Assert.Equal("no", (string?)low["finalOutput"]!["route"]);
        Assert.False(low.HasStep("yes"));
    }

    [Fact]
    public async Task Delay_WaitsOnADurableTimer()
    {
        var wf = await _client.Publish("""
            { "name": "delay", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "wait", "type": "logic_delay", "config": { "duration": "1s" } },
                { "id": "after", "type": "logic_set_variable", "config": { "variables": { "done": true } } } ],
              "edges": [ { "source": "t", "target": "wait" }, { "source": "wait", "target": "after" } ] }
            """);
        var id = await _client.Execute(wf);
        var waiting = await _client.WaitFor(id, ["waiting"]);
        Assert.Equal("waiting", (string?)waiting.Step("wait")["status"]);
        var done = await _client.WaitFinished(id);
        Assert.Equal("completed", (string?)done["status"]);
        var step = done.Step("wait");
        var waited = DateTimeOffset.Parse((string)step["completedAt"]!) - DateTimeOffset.Parse((string)step["startedAt"]!);
        Assert.True(waited >= TimeSpan.FromMilliseconds(950), $"waited {waited}");
    }

    [Fact]
    public async Task Approval_WaitsForEvent_ThenTakesApprovedPort()
    {
        var wf = await _client.Publish("""
            { "name": "approval", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "approve", "type": "logic_approval", "config": { "message": "Refund?", "timeout": "1h" } },
                { "id": "ok", "type": "logic_set_variable", "config": { "variables": { "route": "approved" } } },
                { "id": "no", "type": "logic_set_variable", "config": { "variables": { "route": "rejected" } } },
                { "id": "late", "type": "logic_set_variable", "config": { "variables": { "route": "timeout" } } } ],
              "edges": [ { "source": "t", "target": "approve" },
                         { "source": "approve", "target": "ok", "sourceHandle": "approved" },
                         { "source": "approve", "target": "no", "sourceHandle": "rejected" },
                         { "source": "approve", "target": "late", "sourceHandle": "timeout" } ] }
            """);
        var id = await _client.Execute(wf);
        await _client.WaitFor(id, ["waiting"]);
        await (await _client.PostJson($"/api/executions/{id}/events/approval", """{ "payload": { "approved": true, "approvedBy": "maria", "comment": "ok" } }"""))
            .Expect(HttpStatusCode.Accepted);
        var done = await _client.WaitFinished(id);
        Assert.Equal("approved", (string?)done["finalOutput"]!["route"]);
        Assert.Equal("maria", (string?)done.Step("approve")["output"]!["approved_by"]);
    }

    [Fact]
    public async Task Retry_WithBackoff_SucceedsOnThirdAttempt()
    {
        var tag = Unique();
        var wf = await _client.Publish($$$"""
            { "name": "retry", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "call", "type": "action_http", "config": { "method": "POST", "url": "{{{Fake.Url($"/flaky/{tag}?failures=2")}}}",
                  "retry": { "maxAttempts": 3, "initialInterval": "100ms", "backoffCoefficient": 2 } } } ],
              "edges": [ { "source": "t", "target": "call" } ] }
            """);
        var id = await _client.Execute(wf);
        var done = await _client.WaitFinished(id);
        Assert.Equal("completed", (string?)done["status"]);
        Assert.Equal(3, (int?)done.Step("call")["attempts"]);
        Assert.Equal(3, Fake.Calls($"/flaky/{tag}"));
        var history = await (await _client.GetAsync($"/api/executions/{id}/history")).Expect(HttpStatusCode.OK);
        Assert.Equal(2, history["events"]!.AsArray().Count(e => (string?)e!["type"] == "timerCreated"));
    }

    [Fact]
    public async Task WebhookTrigger_StartsTheWorkflow_DuplicateDeliveriesStartOne_UnpublishStopsIt()
    {
        var anonymous = server.Client(key: null);
        var (id, published) = await _client.CreateAndPublish(TriggerTestSupport.Workflow("hook", "trigger_webhook", """{ "auth": "none" }"""));
        var path = published.Trigger().HookPath();

        var ids = new List<string>();
        foreach (var _ in Enumerable.Range(0, 3))
        {
            var request = TriggerTestSupport.JsonRequest(path, """{"name":"Ada"}""");
            request.Headers.Add("Idempotency-Key", "order-42");
            ids.Add((string)(await (await anonymous.SendAsync(request)).Expect(HttpStatusCode.Accepted))["executionId"]!);
        }
        var executionId = Assert.Single(ids.Distinct());
        var done = await _client.WaitFinished(executionId);
        Assert.Equal("completed", (string?)done["status"]);
        Assert.Equal("Ada", (string?)done["finalOutput"]!["got"]);
        Assert.Equal(1, await _client.ExecutionCount(id));

        // Re-publishing keeps the URL; unpublishing makes it 404.
        var again = await (await _client.PostAsync($"/api/workflows/{id}/publish", null)).Expect(HttpStatusCode.OK);
        Assert.Equal((string?)published.Trigger()["url"], (string?)again.Trigger()["url"]);
        await (await _client.PostAsync($"/api/workflows/{id}/unpublish", null)).Expect(HttpStatusCode.OK);
        await (await anonymous.SendAsync(TriggerTestSupport.JsonRequest(path, """{"name":"Ada"}"""))).ExpectProblem(HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task WhatsApp_WithNoProvider_DeliversIntoTheOutbox_AndCredentialsWork()
    {
        var wf = await _client.Publish("""
            { "name": "outbox", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "wa", "type": "action_whatsapp", "config": { "recipient": "trigger", "messageTemplate": "Hi {{trigger.name}}" } } ],
              "edges": [ { "source": "t", "target": "wa" } ] }
            """);
        var id = await _client.Execute(wf, new { name = "Ada", phone_number = "+15551230000" });
        var done = await _client.WaitFinished(id);
        Assert.Equal("completed", (string?)done["status"]);
        var wa = done.Step("wa")["output"]!;
        Assert.True((bool)wa["message_sent"]!);
        Assert.Equal("outbox", (string?)wa["delivery"]);

        var list = await (await _client.GetAsync($"/api/outbox?executionId={id}")).Expect(HttpStatusCode.OK);
        Assert.Equal(1, (int)list["total"]!);
        var message = list["messages"]!.AsArray().Single()!;
        Assert.Equal((string?)wa["message_id"], (string?)message["id"]);
        Assert.Equal("15551230000", (string?)message["recipient"]);
        Assert.Equal("Hi Ada", (string?)message["body"]);
        Assert.Equal("whatsapp", (string?)message["payload"]!["messaging_product"]);
        Assert.Equal(0, (int)(await (await server.Client(ServerFixture.KeyB).GetAsync($"/api/outbox?executionId={id}")).Expect(HttpStatusCode.OK))["total"]!);

        // Credentials: stored encrypted in PostgreSQL, unique per organisation and name.
        var name = "wa-" + Unique();
        await (await _client.PostJson("/api/credentials", new { name, kind = "whatsapp", values = new { accessToken = "EAAG-secret", phoneNumberId = "555" } }))
            .Expect(HttpStatusCode.Created);
        await (await _client.PostJson("/api/credentials", new { name, kind = "whatsapp", values = new { accessToken = "x", phoneNumberId = "1" } }))
            .ExpectProblem(HttpStatusCode.Conflict, "credential-exists");
        var one = await (await _client.GetAsync($"/api/credentials/{name}")).Expect(HttpStatusCode.OK);
        Assert.DoesNotContain("EAAG-secret", one.ToJsonString());
        await (await _client.DeleteAsync($"/api/credentials/{name}")).Expect(HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task TheServersTables_AreInTheFixturesSchema()
    {
        await using var c = new NpgsqlConnection(PostgresServerFixture.SchemaConnectionString(server.Schema));
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = @s AND table_name IN ('outbox', 'trigger_endpoints', 'send_ledger')", c);
        cmd.Parameters.AddWithValue("s", server.Schema);
        Assert.Equal(3L, (long)(await cmd.ExecuteScalarAsync())!);
    }
}

/// <summary>
/// Two servers on one PostgreSQL schema: the first runs the engine, the second only the API and the hub with
/// the cross-process feed (LISTEN/NOTIFY). A client of the second sees the first's executions.
/// </summary>
public sealed class PostgresCrossProcessTests : IAsyncLifetime
{
    private readonly PostgresServerFixture _engine = new();
    private PostgresServerFixture? _api;

    public async Task InitializeAsync()
    {
        await _engine.InitializeAsync();
        _api = PostgresServerFixture.OnSchema(_engine.Schema, new Dictionary<string, string?>
        {
            ["Engine:Dispatcher"] = "false",
            ["Engine:Workers"] = "false",
            ["Live:CrossProcess"] = "true",
        });
        await _api.InitializeAsync();
        await _api.Services.GetRequiredService<PostgresNotifyProgressFeed>().Listening.WaitAsync(TimeSpan.FromSeconds(10));
    }

    public async Task DisposeAsync()
    {
        if (_api is not null) await _api.DisposeAsync();
        await _engine.DisposeAsync();
    }

    [Fact]
    public async Task AClientOfAnotherProcess_SeesEveryExecution_InOrder()
    {
        var http = _engine.Client();
        var wf = await http.Publish(Workflows.Simple("cross"));
        var received = new ConcurrentQueue<(string Name, JsonElement Data)>();
        await using var client = await SignalRJsonClient.ConnectAsync(_api!.BaseAddress, ServerFixture.KeyA);
        client.OnEvent = (name, data, _) => received.Enqueue((name, data));
        Assert.Null(await client.InvokeAsync("Subscribe", wf));

        var ids = new List<string>();
        for (var i = 0; i < 3; i++) ids.Add(await http.Execute(wf));
        foreach (var id in ids) await http.WaitFinished(id);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (received.Count(e => e.Name == "execution:completed") < ids.Count && DateTime.UtcNow < deadline) await Task.Delay(50);

        foreach (var id in ids)
        {
            var mine = received.Where(e => e.Data.GetProperty("executionId").GetString() == id).ToList();
            Assert.Equal(["execution:started", "execution:completed"], mine.Select(e => e.Name));
            Assert.True(mine[0].Data.GetProperty("sequence").GetInt64() < mine[1].Data.GetProperty("sequence").GetInt64());
            Assert.Equal("completed", mine[1].Data.GetProperty("status").GetString());
        }
        // Only the subscribed workflow's executions reach the client.
        Assert.All(received, e => Assert.Contains(e.Data.GetProperty("executionId").GetString(), ids));
    }
}
