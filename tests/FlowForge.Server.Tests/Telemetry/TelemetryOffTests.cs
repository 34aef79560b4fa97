using System.Net;
using FlowForge.Server.Engine;
using FlowForge.Server.Telemetry;
using FlowForge.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace FlowForge.Server.Tests.Telemetry;

/// <summary>By default telemetry is off: no SDK, nothing subscribed to the engine's feed, no <c>/metrics</c>.</summary>
public sealed class TelemetryOffTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task ByDefault_NoProviderOrFeedListenerIsRegistered_AndMetricsIsNotFound()
    {
        Assert.Null(server.Services.GetService<TracerProvider>());
        Assert.Null(server.Services.GetService<MeterProvider>());
        Assert.DoesNotContain(server.Services.GetServices<IHostedService>(), s => s is ExecutionMetrics or StoreGauges);

        // A run completes with nothing but the live broadcaster's feed handler (and the test's waiter) on the engine's feed.
        var client = server.Client();
        var done = await client.WaitFinished(await client.Execute(await client.Publish(Workflows.Simple())));
        Assert.Equal("completed", (string?)done["status"]);
        var feed = server.Services.GetRequiredService<ExecutionEvents>();
        Assert.DoesNotContain(feed.Subscribers(), s => s.Method.DeclaringType == typeof(ExecutionMetrics));

        var response = await server.Client(key: null).GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
