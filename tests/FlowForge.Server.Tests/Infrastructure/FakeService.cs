using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FlowForge.Server.Tests.Infrastructure;

/// <summary>
/// A small real HTTP service on loopback standing in for the outside world (a CRM, an API) that
/// workflows call: counts calls per path, can fail a number of times, be slow, or answer any status.
/// </summary>
public sealed class FakeService : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, int> _calls = new();
    private readonly ConcurrentDictionary<string, int> _failuresLeft = new();
    private readonly ConcurrentQueue<(string Path, string? IdempotencyKey, string Body)> _requests = new();

    private FakeService(WebApplication app) => _app = app;

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Paths whose failures are switched off by <see cref="Heal"/> (for resume tests).</summary>
    public ConcurrentDictionary<string, bool> Broken { get; } = new();

    public static async Task<FakeService> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeService(app);

        // /ok/{name}: 200 {ok, name, call, received}
        app.MapMethods("/ok/{name}", ["GET", "POST", "PUT"], async (HttpContext http, string name) =>
        {
            var call = fake.Record(http, await new StreamReader(http.Request.Body).ReadToEndAsync());
            return Results.Json(new { ok = true, name, call, query = http.Request.Query["q"].ToString() });
        });
        // /flaky/{name}?failures=N&status=500: fails N times with the status, then succeeds.
        app.MapMethods("/flaky/{name}", ["GET", "POST"], async (HttpContext http, string name, int failures, int? status, int? retryAfter) =>
        {
            var call = fake.Record(http, await new StreamReader(http.Request.Body).ReadToEndAsync());
            var left = fake._failuresLeft.AddOrUpdate(http.Request.Path, failures - 1, (_, v) => v - 1);
            if (left >= 0 && retryAfter is { } seconds) http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return left >= 0 ? Results.Json(new { error = "flaky" }, statusCode: status ?? 500) : Results.Json(new { ok = true, name, call });
        });
        // /broken/{name}: 500 while Broken[name] is true.
        app.MapPost("/broken/{name}", async (HttpContext http, string name) =>
        {
            var call = fake.Record(http, await new StreamReader(http.Request.Body).ReadToEndAsync());
            return fake.Broken.GetValueOrDefault(name) ? Results.Json(new { error = "broken" }, statusCode: 500) : Results.Json(new { ok = true, name, call });
        });
        // /slow/{name}?ms=N: answers after N ms.
        app.MapPost("/slow/{name}", async (HttpContext http, string name, int ms) =>
        {
            var call = fake.Record(http, await new StreamReader(http.Request.Body).ReadToEndAsync());
            await Task.Delay(ms);
            return Results.Json(new { ok = true, name, call });
        });
        // /redirect?to=URL: 302 to that URL.
        app.MapGet("/redirect", (HttpContext http, string to) =>
        {
            fake.Record(http, "");
            return Results.Redirect(to);
        });
        // /status/{code}: answers that status.
        app.MapGet("/status/{code:int}", (HttpContext http, int code) =>
        {
            fake.Record(http, "");
            return Results.Json(new { status = code }, statusCode: code);
        });

        await app.StartAsync();
        fake.BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return fake;
    }

    public string Url(string pathAndQuery) => new Uri(BaseAddress, pathAndQuery).ToString();

    public int Calls(string path) => _calls.GetValueOrDefault(path);

    public IReadOnlyList<(string Path, string? IdempotencyKey, string Body)> Requests => [.. _requests];

    /// <summary>When each request arrived.</summary>
    public ConcurrentQueue<(string Path, DateTimeOffset At)> Times { get; } = new();

    /// <summary>Each request's idempotency key and arrival time (the chaos soak bounds re-runs per key by the crashes between them).</summary>
    public ConcurrentQueue<(string Path, string? IdempotencyKey, DateTimeOffset At)> KeyedTimes { get; } = new();

    private int Record(HttpContext http, string body)
    {
        _requests.Enqueue((http.Request.Path, http.Request.Headers["Idempotency-Key"].FirstOrDefault(), body));
        var at = DateTimeOffset.UtcNow;
        Times.Enqueue((http.Request.Path, at));
        KeyedTimes.Enqueue((http.Request.Path, http.Request.Headers["Idempotency-Key"].FirstOrDefault(), at));
        return _calls.AddOrUpdate(http.Request.Path, 1, (_, v) => v + 1);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
