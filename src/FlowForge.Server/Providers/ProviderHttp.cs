using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FlowForge.Server.Egress;
using FlowForge.Server.Nodes;

namespace FlowForge.Server.Providers;

/// <summary>
/// One JSON call to a provider (an AI service, WhatsApp, the voice service, a CRM) over an egress
/// client, with the failure rules they all share: a refused egress and a 4xx are final; a connection
/// failure, 5xx, 408 and 429 are retryable (Retry-After passed on). Error messages carry the provider's
/// own error text, cut short, with every secret the call used blanked out; the Authorization header
/// is never part of a message.
/// </summary>
internal static class ProviderHttp
{
    public const int MaxResponseBytes = 4 * 1024 * 1024;
    private const int MaxErrorText = 500;

    /// <param name="provider">Who is called, for messages ("WhatsApp", "OpenAI chat completions").</param>
    public static Task<JsonNode?> SendAsync(
        HttpClient client, string provider, HttpMethod method, string url, JsonNode? body, string? bearer, string idempotencyKey, CancellationToken ct) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? SendAsync(client, provider, method, uri, body, bearer, idempotencyKey, ct)
            : throw new NodeFailure($"The {provider} URL is not an absolute http(s) URL.", retryable: false);

    public static async Task<JsonNode?> SendAsync(
        HttpClient client, string provider, HttpMethod method, Uri uri, JsonNode? body, string? bearer, string idempotencyKey, CancellationToken ct)
    {
        string[] secrets = [bearer ?? "", uri.UserInfo];
        var where = $"{method} {uri.GetLeftPart(UriPartial.Path).Replace(uri.UserInfo + "@", "", StringComparison.Ordinal)}";

        using var request = new HttpRequestMessage(method, uri);
        if (body is not null) request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        if (!string.IsNullOrEmpty(bearer)) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));

        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        }
        catch (HttpRequestException e) when (EgressHttp.DeniedBy(e) is { } denied)
        {
            throw new NodeFailure(Redact($"{provider}: {denied.Message}", secrets), retryable: false);
        }
        catch (HttpRequestException e)
        {
            throw new NodeFailure(Redact($"{provider}: {where} failed: {e.Message}", secrets), retryable: true);
        }
        using (response)
        {
            var text = await ReadAsync(response, provider, ct);
            if (response.IsSuccessStatusCode)
            {
                if (string.IsNullOrWhiteSpace(text)) return null;
                // Plain text is a valid answer (a custom endpoint); callers that need JSON say so.
                try { return JsonNode.Parse(text); }
                catch (JsonException) { return JsonValue.Create(text); }
            }
            var status = (int)response.StatusCode;
            var retryable = status >= 500 || response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout;
            var detail = ErrorText(text);
            var message = $"{provider} answered {status} {response.ReasonPhrase} to {where}" + (detail.Length > 0 ? $": {detail}" : ".");
            throw new NodeFailure(Redact(message, secrets), retryable, retryable ? RetryAfter(response.Headers.RetryAfter) : null);
        }
    }

    /// <summary>A provider's error text: <c>error.message</c>, <c>message</c>, <c>error</c> or <c>detail</c> of a JSON body, else the body itself (shortened).</summary>
    public static string ErrorText(string text)
    {
        if (string.IsNullOrWhiteSpace(text)) return "";
        try
        {
            if (JsonNode.Parse(text) is JsonObject o)
            {
                var found = o["error"] is JsonObject e ? e["message"] ?? e["error_user_msg"] : null;
                found ??= o["message"] ?? o["error"] ?? o["detail"] ?? o["title"];
                if (found is not null) text = found.GetValueKind() == JsonValueKind.String ? found.GetValue<string>() : found.ToJsonString();
            }
        }
        catch (JsonException) { }
        text = text.Trim();
        return text.Length > MaxErrorText ? text[..MaxErrorText] + "…" : text;
    }

    /// <summary>Blanks every non-trivial secret out of a message meant for the step log (a provider may echo one back).</summary>
    public static string Redact(string message, IEnumerable<string?> secrets)
    {
        foreach (var secret in secrets)
        {
            if (secret is { Length: >= 4 }) message = message.Replace(secret, "***", StringComparison.Ordinal);
        }
        return message;
    }

    /// <summary>A provider's Retry-After, as a delay.</summary>
    public static TimeSpan? RetryAfter(RetryConditionHeaderValue? header) => header switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - DateTimeOffset.UtcNow is var d && d > TimeSpan.Zero ? d : TimeSpan.Zero,
        _ => null,
    };

    /// <summary><paramref name="baseUrl"/> and <paramref name="path"/> with exactly one slash between them (the base's own path, such as <c>/v1</c>, kept).</summary>
    public static string Join(string baseUrl, string path) => baseUrl.TrimEnd('/') + "/" + path.TrimStart('/');

    public static Uri Combine(Uri baseUrl, string path) => new(Join(baseUrl.ToString(), path));

    private static async Task<string> ReadAsync(HttpResponseMessage response, string provider, CancellationToken ct)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > MaxResponseBytes) throw new NodeFailure($"{provider}: the response is larger than {MaxResponseBytes} bytes.", retryable: false);
            buffer.Write(chunk, 0, read);
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
