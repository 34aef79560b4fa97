using System.Collections.Concurrent;
using System.Text.Json;
using FlowForge.Server.Tests.Infrastructure;

namespace FlowForge.Server.Tests.Live;

/// <summary>A server that closes idle connections after a second.</summary>
public sealed class IdleFixture() : ServerFixture(new Dictionary<string, string?> { ["Live:IdleTimeout"] = "00:00:01" });

/// <summary>Connection limits, with a raw WebSocket client speaking SignalR's JSON protocol.</summary>
public sealed class IdleConnectionTests(IdleFixture server) : IClassFixture<IdleFixture>
{
    [Fact]
    public async Task IdleConnection_IsClosed_AfterTheConfiguredTime()
    {
        await using var client = await SignalRJsonClient.ConnectAsync(server.BaseAddress, ServerFixture.KeyA);
        var closed = await client.Closed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Null(closed);
    }
}

/// <summary>
/// Two servers on one SQLite database: the first runs the engine, the second only the API and the hub
/// with the cross-process feed. A client of the second sees the first's executions.
/// </summary>
public sealed class CrossProcessTests : IAsyncLifetime
{
    private readonly ServerFixture _engine = new LiveFixture();
    private ApiOnlyServer? _api;

    private sealed class ApiOnlyServer(string connectionString) : ServerFixture(new Dictionary<string, string?>
    {
        ["Storage:ConnectionString"] = connectionString,
        ["Engine:Dispatcher"] = "false",
        ["Engine:Workers"] = "false",
        ["Live:CrossProcess"] = "true",
        ["Live:PollInterval"] = "00:00:00.050",
    });

    public async Task InitializeAsync()
    {
        await _engine.InitializeAsync();
        _api = new ApiOnlyServer($"Data Source={Path.Combine(_engine.Directory, "flowforge.db")}");
        await _api.InitializeAsync();
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
    }
}
