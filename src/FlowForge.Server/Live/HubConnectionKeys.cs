using System.Collections.Concurrent;
using System.Text.Json;
using FlowForge.Server.Api;
using FlowForge.Server.Auth;

namespace FlowForge.Server.Live;

/// <summary>
/// Binds each hub connection token to the API key that negotiated it. SignalR itself only logs a warning when a later
/// request of a connection (a long poll, a send) carries another user, and then runs the connection as that user; here
/// such a request is refused with 403, so a connection token obtained with one key is worth nothing with another.
/// </summary>
internal sealed class HubConnectionKeys(TimeProvider clock)
{
    /// <summary>A negotiated token that never connects is forgotten after this (SignalR drops it much sooner).</summary>
    private static readonly TimeSpan Unused = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, Binding> _bindings = new(StringComparer.Ordinal);

    public int Count => _bindings.Count;

    /// <summary>Middleware for the hub path, after authentication and authorization.</summary>
    public async Task InvokeAsync(HttpContext http, RequestDelegate next)
    {
        if (!http.Request.Path.StartsWithSegments(ExecutionsHub.Path, out var rest))
        {
            await next(http);
            return;
        }
        var keyId = http.User.KeyId();
        if (rest.Equals("/negotiate", StringComparison.OrdinalIgnoreCase))
        {
            await NegotiateAsync(http, next, keyId);
            return;
        }
        var token = http.Request.Query["id"].ToString();
        if (token.Length > 0 && _bindings.TryGetValue(token, out var binding) && !string.Equals(binding.KeyId, keyId, StringComparison.Ordinal))
        {
            await Problems.Create(StatusCodes.Status403Forbidden, "forbidden", "Forbidden",
                "This hub connection was opened with another API key; negotiate a new connection with this key.").ExecuteAsync(http);
            return;
        }
        await next(http);
    }

    /// <summary>The hub saw the connection start: it is kept until <see cref="Disconnected"/>.</summary>
    public void Connected(string? token)
    {
        if (!string.IsNullOrEmpty(token) && _bindings.TryGetValue(token, out var binding)) binding.Connected = true;
    }

    public void Disconnected(string? token)
    {
        if (!string.IsNullOrEmpty(token)) _bindings.TryRemove(token, out _);
    }

    /// <summary>Forgets tokens negotiated but never connected.</summary>
    public void PurgeUnused()
    {
        var cutoff = clock.GetUtcNow() - Unused;
        foreach (var (token, binding) in _bindings)
        {
            if (!binding.Connected && binding.NegotiatedAt < cutoff) _bindings.TryRemove(token, out _);
        }
    }

    private async Task NegotiateAsync(HttpContext http, RequestDelegate next, string? keyId)
    {
        // The token exists only in the negotiate response: keep a copy of that (small) body to read it.
        var original = http.Response.Body;
        using var buffer = new MemoryStream();
        http.Response.Body = buffer;
        try
        {
            await next(http);
        }
        finally
        {
            http.Response.Body = original;
        }
        if (keyId is not null && http.Response.StatusCode == StatusCodes.Status200OK && ReadToken(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)) is { } token)
        {
            _bindings[token] = new Binding(keyId, clock.GetUtcNow());
        }
        buffer.Position = 0;
        await buffer.CopyToAsync(original, http.RequestAborted);
    }

    /// <summary><c>connectionToken</c> (protocol 1), else <c>connectionId</c> (protocol 0, where the id is the token).</summary>
    private static string? ReadToken(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            using var doc = JsonDocument.ParseValue(ref reader);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return null;
            if (root.TryGetProperty("connectionToken", out var token) && token.ValueKind == JsonValueKind.String) return token.GetString();
            if (root.TryGetProperty("connectionId", out var id) && id.ValueKind == JsonValueKind.String) return id.GetString();
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private sealed class Binding(string keyId, DateTimeOffset negotiatedAt)
    {
        public string KeyId { get; } = keyId;
        public DateTimeOffset NegotiatedAt { get; } = negotiatedAt;
        public volatile bool Connected;
    }
}
