using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FlowForge.Server.Egress;
using FlowForge.Server.Nodes;

namespace FlowForge.Server.Providers;

/// <summary>
/// One JSON request to a provider over an egress client, with the failure rules every AI call shares:
/// connection errors, 5xx, 408 and 429 are retryable (Retry-After passed on), other 4xx are final, an
/// egress refusal is final. Error messages carry the provider's own error text, cut short and with the
/// API key masked; the Authorization header is never part of a message.
/// </summary>
public static class ProviderHttp
{
    public const int MaxResponseBytes = 4 * 1024 * 1024;
    private const int MaxErrorText = 300;

    public static async Task<JsonNode?> SendJsonAsync(HttpClient client, HttpMethod method, Uri url, JsonNode? body, string? apiKey,
        string idempotencyKey, string what, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, url);
        if (body is not null) request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        if (apiKey is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);

        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        }
        catch (HttpRequestException e) when (EgressHttp.DeniedBy(e) is { } denied)
        {
            throw new NodeFailure($"{what}: {denied.Message}", retryable: false);
        }
        catch (HttpRequestException e)
        {
            throw new NodeFailure(Mask($"{what} failed: {e.Message}", apiKey), retryable: true);
        }
        using (response)
        {
            var text = await ReadAsync(response, what, ct);
            var status = (int)response.StatusCode;
            if (!response.IsSuccessStatusCode)
            {
                var retryable = status >= 500 || response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout;
                var detail = ErrorText(text);
                var message = $"{what} answered {status} {response.ReasonPhrase}{(detail.Length > 0 ? ": " + detail : "")}";
                throw new NodeFailure(Mask(message, apiKey), retryable, RetryAfter(response.Headers.RetryAfter));
            }
            if (text.Length == 0) return null;
            try
            {
                return JsonNode.Parse(text);
            }
            catch (JsonException)
            {
                // Plain text is a valid answer for a custom endpoint; callers that need JSON say so.
                return JsonValue.Create(text);
            }
        }
    }

    /// <summary>Replaces every occurrence of the secret (a provider may echo it back) with <c>***</c>.</summary>
    public static string Mask(string text, string? secret) =>
        string.IsNullOrEmpty(secret) ? text : text.Replace(secret, "***", StringComparison.Ordinal);

    private static async Task<string> ReadAsync(HttpResponseMessage response, string what, CancellationToken ct)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > MaxResponseBytes) throw new NodeFailure($"{what}: the response is larger than {MaxResponseBytes} bytes.", retryable: false);
            buffer.Write(chunk, 0, read);
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>The provider's explanation: <c>error.message</c>, <c>error</c>, <c>message</c> or <c>detail</c> of a JSON body, else the text.</summary>
    private static string ErrorText(string body)
    {
        var text = body.Trim();
        try
        {
            if (JsonNode.Parse(text) is JsonObject o)
            {
                var found = o["error"] is JsonObject e ? AiInput.String(e, "message") : AiInput.String(o, "error");
                found ??= AiInput.String(o, "message") ?? AiInput.String(o, "detail");
                if (found is not null) text = found;
            }
        }
        catch (JsonException)
        {
        }
        return text.Length > MaxErrorText ? text[..MaxErrorText] + "…" : text;
    }

    private static TimeSpan? RetryAfter(RetryConditionHeaderValue? header) => header switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - DateTimeOffset.UtcNow is var d && d > TimeSpan.Zero ? d : TimeSpan.Zero,
        _ => null,
    };

    /// <summary><paramref name="baseUrl"/> joined with a relative path, keeping the base's own path (<c>/v1</c>).</summary>
    public static Uri Combine(Uri baseUrl, string path) => new(baseUrl.ToString().TrimEnd('/') + "/" + path.TrimStart('/'));
}
