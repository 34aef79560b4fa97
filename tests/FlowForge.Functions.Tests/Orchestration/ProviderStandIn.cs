using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FlowForge.Functions.Tests.Orchestration;

/// <summary>
/// A small real HTTP provider on loopback (Kestrel) that workflows' <c>action_http</c> steps call through the server's
/// handler and egress policy, as tests/FlowForge.Server.Tests' FakeService does: counts calls, fails on request, and
/// records when each call arrived and with which idempotency key.
/// </summary>
internal sealed class ProviderStandIn : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, int> _calls = new();
    private readonly ConcurrentDictionary<string, int> _failuresLeft = new();
    private readonly ConcurrentQueue<(string Path, string? IdempotencyKey, DateTimeOffset At)> _requests = new();

    private ProviderStandIn(WebApplication app) => _app = app;

    public Uri BaseAddress { get; private set; } = null!;

    public static async Task<ProviderStandIn> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var provider = new ProviderStandIn(app);

        // /ok/{name}: 200 {ok, name, call, echo: the request body}.
        app.MapMethods("/ok/{name}", ["GET", "POST"], async (HttpContext http, string name) =>
        {
            var body = await new StreamReader(http.Request.Body).ReadToEndAsync();
            var call = provider.Record(http);
            return Results.Json(new { ok = true, name, call, echo = body });
        });
        // /flaky/{name}?failures=N&status=S&retryAfter=SECONDS: fails N times with S (Retry-After when given), then 200.
        app.MapMethods("/flaky/{name}", ["GET", "POST"], (HttpContext http, string name, int failures, int? status, int? retryAfter) =>
        {
            var call = provider.Record(http);
            var left = provider._failuresLeft.AddOrUpdate(http.Request.Path, failures - 1, (_, v) => v - 1);
            if (left >= 0 && retryAfter is { } seconds) http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            return left >= 0 ? Results.Json(new { error = "flaky" }, statusCode: status ?? 500) : Results.Json(new { ok = true, name, call });
        });
        // /status/{code}: always that status.
        app.MapMethods("/status/{code:int}", ["GET", "POST"], (HttpContext http, int code) =>
        {
            provider.Record(http);
            return Results.Json(new { status = code }, statusCode: code);
        });
        await app.StartAsync();
        provider.BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return provider;
    }

    public string Url(string pathAndQuery) => new Uri(BaseAddress, pathAndQuery).ToString();

    public int Calls(string path) => _calls.GetValueOrDefault(path);

    public IReadOnlyList<(string Path, string? IdempotencyKey, DateTimeOffset At)> Requests => [.. _requests];

    private int Record(HttpContext http)
    {
        _requests.Enqueue((http.Request.Path, http.Request.Headers["Idempotency-Key"].FirstOrDefault(), DateTimeOffset.UtcNow));
        return _calls.AddOrUpdate(http.Request.Path, 1, (_, v) => v + 1);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
