using System.Text.Json.Nodes;
using Azure.Data.Tables;
using FlowForge.Core.Engine.History;
using FlowForge.Core.Storage;
using FlowForge.Functions.ExecutionLog;
using FlowForge.Functions.Live;
using FlowForge.Functions.Tests.Azurite;
using Microsoft.Extensions.Logging.Abstractions;

namespace FlowForge.Functions.Tests.Live;

/// <summary>
/// A step that finishes in a later turn than it started gets its duration from the start recorded in the Table log,
/// as the server's broadcaster gives it from memory: turns may run on different instances here.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class PublisherStepDurationTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);
    private const string AccessKey = "ZHVyYXRpb24tdGVzdHMta2V5LTAxMjM0NTY3ODlhYmNkZWY=";
    private SignalRServiceStandIn _service = null!;
    private TableExecutionLog _log = null!;

    public async Task InitializeAsync()
    {
        _service = await SignalRServiceStandIn.StartAsync();
        _log = new TableExecutionLog(new TableServiceClient(azurite.ConnectionString), "d" + Guid.NewGuid().ToString("N")[..10]);
        await _log.EnsureCreatedAsync();
    }

    public async Task DisposeAsync() => await _service.DisposeAsync();

    [Fact]
    public async Task AStepFinishingInALaterTurn_HasTheDurationSinceItsLatestRecordedStart()
    {
        using var http = new HttpClient();
        var endpoint = new SignalRServiceEndpoint($"Endpoint={_service.Endpoint};AccessKey={AccessKey};Version=1.0;");
        var publisher = new SignalRServicePublisher(new SignalRServiceRest(http, endpoint, "executions", TimeProvider.System),
            NullLogger<SignalRServicePublisher>.Instance, TimeProvider.System, _log);
        var id = (await _log.CreateAsync(new NewExecution("ex_" + Guid.NewGuid().ToString("N"), "org_1", "wf_1", 1, null), T0)).Execution.Id;
        // Attempt 1 started at T0 and failed; attempt 2 started at T0 + 10 s; it completes in a later turn at T0 + 13.5 s.
        HistoryEvent[] first =
        [
            new ExecutionStarted("wf_1", 1, null, "trigger") { Timestamp = T0 },
            new StepScheduled("s1", "n1", "http.request", 1, null) { Timestamp = T0 },
            new StepScheduled("s2", "n2", "http.request", 1, null) { Timestamp = T0 },
        ];
        await _log.AppendAsync(id, 0, first, ExecutionStatus.Running, T0);
        HistoryEvent[] second =
        [
            new StepFailed("s1", "n1", "http.request", 1, "503") { Timestamp = T0.AddSeconds(1) },
            new TimerCreated("retry:s1:1", T0.AddSeconds(10), TimerPurpose.Retry, "s1") { Timestamp = T0.AddSeconds(1) },
        ];
        await _log.AppendAsync(id, 3, second, ExecutionStatus.Running, T0.AddSeconds(1));
        HistoryEvent[] third = [new StepScheduled("s1", "n1", "http.request", 2, null) { Timestamp = T0.AddSeconds(10) }];
        await _log.AppendAsync(id, 5, third, ExecutionStatus.Running, T0.AddSeconds(10));
        HistoryEvent[] fourth =
        [
            new StepCompleted("s1", "n1", "http.request", 2, new JsonObject(), "main") { Timestamp = T0.AddSeconds(13.5) },
            new StepCompleted("s2", "n2", "http.request", 1, new JsonObject(), "main") { Timestamp = T0.AddSeconds(14) },
            // A start later in the same turn (read back from the log too) must not count for the finishes before it.
            new StepScheduled("s2", "n2", "http.request", 2, null) { Timestamp = T0.AddSeconds(14) },
        ];
        await _log.AppendAsync(id, 6, fourth, ExecutionStatus.Running, T0.AddSeconds(14));
        var execution = await _log.GetForHostAsync(id);

        await publisher.PublishAsync(execution!, 6, fourth);

        var steps = _service.Calls.Select(c => c.Body!["arguments"]![0]!).Where(s => (string?)s["status"] == "completed").ToList();
        Assert.Equal([("s1", 3500d), ("s2", 14000d)], steps.Select(s => ((string)s["stepId"]!, (double)s["duration"]!)));
    }
}
