using System.Net.Http.Headers;
using FlowForge.Functions.ExecutionLog;
using FlowForge.Functions.Tests.Azurite;
using FlowForge.Server.Hosting;
using FlowForge.Server.Triggers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace FlowForge.Functions.Tests.Contract;

/// <summary>
/// Both hosts of FlowForge on one database, as deployed: the real server (<see cref="ServerApp"/>, Kestrel on loopback)
/// and the Functions app's HTTP functions (<see cref="FunctionsTestHost"/>) over the same SQLite file and key ring, so a
/// workflow created and published through the server's API is the one both start, with the same API keys and hook URLs.
/// Each runs its own executions: the server on its store and dispatcher, the Functions app on its execution log and
/// Durable Task, its log in Table storage on Azurite started by this fixture. Schedules are fired only by the Functions
/// app's timer function (the server's loop is off).
/// </summary>
public class TwoHostsFixture : IAsyncLifetime
{
    public const string KeyA = "ffk_test_org_a_0123456789abcdef";
    public const string KeyB = "ffk_test_org_b_0123456789abcdef";

    private WebApplication? _server;

    public TwoHostsFixture()
    {
        Directory = Path.Combine(Path.GetTempPath(), "flowforge-functions-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
    }

    public string Directory { get; }

    public Uri ServerAddress { get; private set; } = null!;

    public IServiceProvider ServerServices => _server!.Services;

    internal FunctionsTestHost Functions { get; private set; } = null!;

    private readonly AzuriteFixture _tables = new();

    /// <summary>The Functions app's execution log (Table storage on Azurite, tables of this fixture's own prefix).</summary>
    internal IExecutionLog Log => Functions.Services.GetRequiredService<IExecutionLog>();

    /// <summary>The clock the Functions app's schedules read (the schedule tests move it).</summary>
    public ManualClock ScheduleClock { get; } = new(DateTimeOffset.UtcNow);

    private Dictionary<string, string?> Settings() => new()
    {
        ["Storage:ConnectionString"] = $"Data Source={Path.Combine(Directory, "flowforge.db")}",
        ["Storage:SqliteSynchronous"] = "NORMAL",
        ["Auth:Keys:0:Organization"] = "org-a",
        ["Auth:Keys:0:Key"] = KeyA,
        ["Auth:Keys:1:Organization"] = "org-b",
        ["Auth:Keys:1:Key"] = KeyB,
        ["Samples:Enabled"] = "false",
        ["Triggers:Schedules"] = "false",
        ["Engine:PollInterval"] = "00:00:00.200",
        ["Egress:AllowPrivateNetworks"] = "true",
        ["Logging:LogLevel:Default"] = "Warning",
    };

    public async Task InitializeAsync()
    {
        Environment.SetEnvironmentVariable("Logging__LogLevel__Default", "Warning"); // the Durable sidecar is chatty
        _server = ServerApp.Build(["--urls", "http://127.0.0.1:0"], b => b.Configuration.AddInMemoryCollection(Settings()));
        await _server.StartAsync();
        ServerAddress = new Uri(_server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

        await _tables.InitializeAsync();
        var functions = Settings();
        functions["Triggers:Schedules"] = "true";
        functions["FlowForge:Tables:ConnectionString"] = _tables.ConnectionString;
        functions["FlowForge:Tables:TablePrefix"] = "ff" + Guid.NewGuid().ToString("N")[..12];
        await ConfigureFunctionsAsync(functions);
        Functions = await FunctionsTestHost.StartAsync(functions, s => s.AddSingleton(new TriggerClock(ScheduleClock)));
    }

    /// <summary>Settings only the Functions app gets (a subclass adds its SignalR Service, say).</summary>
    protected virtual Task ConfigureFunctionsAsync(Dictionary<string, string?> settings) => Task.CompletedTask;

    public HttpClient Server(string? key = KeyA) => Client(ServerAddress, key);

    public HttpClient FunctionsClient(string? key = KeyA) => Client(Functions.BaseAddress, key);

    private static HttpClient Client(Uri address, string? key)
    {
        var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };
        if (key is not null) client.DefaultRequestHeaders.Add("X-Api-Key", key);
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return client;
    }

    public virtual async Task DisposeAsync()
    {
        if (Functions is not null) await Functions.DisposeAsync();
        await _tables.DisposeAsync();
        if (_server is not null)
        {
            await _server.StopAsync();
            await _server.DisposeAsync();
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}

/// <summary>A clock a test sets by hand.</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private long _ticks = start.UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public void Set(DateTimeOffset time) => Interlocked.Exchange(ref _ticks, time.UtcTicks);
}
