using System.Collections.Concurrent;
using System.Text.Json;
using FlowForge.Core.Storage;
using FlowForge.Server.Live;
using FlowForge.Server.Tests.Engine;
using FlowForge.Server.Tests.Infrastructure;
using FlowForge.Storage.Postgres;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace FlowForge.Server.Tests.Postgres;

/// <summary>
/// The execution semantics on PostgreSQL: the engine's scenarios (actions, routing, timers, events, retries,
/// triggers, the outbox) run through HTTP exactly as on SQLite.
/// </summary>
public sealed class PostgresExecutionSemanticsTests(PostgresServerFixture server) : ExecutionSemanticsSuite<PostgresServerFixture>(server);

/// <summary>What only the PostgreSQL server has: every store comes from the postgres provider, in the fixture's schema.</summary>
public sealed class PostgresServerTests(PostgresServerFixture server) : IClassFixture<PostgresServerFixture>
{
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
/// the cross-process feed (LISTEN/NOTIFY). A client of the second sees the first's executions. Both have
/// Live__CrossProcess on, as the README asks of every process sharing the database: it is what makes the engine announce.
/// </summary>
public sealed class PostgresCrossProcessTests : IAsyncLifetime
{
    private readonly PostgresServerFixture _engine = PostgresServerFixture.WithSettings(new Dictionary<string, string?> { ["Live:CrossProcess"] = "true" });
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
