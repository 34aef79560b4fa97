using FlowForge.Core.Catalog;
using FlowForge.Server.Nodes;
using FlowForge.Server.Telemetry;
using FlowForge.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Logs;

namespace FlowForge.Server.Tests.Telemetry;

/// <summary>A server with telemetry on whose sentiment handler throws, its log records exported into <see cref="Logs"/>.</summary>
public sealed class LoggingTelemetryFixture() : ServerFixture(new Dictionary<string, string?> { ["Telemetry:Enabled"] = "true" })
{
    public List<LogRecord> Logs { get; } = [];

    protected override void Configure(WebApplicationBuilder builder)
    {
        builder.Services.ConfigureOpenTelemetryLoggerProvider(logging => logging.AddInMemoryExporter(Logs));
        builder.Services.AddSingleton(sp => new NodeHandlerRegistry(
            sp.GetServices<INodeHandler>().Where(h => h.NodeType != NodeTypeNames.UtilitySentiment).Append(new Throwing())));
    }

    private sealed class Throwing : INodeHandler
    {
        public string NodeType => NodeTypeNames.UtilitySentiment;

        public Task<NodeResult> RunAsync(NodeRunContext context, CancellationToken ct) => throw new InvalidOperationException("a handler bug");
    }
}

/// <summary>What a step logs is correlated with its execution: the trace and span of the attempt, and the execution id.</summary>
public sealed class TelemetryLogsTests(LoggingTelemetryFixture server) : IClassFixture<LoggingTelemetryFixture>
{
    [Fact]
    public async Task StepLog_CarriesTheExecutionsTraceId_AndTheExecutionIdScope()
    {
        var client = server.Client();
        var id = await client.Execute(await client.Publish("""
            { "name": "logged", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "mood", "type": "utility_sentiment", "config": { "inputText": "fine", "retry": { "maxAttempts": 1 } } } ],
              "edges": [ { "source": "t", "target": "mood" } ] }
            """));
        Assert.Equal("failed", (string?)(await client.WaitFinished(id))["status"]);

        List<LogRecord> crashed;
        lock (server.Logs) crashed = [.. server.Logs.Where(l => l.EventId.Id == 1103 && l.FormattedMessage?.Contains(id, StringComparison.Ordinal) == true)];
        var record = Assert.Single(crashed);
        Assert.Equal(ExecutionTrace.TraceIdOf(id), record.TraceId.ToHexString());
        var scopes = new List<KeyValuePair<string, object?>>();
        record.ForEachScope((scope, list) =>
        {
            foreach (var item in scope) list.Add(item);
        }, scopes);
        Assert.Contains(scopes, s => s.Key == FlowForgeTelemetry.ExecutionTag && (string?)s.Value == id);
    }
}
