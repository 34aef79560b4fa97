using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Azure.Data.Tables;

namespace FlowForge.Functions.Tests.Azurite;

/// <summary>
/// Azurite's Table service (the Azure Storage emulator, pinned in tests/FlowForge.Functions.Tests/azurite and installed
/// by infra/setup.sh), started for a test collection on a free loopback port with its data in a temporary folder, and
/// stopped with it. Tests isolate themselves by table-name prefix or organisation, never by an empty account.
/// FLOWFORGE_TEST_TABLES set to a connection string uses that account instead (a real storage account, or an Azurite
/// started by hand) and starts nothing.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    /// <summary>Azurite's well-known development account (public, documented by Microsoft; not a secret).</summary>
    private const string DevAccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private Process? _process;
    private string? _location;

    /// <summary>The Table endpoint's connection string (the form AzureWebJobsStorage takes).</summary>
    public string ConnectionString { get; private set; } = "";

    public async Task InitializeAsync()
    {
        if (Environment.GetEnvironmentVariable("FLOWFORGE_TEST_TABLES") is { Length: > 0 } given)
        {
            ConnectionString = given;
            return;
        }
        var script = FindAzuriteTable();
        _location = Directory.CreateTempSubdirectory("flowforge-azurite-").FullName;
        var port = FreePort();
        var start = new ProcessStartInfo("node")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[]
                 {
                     script, "--tableHost", "127.0.0.1", "--tablePort", port.ToString(), "--location", _location,
                     // The SDK may speak a newer service version than this Azurite knows; the Table API is unchanged.
                     "--skipApiVersionCheck", "--silent", "--disableTelemetry",
                 })
        {
            start.ArgumentList.Add(arg);
        }
        _process = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        // Drained so a chatty emulator never blocks on a full pipe; kept for the failure message.
        var output = new System.Text.StringBuilder();
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        ConnectionString = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={DevAccountKey};TableEndpoint=http://127.0.0.1:{port}/devstoreaccount1;";
        var service = new TableServiceClient(ConnectionString, new TableClientOptions { Retry = { MaxRetries = 0 } });
        var deadline = DateTime.UtcNow.AddSeconds(60); // a readiness bound, not an assertion: Azurite starts in ~1 s
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"Azurite exited with code {_process.ExitCode} before answering: {Snapshot(output)}");
            }
            try
            {
                // A real request, not just an open port: the service answers once its metadata store is loaded.
                await foreach (var _ in service.QueryAsync(maxPerPage: 1)) break;
                return;
            }
            catch (Exception e) when (e is Azure.RequestFailedException or HttpRequestException or TaskCanceledException)
            {
                if (DateTime.UtcNow >= deadline)
                {
                    throw new TimeoutException($"Azurite did not answer on port {port} within 60 s: {Snapshot(output)}", e);
                }
                await Task.Delay(100);
            }
        }
    }

    public async Task DisposeAsync()
    {
        if (_process is { } p)
        {
            if (!p.HasExited)
            {
                // SIGTERM lets azurite-table close its store cleanly; SIGKILL if it has not exited after a grace period.
                _ = Kill(p.Id, SigTerm);
                using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                try
                {
                    await p.WaitForExitAsync(grace.Token);
                }
                catch (OperationCanceledException)
                {
                    p.Kill(entireProcessTree: true);
                    await p.WaitForExitAsync();
                }
            }
            p.Dispose();
        }
        if (_location is not null)
        {
            try
            {
                Directory.Delete(_location, recursive: true);
            }
            catch (IOException)
            {
                // A temp folder left behind is harmless; failing the run over it is not.
            }
        }
    }

    private const int SigTerm = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    private static string Snapshot(System.Text.StringBuilder output)
    {
        lock (output) return output.ToString();
    }

    /// <summary>A port the kernel just handed out: bound, read and released (the emulator binds it a moment later).</summary>
    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>azurite-table's entry script in the pinned install, looked for upwards from the test assembly.</summary>
    private static string FindAzuriteTable()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "FlowForge.Functions.Tests", "azurite", "node_modules", "azurite", "dist", "src", "table", "main.js");
            if (File.Exists(candidate)) return candidate;
        }
        throw new InvalidOperationException(
            "Azurite is not installed: run `bash infra/setup.sh` (npm ci in tests/FlowForge.Functions.Tests/azurite), or set FLOWFORGE_TEST_TABLES to a Table storage connection string.");
    }
}

/// <summary>One Azurite for every test class that names this collection (it starts in about a second).</summary>
[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}
