using System.Net;
using FlowForge.Server.Telemetry;
using FlowForge.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace FlowForge.Server.Tests.Telemetry;

/// <summary>The real server with telemetry on and its Prometheus page, plus a fake provider to call.</summary>
public sealed class TelemetryFixture : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "flowforge-tests", Guid.NewGuid().ToString("N"));

    public FakeService Fake { get; private set; } = null!;

    public TelemetryServer Server { get; private set; } = null!;

    public SpanCollection Spans { get; } = new();

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        Fake = await FakeService.StartAsync();
        Server = new TelemetryServer(Path.Combine(_directory, "flowforge.db"), Spans);
        await Server.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        await Fake.DisposeAsync();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}

/// <summary>The metrics move with what executions do, per workflow, and the Prometheus page shows them.</summary>
public sealed class TelemetryMetricsTests(TelemetryFixture fixture) : IClassFixture<TelemetryFixture>
{
    private readonly HttpClient _client = fixture.Server.Client();

    private static readonly string Workflow = FlowForgeTelemetry.WorkflowTag, Node = FlowForgeTelemetry.NodeTypeTag, Outcome = FlowForgeTelemetry.OutcomeTag;

    private string CallOnce(string url, int maxAttempts) => $$$"""
        { "name": "metered", "nodes": [
            { "id": "t", "type": "trigger_manual" },
            { "id": "call", "type": "action_http", "config": { "method": "POST", "url": "{{{fixture.Fake.Url(url)}}}",
              "retry": { "maxAttempts": {{{maxAttempts}}}, "initialInterval": "10ms" } } } ],
          "edges": [ { "source": "t", "target": "call" } ] }
        """;

    [Fact]
    public async Task Counters_MovePerWorkflow_ForStartsOutcomesAndStepAttempts()
    {
        using var log = new MeasurementLog();
        var tag = Guid.NewGuid().ToString("N");
        var retried = await _client.Publish(CallOnce($"/flaky/{tag}-a?failures=1", maxAttempts: 2));
        var failing = await _client.Publish(CallOnce($"/flaky/{tag}-b?failures=5", maxAttempts: 1));

        Assert.Equal("completed", (string?)(await _client.WaitFinished(await _client.Execute(retried)))["status"]);
        Assert.Equal("failed", (string?)(await _client.WaitFinished(await _client.Execute(failing)))["status"]);
        await _client.WaitFinished(await _client.Execute(retried));

        Assert.Equal(2, log.Sum("flowforge.executions.started", (Workflow, retried)));
        Assert.Equal(2, log.Sum("flowforge.executions.completed", (Workflow, retried)));
        Assert.Equal(0, log.Sum("flowforge.executions.failed", (Workflow, retried)));
        Assert.Equal(1, log.Sum("flowforge.executions.started", (Workflow, failing)));
        Assert.Equal(1, log.Sum("flowforge.executions.failed", (Workflow, failing)));
        Assert.Equal(0, log.Sum("flowforge.executions.completed", (Workflow, failing)));

        // The retried workflow: first run failed once then completed, the second run completed at once (the fake failed only once).
        Assert.Equal(1, log.Sum("flowforge.step.attempts", (Workflow, retried), (Node, "action_http"), (Outcome, "failed")));
        Assert.Equal(2, log.Sum("flowforge.step.attempts", (Workflow, retried), (Node, "action_http"), (Outcome, "completed")));
        Assert.Equal(1, log.Sum("flowforge.step.attempts", (Workflow, failing), (Outcome, "failed")));
        // One queue time per run, one retry timer fired.
        Assert.Equal(2, log.Count("flowforge.execution.queue_time", (Workflow, retried)));
        Assert.Equal(1, log.Count("flowforge.timer.lag", (Workflow, retried)));
        // Not tagged by workflow (other servers of the test process add to them): at least ours are there.
        Assert.True(log.Count("flowforge.step.duration", (Node, "action_http")) >= 4);
        Assert.True(log.Count("flowforge.commit.duration") >= 3);
    }

    [Fact]
    public async Task PrometheusPage_ShowsCountersAndTheParkedExecutionsGauge()
    {
        var tag = Guid.NewGuid().ToString("N");
        var workflow = await _client.Publish(CallOnce($"/ok/{tag}", maxAttempts: 1));
        await _client.WaitFinished(await _client.Execute(workflow));
        var waiting = await _client.Execute(await _client.Publish(Workflows.Approval("3d")));
        await _client.WaitFor(waiting, ["waiting"]);
        // The gauge is the last count of the store loop; count now rather than wait for its next pass.
        await fixture.Server.Services.GetRequiredService<StoreGauges>().RefreshAsync(CancellationToken.None);

        // No API key: scrapers have none.
        var scraper = fixture.Server.Client(key: null);
        string page;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        do
        {
            // The exporter caches a scrape briefly; a later one has the new values.
            var response = await scraper.GetAsync("/metrics");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType);
            page = await response.Content.ReadAsStringAsync();
            if (page.Contains(workflow, StringComparison.Ordinal) && Parked(page) >= 1) break;
            await Task.Delay(100);
        } while (DateTime.UtcNow < deadline);

        Assert.Matches($@"flowforge_executions_started(_total)?\{{[^}}]*flowforge_workflow_id=""{workflow}""[^}}]*\}} 1", page);
        Assert.True(Parked(page) >= 1, page);
    }

    /// <summary>
    /// The largest waiting count on the page. The SDK subscribes to meters by name, so another server in the test process
    /// with telemetry on (another test class) shows its own series too: ours is the one with our parked run.
    /// </summary>
    private static int Parked(string page) => System.Text.RegularExpressions.Regex
        .Matches(page, @"flowforge_executions_unfinished\{[^}]*flowforge_status=""waiting""[^}]*\} (\d+)")
        .Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).DefaultIfEmpty(-1).Max();
}
