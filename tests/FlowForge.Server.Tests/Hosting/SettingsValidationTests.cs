using FlowForge.Server.Hosting;
using FlowForge.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace FlowForge.Server.Tests.Hosting;

/// <summary>Every options class is validated at start-up: a bad value refuses to start, naming the setting as an environment variable.</summary>
public sealed class SettingsValidationTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "flowforge-settings", Guid.NewGuid().ToString("N"));

    public SettingsValidationTests() => Directory.CreateDirectory(_dir);

    /// <summary>Builds and starts the real server with one extra setting; returns the start-up failure's text, or null when it started.</summary>
    private async Task<string?> TryStart(string key, string value)
    {
        WebApplication? app = null;
        var started = false;
        try
        {
            app = ServerApp.Build(["--urls", "http://127.0.0.1:0"], builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Storage:ConnectionString"] = $"Data Source={Path.Combine(_dir, "flowforge.db")}",
                ["Samples:Enabled"] = "false",
                ["Logging:LogLevel:Default"] = "Warning",
                [key] = value,
            }));
            await app.StartAsync();
            started = true;
            return null;
        }
        catch (Exception e)
        {
            return SettingsRegistration.DescribeFailure(e) ?? throw new Xunit.Sdk.XunitException("Start failed with something other than a settings error: " + e);
        }
        finally
        {
            // A host whose start failed while resolving its hosted services cannot be stopped (it throws), only disposed.
            if (app is not null)
            {
                if (started) await app.StopAsync();
                await app.DisposeAsync();
            }
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        }
    }

    [Theory]
    [InlineData("Engine:DispatcherBatchSize", "0", "Engine__DispatcherBatchSize must be between 1 and 10000 (was 0)")]
    [InlineData("Engine:WorkerConcurrency", "-3", "Engine__WorkerConcurrency must be between 1 and 1024 (was -3)")]
    [InlineData("Engine:PollInterval", "-00:00:01", "Engine__PollInterval must be between 00:00:00.0100000 and 00:10:00 (was -00:00:01)")]
    [InlineData("Engine:OrchestrationLease", "00:00:00", "Engine__OrchestrationLease must be between 00:00:01 and 1.00:00:00 (was 00:00:00)")]
    [InlineData("Engine:DispatcherBatchSize", "lots", "Engine__DispatcherBatchSize must be a whole number (was 'lots')")]
    [InlineData("Limits:MaxRequestBodyBytes", "0", "Limits__MaxRequestBodyBytes must be between 1 and 268435456 (was 0)")]
    [InlineData("Live:MaxSubscriptionsPerConnection", "0", "Live__MaxSubscriptionsPerConnection must be between 1 and 100000 (was 0)")]
    [InlineData("Live:ClientTimeout", "00:00:00", "Live__ClientTimeout must be between 00:00:00.1000000 and 01:00:00 (was 00:00:00)")]
    [InlineData("Triggers:MaxPayloadBytes", "-1", "Triggers__MaxPayloadBytes must be between 1 and 268435456 (was -1)")]
    [InlineData("Triggers:PublicBaseUrl", "flows.example.com", "Triggers__PublicBaseUrl must be an absolute http:// or https:// URL (was 'flows.example.com')")]
    [InlineData("Storage:Provider", "mysql", "Storage__Provider must be one of sqlite, postgres (was 'mysql')")]
    [InlineData("Egress:AllowPrivateNetworks", "maybe", "Egress__AllowPrivateNetworks must be true or false (was 'maybe')")]
    [InlineData("RateLimits:PerKeyPerSecond", "-1", "RateLimits__PerKeyPerSecond must be between 0 and 1000000 (was -1)")]
    [InlineData("Providers:Smtp:Port", "70000", "Providers__Smtp__Port must be between 1 and 65535 (was 70000)")]
    [InlineData("Providers:OpenAI:BaseUrl", "api.openai.com", "Providers__OpenAI__BaseUrl must be an absolute http:// or https:// URL (was 'api.openai.com')")]
    [InlineData("Providers:Crm:Systems:hubspot:BaseUrl", "ftp://crm", "Providers__Crm__Systems__hubspot__BaseUrl must be an absolute http:// or https:// URL (was 'ftp://crm')")]
    public async Task BadSetting_RefusesToStart_NamingTheSetting(string key, string value, string expected)
    {
        var failure = await TryStart(key, value);
        Assert.NotNull(failure);
        Assert.Contains(expected, failure);
    }

    [Fact]
    public void EachSettingsSection_IsBoundByOneOptionsClass_SoABadValueIsReportedOnce()
    {
        IServiceCollection? services = null;
        using var app = ServerApp.Build(["--urls", "http://127.0.0.1:0"], builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Storage:ConnectionString"] = $"Data Source={Path.Combine(_dir, "flowforge.db")}",
                ["Samples:Enabled"] = "false",
            });
            services = builder.Services;
        });
        // AddSettings registers one SettingsValidator<T> per options class: two for a section validate (and report) it twice.
        var sections = services!
            .Select(d => d.ImplementationInstance)
            .Where(v => v is not null && v.GetType().IsGenericType && v.GetType().GetGenericTypeDefinition() == typeof(SettingsValidator<>))
            .Select(v => (string)v!.GetType().GetProperty(nameof(SettingsValidator<object>.SectionPath))!.GetValue(v)!)
            .ToList();
        Assert.Contains("Engine", sections);
        Assert.Empty(sections.GroupBy(s => s, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).Select(g => g.Key));
    }

    [Fact]
    public async Task Defaults_Start()
    {
        Assert.Null(await TryStart("Engine:DispatcherBatchSize", "64"));
    }

    [Fact]
    public async Task TheBinary_ExitsWithTheMessage_OnABadSetting()
    {
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => ServerProcess.StartAsync(_dir, new Dictionary<string, string>
        {
            ["Engine__DispatcherBatchSize"] = "0",
            ["Samples__Enabled"] = "false",
        }));
        Assert.Contains("exited with code", e.Message);
        Assert.Contains("Engine__DispatcherBatchSize must be between 1 and 10000 (was 0)", e.Message);
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
