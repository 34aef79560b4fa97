using System.Net;
using System.Text.Json.Nodes;
using FlowForge.Core.Storage;
using FlowForge.Server.Tests.Engine;
using FlowForge.Server.Tests.Infrastructure;
using FlowForge.Storage.Sqlite;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace FlowForge.Server.Tests.Health;

/// <summary>The probes on a healthy server: no key, a JSON body naming each check.</summary>
public sealed class HealthTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task LiveAndReady_HealthyServer_Answer200WithoutAKeyNamingEachCheck()
    {
        using var client = server.Client(key: null);

        var live = await (await client.GetAsync("/health/live")).Expect(HttpStatusCode.OK);
        Assert.Equal("healthy", (string?)live["status"]);
        Assert.Equal(["loops"], Names(live));
        // The dispatcher, the workers' feed loop and the schedule loop have each iterated.
        var loops = await HealthProbe.WaitAsync(client, "/health/live", HttpStatusCode.OK,
            body => body["checks"]![0]!["description"]!.ToString().StartsWith("3 loop(s)", StringComparison.Ordinal));
        Assert.NotNull(loops);

        var ready = await HealthProbe.WaitAsync(client, "/health/ready", HttpStatusCode.OK);
        Assert.Equal(["database", "engine"], Names(ready));
        Assert.All(ready["checks"]!.AsArray(), c => Assert.Equal("healthy", (string?)c!["status"]));
        Assert.Contains("schema at version", (string?)ready["checks"]![0]!["description"]);
        Assert.Contains("dispatcher, workers", (string?)ready["checks"]![1]!["description"]);
    }

    [Fact]
    public async Task Health_KeptForExistingProbes_StillAnswersOk()
    {
        using var client = server.Client(key: null);
        var body = await (await client.GetAsync("/health")).Expect(HttpStatusCode.OK);
        Assert.Equal("ok", (string?)body["status"]);
    }

    private static string[] Names(JsonNode body) => [.. body["checks"]!.AsArray().Select(c => (string)c!["name"]!)];
}

/// <summary>A loop that stops iterating (here the workers' claim call hangs) makes the process not live.</summary>
public sealed class HealthStallTests(HealthStallTests.StallFixture server) : IClassFixture<HealthStallTests.StallFixture>
{
    public sealed class StallFixture() : ServerFixture(new Dictionary<string, string?>
    {
        ["Health:StallAfter"] = "00:00:01",
        ["Engine:PollInterval"] = "00:00:00.100",
    })
    {
        public FaultyExecutionStore Store => (FaultyExecutionStore)Services.GetRequiredService<IExecutionStore>();

        protected override void Configure(WebApplicationBuilder builder) =>
            builder.Services.AddSingleton<IExecutionStore>(sp => new FaultyExecutionStore(new SqliteExecutionStore(sp.GetRequiredService<SqliteDatabase>(), TimeProvider.System)));

        public override async Task DisposeAsync()
        {
            Store.ClaimActivitiesGate?.TrySetResult();
            await base.DisposeAsync();
        }
    }

    [Fact]
    public async Task Live_WorkerLoopHangs_Answers503NamingTheLoop()
    {
        using var client = server.Client(key: null);
        await HealthProbe.WaitAsync(client, "/health/live", HttpStatusCode.OK);

        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.Store.ClaimActivitiesGate = gate;
        // Until the answer names the workers and not the dispatcher: on a machine that stalls for longer than the 1 s
        // threshold every loop is late for a moment, but only the hung one stays late. (A check that named every loop,
        // or the wrong one, never gives this answer.)
        static string? Description(JsonNode body) => (string?)body["checks"]![0]!["description"];
        var stalled = await HealthProbe.WaitAsync(client, "/health/live", HttpStatusCode.ServiceUnavailable,
            body => Description(body) is { } d && d.Contains("workers", StringComparison.Ordinal) && !d.Contains("dispatcher", StringComparison.Ordinal));
        Assert.Equal("unhealthy", (string?)stalled["status"]);
        Assert.Contains("Health__StallAfter", Description(stalled));

        // The call returns: the loop iterates again and the process is live again.
        server.Store.ClaimActivitiesGate = null;
        gate.SetResult();
        await HealthProbe.WaitAsync(client, "/health/live", HttpStatusCode.OK);
    }
}

/// <summary>A SQLite database file removed under the running server: reads still work through pooled connections, but it is not ready.</summary>
public sealed class HealthSqliteFileTests
{
    [Fact]
    public async Task Ready_SqliteFileRemoved_Answers503FromTheDatabaseCheck_LiveStays200()
    {
        var server = new ServerFixture();
        await server.InitializeAsync();
        try
        {
            using var client = server.Client(key: null);
            await HealthProbe.WaitAsync(client, "/health/ready", HttpStatusCode.OK);

            foreach (var file in Directory.GetFiles(server.Directory, "flowforge.db*")) File.Delete(file);

            var ready = await (await client.GetAsync("/health/ready")).Expect(HttpStatusCode.ServiceUnavailable);
            var database = ready["checks"]!.AsArray().Single(c => (string?)c!["name"] == "database")!;
            Assert.Equal("unhealthy", (string?)database["status"]);
            Assert.Contains("does not exist", (string?)database["description"]);
            await (await client.GetAsync("/health/live")).Expect(HttpStatusCode.OK);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }
}

/// <summary>On PostgreSQL: a schema that is not there (renamed away) or not migrated to this build's version is not ready.</summary>
public sealed class PostgresHealthTests(PostgresServerFixture server) : IClassFixture<PostgresServerFixture>
{
    [Fact]
    public async Task Ready_SchemaGoneOrBehind_Answers503_AndRecovers()
    {
        using var client = server.Client(key: null);
        await HealthProbe.WaitAsync(client, "/health/ready", HttpStatusCode.OK);

        var away = server.Schema + "_away";
        await ExecuteAsync($"ALTER SCHEMA \"{server.Schema}\" RENAME TO \"{away}\"");
        try
        {
            var gone = await (await client.GetAsync("/health/ready")).Expect(HttpStatusCode.ServiceUnavailable);
            Assert.Contains("Not reachable", (string?)gone["checks"]![0]!["description"]);
        }
        finally
        {
            await ExecuteAsync($"ALTER SCHEMA \"{away}\" RENAME TO \"{server.Schema}\"");
        }
        await HealthProbe.WaitAsync(client, "/health/ready", HttpStatusCode.OK);

        // A schema behind this build (an upgrade not yet migrated): reachable, not ready.
        await ExecuteAsync($"DELETE FROM \"{server.Schema}\".schema_versions WHERE version = (SELECT max(version) FROM \"{server.Schema}\".schema_versions)");
        var behind = await (await client.GetAsync("/health/ready")).Expect(HttpStatusCode.ServiceUnavailable);
        Assert.Contains("this build needs", (string?)behind["checks"]![0]!["description"]);
    }

    private static async Task ExecuteAsync(string sql)
    {
        await using var c = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(PostgresServerFixture.ServerConnectionString) { Pooling = false }.ConnectionString);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, c);
        await cmd.ExecuteNonQueryAsync();
    }
}

/// <summary>Readiness turns 503 at SIGTERM, while the real process still serves and before it drains and exits.</summary>
public sealed class HealthShutdownTests
{
    [Fact]
    [Trait("Category", "Slow")]
    public async Task Ready_AfterSigterm_Answers503WhileTheProcessStillServes_ThenItExitsCleanly()
    {
        var directory = Path.Combine(Path.GetTempPath(), "flowforge-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        await using var server = await ServerProcess.StartAsync(directory, new Dictionary<string, string>
        {
            ["Health__ShutdownDelay"] = "00:00:03",
            ["Samples__Enabled"] = "false",
        });
        using var client = server.Client(key: null);
        await HealthProbe.WaitAsync(client, "/health/ready", HttpStatusCode.OK);

        server.Terminate();
        var unready = await HealthProbe.WaitAsync(client, "/health/ready", HttpStatusCode.ServiceUnavailable, timeout: TimeSpan.FromSeconds(2));
        Assert.False(server.HasExited);
        var engine = unready["checks"]!.AsArray().Single(c => (string?)c!["name"] == "engine")!;
        Assert.Contains("Shutting down", (string?)engine["description"]);
        // Liveness is not readiness: a draining process must not be restarted.
        await (await client.GetAsync("/health/live")).Expect(HttpStatusCode.OK);

        Assert.Equal(0, await server.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("readiness reports 503 now", server.Output);
        try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
    }
}

internal static class HealthProbe
{
    /// <summary>Polls <paramref name="path"/> until it answers <paramref name="status"/> (and <paramref name="accept"/> holds); returns the body.</summary>
    public static async Task<JsonNode> WaitAsync(HttpClient client, string path, HttpStatusCode status, Func<JsonNode, bool>? accept = null, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            using var response = await client.GetAsync(path);
            var text = await response.Content.ReadAsStringAsync();
            last = $"{(int)response.StatusCode} {text}";
            if (response.StatusCode == status && JsonNode.Parse(text) is { } body && (accept is null || accept(body))) return body;
            await Task.Delay(50);
        }
        throw new Xunit.Sdk.XunitException($"{path} did not answer {(int)status} in time; last: {last}");
    }
}
