using System.Net.Http.Headers;
using System.Text.Json;

namespace FlowForge.Functions.Live;

/// <summary>
/// The few calls of Azure SignalR Service's data-plane REST API (v1) the Functions host makes: send to a group, and
/// add or remove a connection from a group (for the subscribe functions). Each request carries its own short-lived
/// server token. Failures throw <see cref="HttpRequestException"/>: the publisher decides they are not fatal.
/// </summary>
internal sealed class SignalRServiceRest(HttpClient http, SignalRServiceEndpoint endpoint, string hub, TimeProvider time)
{
    private static readonly TimeSpan TokenLifetime = TimeSpan.FromMinutes(5);

    public string Hub { get; } = hub.ToLowerInvariant();

    public SignalRServiceEndpoint Endpoint { get; } = endpoint;

    /// <summary>Invokes <paramref name="target"/> with one argument, already serialized JSON, on every connection of the group.</summary>
    public async Task SendToGroupAsync(string group, string target, ReadOnlyMemory<byte> argumentJson, CancellationToken ct)
    {
        using var body = new MemoryStream();
        await using (var w = new Utf8JsonWriter(body))
        {
            w.WriteStartObject();
            w.WriteString("target", target);
            w.WriteStartArray("arguments");
            w.WriteRawValue(argumentJson.Span, skipInputValidation: true);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        var content = new ByteArrayContent(body.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        await SendAsync(HttpMethod.Post, GroupPath(group), content, ct);
    }

    /// <summary>Adds a client connection to a group (what the hub's Subscribe* does on the server).</summary>
    public Task AddToGroupAsync(string group, string connectionId, CancellationToken ct) =>
        SendAsync(HttpMethod.Put, GroupPath(group) + "/connections/" + Uri.EscapeDataString(connectionId), null, ct);

    public Task RemoveFromGroupAsync(string group, string connectionId, CancellationToken ct) =>
        SendAsync(HttpMethod.Delete, GroupPath(group) + "/connections/" + Uri.EscapeDataString(connectionId), null, ct);

    private string GroupPath(string group) => $"/api/v1/hubs/{Uri.EscapeDataString(Hub)}/groups/{Uri.EscapeDataString(group)}";

    private async Task SendAsync(HttpMethod method, string path, HttpContent? content, CancellationToken ct)
    {
        var url = new Uri(Endpoint.Endpoint + path);
        using var request = new HttpRequestMessage(method, url) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Endpoint.ServerToken(url, TokenLifetime, time.GetUtcNow()));
        using var response = await http.SendAsync(request, ct);
        if (!response.IsSuccessStatusCode)
        {
            var detail = await response.Content.ReadAsStringAsync(ct);
            throw new HttpRequestException(
                $"SignalR Service answered {(int)response.StatusCode} to {method} {path}: {(detail.Length > 500 ? detail[..500] : detail)}",
                null, response.StatusCode);
        }
    }
}
