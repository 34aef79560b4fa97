using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FlowForge.Core.Catalog;
using FlowForge.Core.Engine.History;
using FlowForge.Core.Storage;
using FlowForge.Server.Engine;
using FlowForge.Server.Hosting;
using FlowForge.Server.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FlowForge.Bench;

/// <summary>
/// The real server (<see cref="ServerApp.Build"/>), in this process, on a loopback port and a fresh SQLite file or a fresh
/// PostgreSQL schema (dropped afterwards), with one bench-only node type, <c>bench_noop</c>. Completion is observed through <see cref="ExecutionEvents.Committed"/>.
/// </summary>
public sealed class BenchServer : IAsyncDisposable, IBenchTarget
{
    public const string ApiKey = "ffk_bench_0123456789abcdef0123456789";

    private readonly WebApplication _app;
    private readonly string _directory;
    private readonly string? _pgConnectionString;
    private readonly string? _pgSchema;
    private readonly bool _ownsSchema;

    private BenchServer(WebApplication app, string directory, string? pgConnectionString, string? pgSchema, bool ownsSchema, Uri baseAddress, int concurrency)
    {
        _ownsSchema = ownsSchema;
        BaseAddress = baseAddress;
        _app = app;
        _directory = directory;
        _pgConnectionString = pgConnectionString;
        _pgSchema = pgSchema;
        Tracker = new CompletionTracker();
        app.Services.GetRequiredService<ExecutionEvents>().Committed += Tracker.OnCommitted;
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = Math.Max(1, concurrency),
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        };
        Http = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromMinutes(5) };
        Http.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        Http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
    }

    public HttpClient Http { get; }

    public HttpClient NextHttp() => Http;

    public TimeSpan CpuTime()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }

    public Task BeforeThroughputAsync() => Task.CompletedTask;

    public Task AfterThroughputAsync(WorkloadResult result, double wallSeconds) => Task.CompletedTask;

    public Uri BaseAddress { get; }

    /// <summary>The server's services (the scale-out child subscribes to <see cref="ExecutionEvents"/> through them).</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>Set with <c>--profile</c>: the store decorator counting calls.</summary>
    public ProfilingExecutionStore? Profiler { get; private init; }

    public CompletionTracker Tracker { get; }

    public string DatabasePath => Path.Combine(_directory, "flowforge.db");

    /// <param name="pgConnectionString">null: SQLite; else the PostgreSQL database the server runs on, in a fresh schema of its own.</param>
    /// <param name="sharedPgSchema">
    /// With <paramref name="pgConnectionString"/>: run in this existing schema (shared by several server processes, the
    /// scale-out bench) instead of a fresh one, and leave it in place on dispose (its creator drops it).
    /// </param>
    public static async Task<BenchServer> StartAsync(string synchronous, int concurrency, bool profile = false, string? pgConnectionString = null,
        string? sharedPgSchema = null, IReadOnlyDictionary<string, string?>? extraSettings = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), "flowforge-bench", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        // A schema per run (the search path names it, the server creates it when it migrates): runs never see each other's rows.
        var pgSchema = pgConnectionString is null ? null : sharedPgSchema ?? $"bench_{Guid.NewGuid():N}"[..20];
        var serverConnectionString = pgConnectionString is null
            ? $"Data Source={Path.Combine(directory, "flowforge.db")}"
            : new Npgsql.NpgsqlConnectionStringBuilder(pgConnectionString) { SearchPath = pgSchema }.ConnectionString;
        var settings = new Dictionary<string, string?>
        {
            ["Storage:Provider"] = pgConnectionString is null ? "sqlite" : "postgres",
            ["Storage:ConnectionString"] = serverConnectionString,
            ["Storage:SqliteSynchronous"] = synchronous,
            ["Auth:BootstrapApiKey"] = ApiKey,
            ["Samples:Enabled"] = "false",
            // The benchmark measures the engine, not the request rate limits: off.
            ["RateLimits:PerKeyPerSecond"] = "0",
            ["RateLimits:PerWebhookPerSecond"] = "0",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
            // The bench parks 10,000 executions and starts them 200 at a time as fast as it can: far past the
            // per-organisation defaults meant for tenants, so it lifts them (it measures the engine, not the quotas).
            ["Limits:MaxRunningExecutionsPerOrganization"] = "1000000",
            ["Limits:StartsPerSecondPerOrganization"] = "1000000",
        };
        foreach (var (key, value) in extraSettings ?? new Dictionary<string, string?>()) settings[key] = value;
        // Migrate first: on a fresh file the engine's background loops start before StartupTasks migrates and log
        // "no such table" once (a start-up ordering race in the server, reported, not fixed here).
        if (pgConnectionString is null)
        {
            await new FlowForge.Storage.Sqlite.SqliteDatabase(serverConnectionString, synchronous).MigrateAsync();
        }
        else
        {
            await using var pg = new FlowForge.Storage.Postgres.PostgresDatabase(serverConnectionString);
            await pg.MigrateAsync();
        }
        var catalog = new NodeCatalog([.. NodeCatalog.Default.All, NoopHandler.Descriptor]);
        var app = ServerApp.Build(["--urls", "http://127.0.0.1:0"], builder =>
        {
            builder.Configuration.AddInMemoryCollection(settings);
            builder.Services.AddSingleton<INodeHandler, NoopHandler>();
            // ServerApp registers NodeCatalog.Default after this callback runs, so the replacement is applied to the
            // finished service collection, when the provider is built.
            builder.Host.UseServiceProviderFactory(new PostConfiguredServiceProviderFactory(services =>
            {
                services.Replace(ServiceDescriptor.Singleton(catalog));
                if (profile)
                {
                    var real = services.Last(d => d.ServiceType == typeof(IExecutionStore));
                    services.Replace(ServiceDescriptor.Singleton<IExecutionStore>(sp =>
                        new ProfilingExecutionStore((IExecutionStore)real.ImplementationFactory!(sp))));
                }
            }));
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        if (!ReferenceEquals(app.Services.GetRequiredService<NodeCatalog>(), catalog))
        {
            throw new InvalidOperationException("The bench NodeCatalog did not replace the default one.");
        }
        return new BenchServer(app, directory, pgConnectionString, pgSchema, ownsSchema: sharedPgSchema is null, new Uri(address), concurrency)
        {
            Profiler = app.Services.GetRequiredService<IExecutionStore>() as ProfilingExecutionStore,
        };
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        if (_pgConnectionString is not null && _ownsSchema)
        {
            await using var c = new Npgsql.NpgsqlConnection(_pgConnectionString);
            await c.OpenAsync();
            await using var drop = new Npgsql.NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{_pgSchema}\" CASCADE", c);
            await drop.ExecuteNonQueryAsync();
        }
    }

    /// <summary>The database's size: the SQLite file with its WAL, or the PostgreSQL schema's relations (tables, indexes, TOAST).</summary>
    public async Task<double> DatabaseSizeMbAsync()
    {
        if (_pgConnectionString is null) return Workloads.DbSizeMb(DatabasePath);
        await using var c = new Npgsql.NpgsqlConnection(_pgConnectionString);
        await c.OpenAsync();
        await using var size = new Npgsql.NpgsqlCommand(
            "SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0)::bigint FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = @s AND c.relkind = 'r'", c);
        size.Parameters.AddWithValue("s", _pgSchema!);
        return (long)(await size.ExecuteScalarAsync())! / 1048576.0;
    }

    /// <summary>The default provider factory, with a last word on the service collection.</summary>
    private sealed class PostConfiguredServiceProviderFactory(Action<IServiceCollection> configure) : IServiceProviderFactory<IServiceCollection>
    {
        private readonly DefaultServiceProviderFactory _inner = new();

        public IServiceCollection CreateBuilder(IServiceCollection services)
        {
            configure(services);
            return _inner.CreateBuilder(services);
        }

        public IServiceProvider CreateServiceProvider(IServiceCollection containerBuilder) => _inner.CreateServiceProvider(containerBuilder);
    }
}
