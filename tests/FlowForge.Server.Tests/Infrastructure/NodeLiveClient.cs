using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FlowForge.Server.Tests.Infrastructure;

/// <summary>
/// The real JavaScript SignalR client (<c>@microsoft/signalr</c> under Node, <c>live-client/client.js</c>)
/// as a child process: commands go to its stdin, every line it prints (events, results) is collected.
/// </summary>
public sealed class NodeLiveClient : IAsyncDisposable
{
    private static readonly SemaphoreSlim Install = new(1, 1);
    private readonly Process _process;
    private readonly List<JsonNode> _lines = [];
    private readonly SemaphoreSlim _changed = new(0, int.MaxValue);
    private int _nextId;

    private NodeLiveClient(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) =>
        {
            if (string.IsNullOrWhiteSpace(e.Data)) return;
            JsonNode? line;
            try { line = JsonNode.Parse(e.Data); } catch (JsonException) { line = new JsonObject { ["type"] = "text", ["text"] = e.Data }; }
            lock (_lines) _lines.Add(line!);
            _changed.Release();
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_lines) _lines.Add(new JsonObject { ["type"] = "stderr", ["text"] = e.Data }); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>Starts the client and waits for it to connect (or to fail to: see <see cref="ConnectError"/>).</summary>
    public static async Task<NodeLiveClient> StartAsync(Uri baseAddress, string? key)
    {
        var directory = await LocateAsync();
        var info = new ProcessStartInfo("node", [Path.Combine(directory, "client.js"), new Uri(baseAddress, "/hubs/executions").ToString(), key ?? "-"])
        {
            WorkingDirectory = directory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var client = new NodeLiveClient(Process.Start(info) ?? throw new InvalidOperationException("Could not start node."));
        await client.WaitLine(l => (string?)l["type"] is "connected" or "connectError", TimeSpan.FromSeconds(30));
        return client;
    }

    /// <summary>The connection error, when the client could not connect.</summary>
    public JsonNode? ConnectError => Lines.FirstOrDefault(l => (string?)l["type"] == "connectError");

    public IReadOnlyList<JsonNode> Lines { get { lock (_lines) return [.. _lines]; } }

    /// <summary>Every event received so far: (name, data).</summary>
    public IReadOnlyList<(string Name, JsonNode Data)> Events =>
        [.. Lines.Where(l => (string?)l["type"] == "event").Select(l => ((string)l["name"]!, l["data"]!))];

    public IReadOnlyList<(string Name, JsonNode Data)> EventsOf(string executionId) =>
        [.. Events.Where(e => (string?)e.Data["executionId"] == executionId)];

    /// <summary>Invokes a hub method; returns null on success, else the error message.</summary>
    public async Task<string?> Invoke(string method, params object[] args)
    {
        var id = Interlocked.Increment(ref _nextId);
        await _process.StandardInput.WriteLineAsync(JsonSerializer.Serialize(new { id, invoke = method, args }));
        await _process.StandardInput.FlushAsync();
        var result = await WaitLine(l => (string?)l["type"] == "result" && (int?)l["id"] == id, TimeSpan.FromSeconds(30));
        return (bool)result["ok"]! ? null : (string?)result["error"];
    }

    public async Task<JsonNode> WaitLine(Func<JsonNode, bool> predicate, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var found = Lines.FirstOrDefault(predicate);
            if (found is not null) return found;
            if (DateTime.UtcNow > deadline) throw Timeout();
            if (_process.HasExited)
            {
                await Task.Delay(200);
                return Lines.FirstOrDefault(predicate) ?? throw Timeout();
            }
            await _changed.WaitAsync(TimeSpan.FromMilliseconds(200));
        }
    }

    private TimeoutException Timeout() =>
        new("The live client did not print the expected line. It printed:\n" + string.Join("\n", Lines.Select(l => l.ToJsonString())));

    /// <summary>Waits for an event of the execution with the given name (e.g. its terminal event).</summary>
    public Task<JsonNode> WaitEvent(string executionId, string name, TimeSpan? timeout = null) =>
        WaitLine(l => (string?)l["type"] == "event" && (string?)l["name"] == name && (string?)l["data"]?["executionId"] == executionId, timeout ?? TimeSpan.FromSeconds(30));

    /// <summary>Finds <c>tests/FlowForge.Server.Tests/live-client</c> above the test binaries; runs <c>npm ci</c> once if infra/setup.sh has not.</summary>
    private static async Task<string> LocateAsync()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        string? found = null;
        for (; dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "FlowForge.Server.Tests", "live-client");
            if (File.Exists(Path.Combine(candidate, "client.js"))) { found = candidate; break; }
            candidate = Path.Combine(dir.FullName, "live-client");
            if (File.Exists(Path.Combine(candidate, "client.js"))) { found = candidate; break; }
        }
        if (found is null) throw new InvalidOperationException("live-client/client.js was not found above " + AppContext.BaseDirectory);
        await Install.WaitAsync();
        try
        {
            if (!Directory.Exists(Path.Combine(found, "node_modules", "@microsoft", "signalr")))
            {
                using var npm = Process.Start(new ProcessStartInfo("npm", ["ci", "--no-audit", "--no-fund"]) { WorkingDirectory = found, UseShellExecute = false })!;
                await npm.WaitForExitAsync();
                if (npm.ExitCode != 0) throw new InvalidOperationException("npm ci failed in " + found + " (run infra/setup.sh).");
            }
        }
        finally
        {
            Install.Release();
        }
        return found;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.StandardInput.Close();
                if (!_process.WaitForExit(3000)) _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException) { }
        _process.Dispose();
        await Task.CompletedTask;
    }
}
