using FlowForge.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace FlowForge.Server.Tests.WebApp;

/// <summary>
/// The real server, in-process, with a temp content root: with a small stand-in for the built app in its wwwroot
/// (<see cref="WithBuiltApp"/>) or with none (the build ran without Node.js).
/// </summary>
public abstract class WebAppServer : IAsyncLifetime
{
    public const string IndexMarker = "<!-- flowforge test app -->";
    public const string AssetPath = "/assets/index-Ab12Cd34.js";

    private WebApplication? _app;

    protected WebAppServer(bool built)
    {
        ContentRoot = Path.Combine(Path.GetTempPath(), "flowforge-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(ContentRoot);
        if (built)
        {
            var assets = Path.Combine(ContentRoot, "wwwroot", "assets");
            Directory.CreateDirectory(assets);
            File.WriteAllText(Path.Combine(ContentRoot, "wwwroot", "index.html"),
                $"<!doctype html><html><head><script type=\"module\" src=\"{AssetPath}\"></script></head><body>{IndexMarker}</body></html>");
            File.WriteAllText(Path.Combine(assets, Path.GetFileName(AssetPath)), "console.log('app');");
        }
    }

    public string ContentRoot { get; }

    public Uri BaseAddress { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _app = ServerApp.Build(["--urls", "http://127.0.0.1:0", "--contentRoot", ContentRoot], builder =>
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Storage:ConnectionString"] = $"Data Source={Path.Combine(ContentRoot, "flowforge.db")}",
                ["Auth:Keys:0:Organization"] = "org-a",
                ["Auth:Keys:0:Key"] = "ffk_test_webapp_0123456789abcdef",
                ["Samples:Enabled"] = "false",
                ["Logging:LogLevel:Default"] = "Warning",
            }));
        await _app.StartAsync();
        BaseAddress = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    public HttpClient Client() => new() { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(ContentRoot, recursive: true); } catch (IOException) { }
    }

    public sealed class WithBuiltApp() : WebAppServer(built: true);

    public sealed class WithoutBuiltApp() : WebAppServer(built: false);
}
