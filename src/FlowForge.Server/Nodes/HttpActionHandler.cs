using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FlowForge.Server.Egress;
using FlowForge.Server.Providers;
using FlowForge.Core.Catalog;

namespace FlowForge.Server.Nodes;

/// <summary>
/// <c>action_http</c>: one HTTP request. Output <c>{status, headers, body}</c>, the body parsed when it
/// is JSON. A non-2xx answer fails the step: retryable for 5xx, 408 and 429 (honouring Retry-After),
/// final for other 4xx. Responses are read up to <see cref="MaxResponseBytes"/>.
/// </summary>
internal sealed class HttpActionHandler(IHttpClientFactory clients) : INodeHandler
{
    public const string ClientName = "action_http";
    public const int MaxResponseBytes = 10 * 1024 * 1024;

    public string NodeType => NodeTypeNames.ActionHttp;

    public async Task<NodeResult> RunAsync(NodeRunContext context, CancellationToken ct)
    {
        var input = context.Input as JsonObject ?? [];
        var method = new HttpMethod((input["method"]?.GetValue<string>() ?? "GET").ToUpperInvariant());
        var url = input["url"]?.GetValueKind() == JsonValueKind.String ? input["url"]!.GetValue<string>() : null;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new NodeFailure($"'url' must be an absolute http(s) URL, not '{url}'.", retryable: false);
        }

        using var request = new HttpRequestMessage(method, uri);
        if (input["body"] is { } body && method != HttpMethod.Get && method != HttpMethod.Head)
        {
            request.Content = body.GetValueKind() == JsonValueKind.String
                ? new StringContent(body.GetValue<string>(), Encoding.UTF8, "text/plain")
                : new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }
        if (input["headers"] is JsonObject headers)
        {
            foreach (var (name, value) in headers)
            {
                var text = value?.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : value?.ToJsonString() ?? "";
                if (!request.Headers.TryAddWithoutValidation(name, text)) request.Content?.Headers.TryAddWithoutValidation(name, text);
            }
        }
        // Lets a receiving service drop a repeat of this attempt.
        request.Headers.TryAddWithoutValidation("Idempotency-Key", context.IdempotencyKey);

        using var client = clients.CreateClient(ClientName);
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        }
        catch (HttpRequestException e) when (EgressHttp.DeniedBy(e) is { } denied)
        {
            throw new NodeFailure(denied.Message, retryable: false);
        }
        catch (HttpRequestException e)
        {
            throw new NodeFailure($"{method} {uri} failed: {e.Message}", retryable: true);
        }
        using (response)
        {
            var output = new JsonObject
            {
                ["status"] = (int)response.StatusCode,
                ["headers"] = Headers(response),
                ["body"] = await ReadBodyAsync(response, ct),
            };
            if (response.IsSuccessStatusCode) return new NodeResult(output);

            var status = (int)response.StatusCode;
            var retryable = status >= 500 || response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout;
            throw new NodeFailure($"{method} {uri} answered {status} {response.ReasonPhrase}.", retryable, ProviderHttp.RetryAfter(response.Headers.RetryAfter));
        }
    }

    private static JsonObject Headers(HttpResponseMessage response)
    {
        var headers = new JsonObject();
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            headers[name.ToLowerInvariant()] = string.Join(", ", values);
        }
        return headers;
    }

    private static async Task<JsonNode?> ReadBodyAsync(HttpResponseMessage response, CancellationToken ct)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > MaxResponseBytes) throw new NodeFailure($"The response is larger than {MaxResponseBytes} bytes.", retryable: false);
            buffer.Write(chunk, 0, read);
        }
        if (buffer.Length == 0) return null;
        var text = Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        var mediaType = response.Content.Headers.ContentType?.MediaType ?? "";
        if (mediaType.Contains("json", StringComparison.OrdinalIgnoreCase) || text.TrimStart().StartsWith('{') || text.TrimStart().StartsWith('['))
        {
            try { return JsonNode.Parse(text); }
            catch (JsonException) { }
        }
        return text;
    }

}
