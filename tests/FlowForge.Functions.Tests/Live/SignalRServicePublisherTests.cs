using System.Text.Json.Nodes;
using FlowForge.Core.Engine.History;
using FlowForge.Core.Storage;
using FlowForge.Functions.Live;
using Microsoft.Extensions.Logging;

namespace FlowForge.Functions.Tests.Live;

/// <summary>
/// Live progress through SignalR Service's REST API, against a loopback stand-in: the routes of the hub's groups, the
/// signed token the service checks, the server hub's event names and payloads, and failures that never reach the turn.
/// </summary>
public sealed class SignalRServicePublisherTests : IAsyncLifetime, IDisposable
{
    private const string AccessKey = "c2VjcmV0LWFjY2Vzcy1rZXktZm9yLXRlc3RzLW9ubHktMTIzNDU2Nzg5MA==";
    private static readonly DateTimeOffset Now = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);

    private SignalRServiceStandIn _service = null!;
    private readonly RecordingLogger _log = new();
    private readonly HttpClient _http = new();

    public async Task InitializeAsync() => _service = await SignalRServiceStandIn.StartAsync();

    public async Task DisposeAsync() => await _service.DisposeAsync();

    public void Dispose() => _http.Dispose();

    private SignalRServicePublisher Publisher(out SignalRServiceEndpoint endpoint)
    {
        endpoint = new SignalRServiceEndpoint($"Endpoint={_service.Endpoint};AccessKey={AccessKey};Version=1.0;");
        return new SignalRServicePublisher(new SignalRServiceRest(_http, endpoint, "Executions", new FixedTime(Now)), _log, new FixedTime(Now));
    }

    private static ExecutionRecord Execution(string status) =>
        new("ex_1", "org_1", "wf_1", 2, status, null, null, null, null, null, Now.AddMinutes(-1), null, Now, 0);

    [Fact]
    public async Task Publish_PostsTheHubsEvents_ToTheGroupsTheHubRoutesThemTo_WithAServerTokenForEachUrl()
    {
        var publisher = Publisher(out _);
        HistoryEvent[] turn =
        [
            new ExecutionStarted("wf_1", 2, new JsonObject { ["n"] = 1 }, "trigger") { Timestamp = Now.AddMinutes(-1) },
            new StepScheduled("s1", "n1", "http.request", 1, null) { Timestamp = Now.AddSeconds(-2) },
            new StepCompleted("s1", "n1", "http.request", 1, new JsonObject { ["ok"] = true }, "main") { Timestamp = Now },
        ];

        await publisher.PublishAsync(Execution(ExecutionStatus.Running), 0, turn);

        var calls = _service.Calls.ToList();
        // started (lifecycle: execution, workflow, organisation), then two step events (execution only), in order.
        Assert.Equal(
        [
            "/api/v1/hubs/executions/groups/execution%3Aex_1",
            "/api/v1/hubs/executions/groups/workflow%3Aorg_1%3Awf_1",
            "/api/v1/hubs/executions/groups/organization%3Aorg_1",
            "/api/v1/hubs/executions/groups/execution%3Aex_1",
            "/api/v1/hubs/executions/groups/execution%3Aex_1",
        ], calls.Select(c => c.RawPath));
        Assert.All(calls, c => Assert.Equal("POST", c.Method));
        Assert.Equal(["execution:started", "execution:started", "execution:started", "execution:step", "execution:step"], calls.Select(c => (string?)c.Body!["target"]));

        foreach (var call in calls)
        {
            var claims = SignalRServiceStandIn.VerifiedClaims(call.Token!, AccessKey);
            Assert.Equal(call.Url, (string?)claims["aud"]);
            Assert.Equal(Now.AddMinutes(5).ToUnixTimeSeconds(), SignalRServiceStandIn.Seconds(claims["exp"]));
        }

        var completed = calls[4].Body!["arguments"]!.AsArray().Single()!;
        Assert.Equal(("ex_1", "wf_1", 3L, "s1", "completed"), ((string?)completed["executionId"], (string?)completed["workflowId"], (long)completed["sequence"]!, (string?)completed["stepId"], (string?)completed["status"]));
        Assert.True(JsonNode.DeepEquals(new JsonObject { ["ok"] = true }, completed["output"]));
        Assert.Equal(2000d, (double)completed["duration"]!); // started in the same turn: its duration is known
    }

    [Fact]
    public async Task Publish_WhenTheServiceFails_LogsAndReturns_WithoutThrowingToTheTurn()
    {
        var publisher = Publisher(out _);
        _service.Status = 500;

        await publisher.PublishAsync(Execution(ExecutionStatus.Completed), 4, [new ExecutionCompleted(null) { Timestamp = Now }]);

        Assert.Single(_service.Calls); // the rest of the turn is not tried against a failing service
        var entry = Assert.Single(_log.Entries);
        Assert.Equal((LogLevel.Warning, 2250), (entry.Level, entry.Id));
        Assert.Contains("500", entry.Exception!.Message);
    }

    [Fact]
    public async Task Publish_ToAnUnreachableService_LogsAndReturns()
    {
        // A port the kernel handed out and took back: nothing listens there.
        int port;
        using (var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        }
        var endpoint = new SignalRServiceEndpoint($"Endpoint=http://127.0.0.1:{port};AccessKey={AccessKey};Version=1.0;");
        var publisher = new SignalRServicePublisher(new SignalRServiceRest(_http, endpoint, "executions", new FixedTime(Now)), _log, new FixedTime(Now));

        await publisher.PublishAsync(Execution(ExecutionStatus.Failed), 4, [new ExecutionFailed("boom") { Timestamp = Now }]);

        Assert.Equal(2250, Assert.Single(_log.Entries).Id);
    }

    [Fact]
    public async Task Groups_AddAndRemoveAConnection_OnTheirRoutes()
    {
        var endpoint = new SignalRServiceEndpoint($"Endpoint={_service.Endpoint};AccessKey={AccessKey};Version=1.0;");
        var rest = new SignalRServiceRest(_http, endpoint, "executions", new FixedTime(Now));

        await rest.AddToGroupAsync(LiveGroups.Execution("ex_9"), "conn-1", default);
        await rest.RemoveFromGroupAsync(LiveGroups.Execution("ex_9"), "conn-1", default);

        Assert.Equal([("PUT", "/api/v1/hubs/executions/groups/execution%3Aex_9/connections/conn-1"), ("DELETE", "/api/v1/hubs/executions/groups/execution%3Aex_9/connections/conn-1")],
            _service.Calls.Select(c => (c.Method, c.RawPath)));
    }

    [Fact]
    public void ClientToken_IsSignedForTheClientUrl_WithTheUserAndAnExpiry()
    {
        var endpoint = new SignalRServiceEndpoint("Endpoint=https://ff.service.signalr.net;AccessKey=" + AccessKey + ";Version=1.0;");

        var token = endpoint.ClientToken("Executions", "org_1:key_1", TimeSpan.FromHours(1), Now);

        Assert.Equal("https://ff.service.signalr.net/client/?hub=executions", endpoint.ClientUrl("Executions"));
        var claims = SignalRServiceStandIn.VerifiedClaims(token, AccessKey);
        Assert.Equal(("https://ff.service.signalr.net/client/?hub=executions", "org_1:key_1"), ((string?)claims["aud"], (string?)claims["nameid"]));
        Assert.Equal(Now.AddHours(1).ToUnixTimeSeconds(), SignalRServiceStandIn.Seconds(claims["exp"]));
        Assert.Throws<ArgumentException>(() => new SignalRServiceEndpoint("Endpoint=https://x.service.signalr.net;Version=1.0;"));
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    internal sealed class RecordingLogger : ILogger<SignalRServicePublisher>
    {
        public sealed record Entry(LogLevel Level, int Id, Exception? Exception);

        public List<Entry> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Entries) Entries.Add(new Entry(logLevel, eventId.Id, exception));
        }
    }
}
