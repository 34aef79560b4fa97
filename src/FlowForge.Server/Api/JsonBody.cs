using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using FlowForge.Core.Engine;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace FlowForge.Server.Api;

/// <summary>Request limits, from the <c>Limits</c> configuration section.</summary>
public sealed class RequestLimits
{
    /// <summary>Largest accepted JSON body, in bytes (default 1 MiB).</summary>
    public int MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    // ---- Engine and per-organisation limits (issue 9: isolation) ----

    /// <summary>
    /// Largest resolved value, step output or variable set, in bytes of JSON (default 1 MiB). Checked while templates
    /// resolve (an amplifying template stops at the limit) and on every handler's output; the step fails naming this setting.
    /// </summary>
    [Range(1024, int.MaxValue)]
    public int MaxStepOutputBytes { get; set; } = (int)EngineLimits.DefaultMaxStepOutputBytes;

    /// <summary>
    /// Unfinished (pending, running or waiting) executions one organisation may have (default 10,000). Beyond it a start
    /// is refused with 429 and a sub-workflow step fails. Counted per process from an indexed count refreshed every second.
    /// </summary>
    [Range(1, int.MaxValue)]
    public int MaxRunningExecutionsPerOrganization { get; set; } = 10_000;

    /// <summary>
    /// Executions one organisation may start per second, per process (default 100, with bursts of as many); beyond it a
    /// start is refused with 429 and Retry-After, and a sub-workflow step fails.
    /// </summary>
    [Range(1, int.MaxValue)]
    public int StartsPerSecondPerOrganization { get; set; } = 100;
}

/// <summary>
/// Reads JSON request bodies with the checks every endpoint needs: content type, size limit and
/// parse errors reported with their position, all as problem+json, before anything is changed.
/// </summary>
public static class JsonBody
{
    /// <summary>Deepest request body read: the reader's default, which is also what the store can write back.</summary>
    public const int MaxRequestDepth = 64;

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<JsonSerializerOptions, JsonSerializerOptions> Strict = new();

    /// <summary>
    /// The HTTP JSON options give responses depth headroom (stored values are wrapped in envelopes); requests are read
    /// with the default depth limit, so nothing is accepted that the store could not write.
    /// </summary>
    private static JsonSerializerOptions RequestOptions(JsonSerializerOptions options) =>
        options.MaxDepth is 0 or MaxRequestDepth ? options : Strict.GetValue(options, o => new JsonSerializerOptions(o) { MaxDepth = MaxRequestDepth });

    public static async Task<(T? Value, ProblemHttpResult? Problem)> ReadAsync<T>(HttpRequest request, JsonSerializerOptions options, CancellationToken ct)
        where T : class
    {
        var limits = request.HttpContext.RequestServices.GetRequiredService<IOptions<RequestLimits>>().Value;
        if (request.ContentType is { } contentType && !IsJson(contentType))
        {
            return (null, Problems.Create(StatusCodes.Status415UnsupportedMediaType, "unsupported-media-type", "Unsupported media type",
                $"The body must be JSON (Content-Type: application/json), not '{contentType}'."));
        }
        if (request.ContentLength > limits.MaxRequestBodyBytes)
        {
            return (null, TooLarge(limits.MaxRequestBodyBytes));
        }

        // Buffer at most limit + 1 bytes: a chunked body without Content-Length is cut off here too.
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > limits.MaxRequestBodyBytes) return (null, TooLarge(limits.MaxRequestBodyBytes));
        }
        if (buffer.Length == 0) return (null, Problems.InvalidBody("The request body is empty; a JSON object is expected."));

        try
        {
            var value = JsonSerializer.Deserialize<T>(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), RequestOptions(options));
            return value is null
                ? (null, Problems.InvalidBody("The request body is JSON null; a JSON object is expected."))
                : (value, null);
        }
        catch (JsonException e)
        {
            return (null, Problems.InvalidBody(Describe(e)));
        }
    }

    /// <summary>Whether the request carries a body at all (endpoints whose body is optional).</summary>
    public static bool IsPresent(HttpRequest request) => request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0;

    private static bool IsJson(string contentType) =>
        contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase)
        || (contentType.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && contentType.Contains("+json", StringComparison.OrdinalIgnoreCase));

    private static ProblemHttpResult TooLarge(int limit) =>
        Problems.Create(StatusCodes.Status413PayloadTooLarge, "body-too-large", "Request body too large",
            $"The request body exceeds the limit of {limit} bytes (Limits__MaxRequestBodyBytes).");

    /// <summary>A parse error as a person can act on it: what went wrong and where.</summary>
    private static string Describe(JsonException e)
    {
        var where = e.Path is { Length: > 1 } path ? $" at '{path}'" : "";
        var line = e.LineNumber is { } l ? $" (line {l + 1}, byte {e.BytePositionInLine + 1})" : "";
        var reason = e.InnerException?.Message ?? e.Message;
        // System.Text.Json's own messages repeat the path; keep the first sentence only.
        var cut = reason.IndexOf(" Path:", StringComparison.Ordinal);
        if (cut > 0) reason = reason[..cut];
        return $"Malformed JSON{where}{line}: {reason}";
    }
}
