using System.Buffers;
using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace FlowForge.Server.Tests.Infrastructure;

/// <summary>
/// A minimal SignalR client over a raw <see cref="ClientWebSocket"/> speaking the JSON hub protocol
/// (handshake <c>{"protocol":"json","version":1}\u001e</c>, records ending in <c>\u001e</c>): enough to
/// invoke hub methods and receive server invocations. Used by precise tests and by the live benchmark.
/// </summary>
public sealed class SignalRJsonClient : IAsyncDisposable
{
    private const char Separator = '\u001e';
    private readonly ClientWebSocket _socket = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<string?>> _pending = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private Task? _receiving;
    private int _nextId;

    /// <summary>Called for every server invocation: target, first argument, when it was received.</summary>
    public Action<string, JsonElement, DateTimeOffset>? OnEvent { get; set; }

    /// <summary>Completes when the server closes the connection (with its close message's error, if any).</summary>
    public TaskCompletionSource<string?> Closed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Connects to <c>ws://…/hubs/executions?access_token=key</c> and completes the handshake.</summary>
    public static async Task<SignalRJsonClient> ConnectAsync(Uri baseAddress, string key, CancellationToken ct = default)
    {
        var ws = new UriBuilder(new Uri(baseAddress, "/hubs/executions")) { Scheme = baseAddress.Scheme == "https" ? "wss" : "ws", Query = "access_token=" + Uri.EscapeDataString(key) };
        var client = new SignalRJsonClient();
        await client._socket.ConnectAsync(ws.Uri, ct);
        await client.SendRawAsync("{\"protocol\":\"json\",\"version\":1}" + Separator, ct);
        var handshake = await client.ReceiveRecordsAsync(ct);
        if (handshake.Count == 0 || handshake[0] != "{}") throw new InvalidOperationException("SignalR handshake failed: " + string.Join(" ", handshake));
        // The loops stop on the client's own token (_stop), not the connect call's: they outlive the connect.
        client._receiving = Task.Run(() => client.ReceiveLoopAsync(client._stop.Token), CancellationToken.None);
        _ = Task.Run(() => client.PingLoopAsync(client._stop.Token), CancellationToken.None);
        return client;
    }

    /// <summary>Invokes a hub method and waits for its completion; returns null on success, else the error.</summary>
    public async Task<string?> InvokeAsync(string target, params object[] args)
    {
        var id = Interlocked.Increment(ref _nextId).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var tcs = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = tcs;
        await SendRawAsync(JsonSerializer.Serialize(new { type = 1, invocationId = id, target, arguments = args }) + Separator, CancellationToken.None);
        return await tcs.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>Pings every 10 s, as SignalR clients do, so the server's client timeout does not close the connection.</summary>
    private async Task PingLoopAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(10));
        try
        {
            while (await timer.WaitForNextTickAsync(ct)) await SendRawAsync("{\"type\":6}" + Separator, ct);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    private async Task SendRawAsync(string text, CancellationToken ct)
    {
        await _sendLock.WaitAsync(ct);
        try
        {
            await _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, ct);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private readonly ArrayBufferWriter<byte> _buffer = new(8192);

    /// <summary>Reads one WebSocket message and splits it into records.</summary>
    private async Task<List<string>> ReceiveRecordsAsync(CancellationToken ct)
    {
        _buffer.Clear();
        ValueWebSocketReceiveResult result;
        do
        {
            result = await _socket.ReceiveAsync(_buffer.GetMemory(8192), ct);
            _buffer.Advance(result.Count);
            if (result.MessageType == WebSocketMessageType.Close) return [];
        } while (!result.EndOfMessage);
        var text = Encoding.UTF8.GetString(_buffer.WrittenSpan);
        return [.. text.Split(Separator, StringSplitOptions.RemoveEmptyEntries)];
    }

    private async Task ReceiveLoopAsync(CancellationToken ct)
    {
        string? closeError = null;
        try
        {
            while (!ct.IsCancellationRequested && _socket.State == WebSocketState.Open)
            {
                var records = await ReceiveRecordsAsync(ct);
                if (records.Count == 0 && _socket.State != WebSocketState.Open) break;
                var at = DateTimeOffset.UtcNow;
                foreach (var record in records)
                {
                    using var doc = JsonDocument.Parse(record);
                    var root = doc.RootElement;
                    switch (root.GetProperty("type").GetInt32())
                    {
                        case 1: // invocation
                            var args = root.GetProperty("arguments");
                            OnEvent?.Invoke(root.GetProperty("target").GetString()!, args.GetArrayLength() > 0 ? args[0].Clone() : default, at);
                            break;
                        case 3: // completion
                            var id = root.GetProperty("invocationId").GetString()!;
                            if (_pending.TryRemove(id, out var tcs)) tcs.TrySetResult(root.TryGetProperty("error", out var error) ? error.GetString() : null);
                            break;
                        case 7: // close
                            closeError = root.TryGetProperty("error", out var e) ? e.GetString() : null;
                            break;
                    }
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
        }
        Closed.TrySetResult(closeError);
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        try
        {
            if (_socket.State == WebSocketState.Open) await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        }
        catch (WebSocketException) { }
        if (_receiving is not null) await _receiving.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _socket.Dispose();
    }
}
