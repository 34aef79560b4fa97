using System.Net.Http.Headers;
using FlowForge.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace FlowForge.Server.Tests.Infrastructure;

/// <summary>
/// The real server, in-process, on a loopback port with its own database (a SQLite file unless a derived fixture
/// passes another <see cref="ServerStorage"/>): tests talk real HTTP.
/// Two organisations are configured so tenancy can be checked: <see cref="KeyA"/> and <see cref="KeyB"/>.
/// </summary>
public class ServerFixture : IAsyncLifetime
{
    public const string KeyA = "ffk_test_org_a_0123456789abcdef";
    public const string KeyB = "ffk_test_org_b_0123456789abcdef";

    private readonly Dictionary<string, string?> _settings;
    private WebApplication? _app;

    public ServerFixture() : this(new Dictionary<string, string?>()) { }

    protected ServerFixture(Dictionary<string, string?> settings) : this(settings, new SqliteStorage())
    {
    }

    /// <param name="settings">Settings over the defaults (and over <paramref name="storage"/>'s).</param>
    /// <param name="storage">The database; the fixture disposes it (drops it) after the server stopped.</param>
    protected ServerFixture(Dictionary<string, string?> settings, ServerStorage storage)
    {
        Directory = Path.Combine(Path.GetTempPath(), "flowforge-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        Storage = storage;
        _settings = new Dictionary<string, string?>(storage.Settings(Directory))
        {
            ["Storage:SqliteSynchronous"] = "NORMAL",
            ["Auth:Keys:0:Organization"] = "org-a",
            ["Auth:Keys:0:Key"] = KeyA,
            ["Auth:Keys:1:Organization"] = "org-b",
            ["Auth:Keys:1:Key"] = KeyB,
            ["Samples:Enabled"] = "false",
            // The fakes standing in for the outside world listen on loopback.
            ["Egress:AllowPrivateNetworks"] = "true",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (k, v) in settings) _settings[k] = v;
    }

    public string Directory { get; }

    /// <summary>The database the server runs on.</summary>
    public ServerStorage Storage { get; }

    public Uri BaseAddress { get; private set; } = null!;

    public IServiceProvider Services => _app!.Services;

    public virtual async Task InitializeAsync()
    {
        _app = ServerApp.Build(["--urls", "http://127.0.0.1:0"], builder =>
        {
            builder.Configuration.AddInMemoryCollection(_settings);
            Configure(builder);
        });
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address);
    }

    /// <summary>Runs before the server registers its own services: a registration here wins over a TryAdd of the server's.</summary>
    protected virtual void Configure(WebApplicationBuilder builder)
    {
    }

    /// <summary>A client authenticated as organisation A (or with <paramref name="key"/>; null for none).</summary>
    public HttpClient Client(string? key = KeyA)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (key is not null) client.DefaultRequestHeaders.Add("X-Api-Key", key);
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return client;
    }

    public virtual async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        await Storage.DisposeAsync();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}

/// <summary>The plain server on <typeparamref name="TStorage"/>, for suites that every backend enrolls.</summary>
public class ServerFixture<TStorage> : ServerFixture
    where TStorage : ServerStorage, new()
{
    public ServerFixture() : base(new Dictionary<string, string?>(), new TStorage())
    {
    }
}
