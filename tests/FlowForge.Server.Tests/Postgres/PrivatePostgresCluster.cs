using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace FlowForge.Server.Tests.Postgres;

/// <summary>
/// A throw-away PostgreSQL cluster of its own (Debian's <c>pg_createcluster</c> on a free port, trust authentication on
/// loopback), for a test that restarts the database: restarting the shared test cluster would drop the connections of
/// every other test running at the same time. Needs root, as <c>infra/setup.sh</c> does; otherwise it fails the test
/// loudly rather than skip.
/// </summary>
internal sealed class PrivatePostgresCluster : IAsyncDisposable
{
    private readonly string _version;
    private readonly string _name;

    private PrivatePostgresCluster(string version, string name, int port)
    {
        _version = version;
        _name = name;
        Port = port;
    }

    public int Port { get; }

    /// <summary>A connection string to the cluster's <c>postgres</c> database, in <paramref name="schema"/>.</summary>
    public string ConnectionString(string schema) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = "postgres",
        Database = "postgres",
        SearchPath = schema,
        MaxPoolSize = 20,
    }.ConnectionString;

    public static async Task<PrivatePostgresCluster> CreateAsync(string purpose)
    {
        if (Environment.UserName != "root")
        {
            Assert.Fail($"{purpose.ToUpperInvariant()} NEEDS ITS OWN POSTGRESQL CLUSTER: pg_createcluster needs root, the test runs as '{Environment.UserName}'.");
        }
        var versions = Directory.Exists("/usr/lib/postgresql") ? Directory.GetDirectories("/usr/lib/postgresql").Select(Path.GetFileName).OfType<string>().ToList() : [];
        if (versions.Count == 0) Assert.Fail($"{purpose.ToUpperInvariant()} NEEDS POSTGRESQL INSTALLED (run infra/setup.sh).");
        var version = versions.OrderBy(v => int.TryParse(v, out var n) ? n : 0).Last();
        var cluster = new PrivatePostgresCluster(version, $"ff_{Guid.NewGuid():N}"[..16], FreePort());
        Run($"pg_createcluster {version} {cluster._name} -p {cluster.Port} -- --auth-host=trust --auth-local=trust");
        Run($"pg_ctlcluster {version} {cluster._name} start");
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await using var c = new NpgsqlConnection(cluster.ConnectionString("public"));
                await c.OpenAsync();
                return cluster;
            }
            catch (NpgsqlException) when (attempt < 60)
            {
                await Task.Delay(250);
            }
        }
    }

    /// <summary>Restarts the server (a fast shutdown: sessions are cut, as in a crash or a failover).</summary>
    public void Restart() => Run($"pg_ctlcluster -m fast {_version} {_name} restart");

    public ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        Run($"pg_dropcluster --stop {_version} {_name}", mayFail: true);
        return ValueTask.CompletedTask;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void Run(string command, bool mayFail = false)
    {
        using var process = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", command])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("Could not run " + command);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0 && !mayFail)
        {
            Assert.Fail($"'{command}' exited with {process.ExitCode}: {stderr} {stdout.Result}");
        }
    }
}
