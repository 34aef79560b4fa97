using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace FlowForge.Server.Tests.Nodes.Actions;

/// <summary>
/// A real HTTP server on loopback standing in for the WhatsApp Cloud API, the voice service and a CRM: it
/// records every request (method, path, headers, body) and answers like the provider, or with scripted answers.
/// </summary>
public sealed class ProviderFake : IAsyncDisposable
{
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<ScriptedResponse>> _scripts = new();
    private int _counter;
    private WebApplication _app = null!;

    public int Port { get; private set; }

    public string BaseUrl => $"http://127.0.0.1:{Port}";

    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    /// <summary>The requests of one execution (its idempotency keys start with the execution id).</summary>
    public IReadOnlyList<RecordedRequest> For(string executionId) =>
        [.. _requests.Where(r => r.Header("Idempotency-Key")?.StartsWith(executionId + ":", StringComparison.Ordinal) == true)];

    /// <summary>The next answers to <paramref name="method"/> <paramref name="path"/>, in order, before the normal ones.</summary>
    public void Script(string method, string path, params ScriptedResponse[] responses)
    {
        var queue = _scripts.GetOrAdd($"{method} {path}", _ => new ConcurrentQueue<ScriptedResponse>());
        foreach (var r in responses) queue.Enqueue(r);
    }

    public static async Task<ProviderFake> StartAsync(int port)
    {
        var fake = new ProviderFake { Port = port };
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        fake._app = builder.Build();
        fake._app.Run(fake.HandleAsync);
        await fake._app.StartAsync();
        return fake;
    }

    private async Task HandleAsync(HttpContext http)
    {
        var body = await new StreamReader(http.Request.Body, Encoding.UTF8).ReadToEndAsync();
        var headers = http.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var request = new RecordedRequest(http.Request.Method, http.Request.Path.Value ?? "", headers, body);
        _requests.Enqueue(request);
        var n = Interlocked.Increment(ref _counter);

        var response = _scripts.TryGetValue($"{request.Method} {request.Path}", out var queue) && queue.TryDequeue(out var scripted)
            ? scripted
            : Default(request, n);
        if (response.DelayMs > 0) await Task.Delay(response.DelayMs);
        http.Response.StatusCode = response.Status;
        if (response.RetryAfter is { } retryAfter) http.Response.Headers.RetryAfter = retryAfter;
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(response.Body);
    }

    private static ScriptedResponse Default(RecordedRequest r, int n) => (r.Method, r.Path) switch
    {
        ("POST", var p) when p.EndsWith("/messages", StringComparison.Ordinal) =>
            new(200, $$"""{"messaging_product":"whatsapp","contacts":[{"input":"x","wa_id":"x"}],"messages":[{"id":"wamid.{{n}}"}]}"""),
        ("POST", var p) when p.EndsWith("/twilio/outbound-call", StringComparison.Ordinal) => new(200, $$"""{"callId":"call_{{n}}"}"""),
        ("POST", var p) when p.EndsWith("/records", StringComparison.Ordinal) => new(201, $$"""{"id":"rec_{{n}}"}"""),
        ("PATCH", var p) when p.Contains("/records/", StringComparison.Ordinal) => new(200, $$"""{"id":"{{p[(p.LastIndexOf('/') + 1)..]}}"}"""),
        _ => new(404, """{"error":{"message":"no such endpoint"}}"""),
    };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

public sealed record RecordedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;
}

public sealed record ScriptedResponse(int Status, string Body, int DelayMs = 0, string? RetryAfter = null);
