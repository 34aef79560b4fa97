using FlowForge.Server.Hosting;
using FlowForge.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace FlowForge.Server.Tests.Engine;

/// <summary>
/// A graceful shutdown finishes or releases its work: another process picks it up at once, not after the lease.
/// Enrolled by each backend below (each releases leases in its own store).
/// </summary>
/// <typeparam name="TStorage">The database both processes use.</typeparam>
public abstract class ShutdownSuite<TStorage> : IAsyncLifetime
    where TStorage : ServerStorage, new()
{
    private const string Key = "ffk_shutdown_test_key_012345";
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "flowforge-shutdown", Guid.NewGuid().ToString("N"));
    private readonly TStorage _storage = new();
    private FakeService _fake = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        _fake = await FakeService.StartAsync();
    }

    private async Task<(WebApplication App, HttpClient Client)> StartAsync()
    {
        var app = ServerApp.Build(["--urls", "http://127.0.0.1:0"], b => b.Configuration.AddInMemoryCollection(new Dictionary<string, string?>(_storage.Settings(_dir))
        {
            ["Auth:BootstrapApiKey"] = Key,
            ["Samples:Enabled"] = "false",
            ["Egress:AllowPrivateNetworks"] = "true",
            ["Engine:ShutdownGrace"] = "00:00:00.300",
            ["Engine:PollInterval"] = "00:00:00.100",
            ["Logging:LogLevel:Default"] = "Warning",
        }));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var client = new HttpClient { BaseAddress = new Uri(address) };
        client.DefaultRequestHeaders.Add("X-Api-Key", Key);
        return (app, client);
    }

    [Fact]
    public async Task Shutdown_ReleasesRunningActivities_SoTheNextProcessRunsThemWithoutWaitingForTheLease()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        string id;
        var (first, client) = await StartAsync();
        await using (first)
        {
            // A 4 s call with a 30 s timeout: its lease would last 60 s if it were not released.
            var wf = await client.Publish($$$"""
                { "name": "long", "nodes": [ { "id": "t", "type": "trigger_manual" },
                  { "id": "long", "type": "action_http", "config": { "method": "POST", "url": "{{{_fake.Url($"/slow/{tag}?ms=4000")}}}" } } ],
                  "edges": [ { "source": "t", "target": "long" } ] }
                """);
            id = await client.Execute(wf);
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (_fake.Calls($"/slow/{tag}") == 0 && DateTime.UtcNow < deadline) await Task.Delay(20);
            await first.StopAsync();
        }

        var (second, client2) = await StartAsync();
        await using (second)
        {
            var done = await client2.WaitFinished(id, TimeSpan.FromSeconds(20));
            Assert.Equal("completed", (string?)done["status"]);
            Assert.Equal(2, _fake.Calls($"/slow/{tag}"));
            await second.StopAsync();
        }
    }

    public async Task DisposeAsync()
    {
        await _fake.DisposeAsync();
        await _storage.DisposeAsync();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}

public sealed class SqliteShutdownTests : ShutdownSuite<SqliteStorage>;

public sealed class PostgresShutdownTests : ShutdownSuite<PostgresStorage>;
