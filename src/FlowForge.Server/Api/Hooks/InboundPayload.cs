using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;

namespace FlowForge.Server.Api.Hooks;

/// <summary>
/// Reading a hook's payload: the size limit and JSON checks are <see cref="JsonBody"/>'s (bounded read, media type,
/// depth), with the hooks' own limit (<c>Triggers__MaxPayloadBytes</c>) and the wider set of bodies senders use
/// (forms, text), turned into the JSON that goes into trigger data.
/// </summary>
internal static class InboundPayload
{
    /// <summary>The raw body, at most <paramref name="limit"/> bytes (413 above, chunked bodies included).</summary>
    public static async Task<(byte[]? Body, ProblemHttpResult? Problem)> ReadAsync(HttpRequest request, int limit, CancellationToken ct)
    {
        var body = await JsonBody.ReadBoundedAsync(request, limit, ct);
        return body is null ? (null, TooLarge(limit)) : (body, null);
    }

    /// <summary>JSON (parsed), form fields (url-encoded or multipart; files are ignored) or text; null for an empty body.</summary>
    /// <remarks>JSON deeper than <paramref name="maxJsonDepth"/> is refused (400): the payload ends up nested inside trigger data and
    /// history events, and data too deep to be written back out must never get in. Form fields are flat by construction.</remarks>
    public static async Task<(JsonNode? Payload, ProblemHttpResult? Problem)> ParseAsync(HttpRequest request, byte[] body, int maxJsonDepth, CancellationToken ct)
    {
        if (body.Length == 0) return (null, null);
        var contentType = request.ContentType;
        const string accepted = "application/json, application/x-www-form-urlencoded, multipart/form-data or text/*";
        if (string.IsNullOrWhiteSpace(contentType)) return (null, UnsupportedMediaType(null, accepted));
        if (JsonBody.IsJson(contentType))
        {
            if (JsonBody.IsTooDeep(body, maxJsonDepth)) return (null, JsonBody.TooDeep(maxJsonDepth, "payload"));
            try
            {
                return (JsonNode.Parse(body), null);
            }
            catch (JsonException e)
            {
                return (null, Problems.InvalidBody($"Malformed JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}): {e.Message.Split(" Path:")[0]}"));
            }
        }
        if (contentType.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
        {
            return (Fields(QueryHelpers.ParseQuery(Encoding.UTF8.GetString(body))), null);
        }
        if (contentType.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                request.Body = new MemoryStream(body);
                var form = await request.ReadFormAsync(ct);
                return (Fields(form.ToDictionary(f => f.Key, f => f.Value)), null);
            }
            catch (InvalidDataException e)
            {
                return (null, Problems.InvalidBody("Malformed multipart form: " + e.Message));
            }
        }
        if (contentType.StartsWith("text/", StringComparison.OrdinalIgnoreCase)
            || contentType.StartsWith("application/xml", StringComparison.OrdinalIgnoreCase))
        {
            return (JsonValue.Create(Encoding.UTF8.GetString(body)), null);
        }
        return (null, UnsupportedMediaType(contentType, accepted));
    }

    public static ProblemHttpResult UnsupportedMediaType(string? contentType, string expected) =>
        Problems.Create(StatusCodes.Status415UnsupportedMediaType, "unsupported-media-type", "Unsupported media type",
            contentType is null ? $"A body needs a Content-Type ({expected})." : $"Content-Type '{contentType}' is not accepted here; use {expected}.");

    /// <summary>Query-string or form fields as an object: a field sent once is a string, a repeated one an array.</summary>
    public static JsonObject Fields(IEnumerable<KeyValuePair<string, StringValues>> fields)
    {
        var result = new JsonObject();
        foreach (var (name, values) in fields)
        {
            result[name] = values.Count == 1 ? JsonValue.Create(values[0]) : new JsonArray([.. values.Select(v => (JsonNode?)JsonValue.Create(v))]);
        }
        return result;
    }

    /// <summary>A payload value as text: strings as they are, a one-element array (a form field) as its element, anything else as JSON.</summary>
    public static string? Text(JsonNode? node) => node switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonValue v => v.ToJsonString(),
        JsonArray a when a.Count == 1 => Text(a[0]),
        _ => node.ToJsonString(),
    };

    /// <summary>Unix seconds as ISO 8601 UTC; anything else (or a time past year 9999) unchanged.</summary>
    public static string? UnixToIso(string? seconds) =>
        long.TryParse(seconds, NumberStyles.None, CultureInfo.InvariantCulture, out var s) && s < 253402300799
            ? DateTimeOffset.FromUnixTimeSeconds(s).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)
            : seconds;

    private static ProblemHttpResult TooLarge(int limit) =>
        Problems.Create(StatusCodes.Status413PayloadTooLarge, "body-too-large", "Payload too large",
            $"The payload exceeds the limit of {limit} bytes (Triggers__MaxPayloadBytes).");
}
