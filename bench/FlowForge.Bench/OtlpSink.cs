using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FlowForge.Bench;

/// <summary>
/// An OTLP/HTTP collector that keeps nothing: a loopback Kestrel endpoint accepting <c>/v1/traces</c>, <c>/v1/metrics</c>
/// and <c>/v1/logs</c>, reading each body to the end and answering 200 with an empty (valid) protobuf response. The server
/// under test then pays the whole export path (batching, protobuf serialization, HTTP) as it would against a real
/// collector, and the bench can say how much it sent. It runs in the bench process, so its (small) CPU is counted too.
/// </summary>
public sealed class OtlpSink : IAsyncDisposable
{
    private readonly WebApplication _app;
    private long _requests, _bytes;

    private OtlpSink(WebApplication app) => _app = app;

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Export requests received (all signals).</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Bytes of protobuf received (all signals).</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    public static async Task<OtlpSink> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var sink = new OtlpSink(app);
        app.MapPost("/v1/{signal}", async (HttpContext http) =>
        {
            var buffer = new byte[16 * 1024];
            long read = 0;
            int n;
            while ((n = await http.Request.Body.ReadAsync(buffer)) > 0) read += n;
            Interlocked.Increment(ref sink._requests);
            Interlocked.Add(ref sink._bytes, read);
            return Results.Bytes([], "application/x-protobuf");
        });
        await app.StartAsync();
        sink.BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return sink;
    }

    /// <summary>The server's settings to export everything here (the standard variables, as configuration).</summary>
    public Dictionary<string, string?> ServerSettings() => new()
    {
        ["Telemetry:Enabled"] = "true",
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = BaseAddress.ToString().TrimEnd('/'),
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        // Metrics every 5 s instead of 60, so a short bench run pays for its exports too.
        ["OTEL_METRIC_EXPORT_INTERVAL"] = "5000",
    };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
