using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using FlowForge.Core.Engine;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace FlowForge.Server.Api;

/// <summary>Request limits, from the <c>Limits</c> configuration section.</summary>
internal sealed class RequestLimits
{
    /// <summary>Largest accepted JSON body, in bytes (default 1 MiB).</summary>
    [Range(1, 256 * 1024 * 1024)]
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

    /// <summary>
    /// Most steps one execution may record, each loop iteration's steps counted (default 50,000). Each step's output is
    /// bounded by <see cref="MaxStepOutputBytes"/>, but a long loop multiplies it: this bounds what one execution writes.
    /// Enforced by the decider from the execution's history; beyond it the execution fails naming this setting.
    /// </summary>
    [Range(10, int.MaxValue)]
    public int MaxStepsPerExecution { get; set; } = EngineLimits.DefaultMaxStepsPerExecution;

    // ---- issue 9 (depth at the door, test-run budget) ----

    /// <summary>
    /// Deepest nesting of objects and arrays accepted in any JSON request body, webhook or inbound payload (default 32).
    /// The stored forms wrap a payload in a few more levels, and System.Text.Json stops at 64: a deeper limit would let
    /// data in that cannot be written back out.
    /// </summary>
    [Range(1, 56)]
    public int MaxJsonDepth { get; set; } = 32;

    /// <summary>Most steps (activities, inline steps, timers and sub-workflow steps) one <c>/test</c> run may take, sub-workflows included (default 1000).</summary>
    [Range(1, 1_000_000)]
    public int TestRunMaxSteps { get; set; } = 1000;

    /// <summary>Longest a <c>/test</c> run may take (default 30 s).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan TestRunTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>An example of a request body's shape, shown when a client sends a field the body does not have.</summary>
[AttributeUsage(AttributeTargets.Class)]
internal sealed class BodyExampleAttribute(string example) : Attribute
{
    public string Example { get; } = example;
}

/// <summary>
/// Reads JSON request bodies with the checks every endpoint needs: content type, size limit and
/// parse errors reported with their position, all as problem+json, before anything is changed.
/// </summary>
internal static class JsonBody
{
    public static async Task<(T? Value, ProblemHttpResult? Problem)> ReadAsync<T>(HttpRequest request, JsonSerializerOptions options, CancellationToken ct)
        where T : class
    {
        var limits = request.HttpContext.RequestServices.GetRequiredService<IOptions<RequestLimits>>().Value;
        if (request.ContentType is { } contentType && !IsJson(contentType))
        {
            return (null, Problems.Create(StatusCodes.Status415UnsupportedMediaType, "unsupported-media-type", "Unsupported media type",
                $"The body must be JSON (Content-Type: application/json), not '{contentType}'."));
        }
        var body = await ReadBoundedAsync(request, limits.MaxRequestBodyBytes, ct);
        if (body is null) return (null, TooLarge(limits.MaxRequestBodyBytes));
        if (body.Length == 0) return (null, Problems.InvalidBody("The request body is empty; a JSON object is expected."));
        var json = body.AsSpan();

        // Checked before deserializing: System.Text.Json would report a deep body as malformed (with a .NET type
        // name), and an unknown field by the .NET member it could not be mapped to. The depth checked here (at most 56)
        // is the only request depth limit: the HTTP options' deeper reader limit (headroom for responses) is never reached.
        var scan = Scan(json, limits.MaxJsonDepth);
        if (scan.TooDeep) return (null, TooDeep(limits.MaxJsonDepth, "request body"));
        if (UnknownField(scan.TopLevelNames, options, typeof(T)) is { } unknown) return (null, unknown);

        try
        {
            var value = JsonSerializer.Deserialize<T>(json, options);
            return value is null
                ? (null, Problems.InvalidBody("The request body is JSON null; a JSON object is expected."))
                : (value, null);
        }
        catch (JsonException e)
        {
            return (null, Problems.InvalidBody(Describe(e)));
        }
    }

    /// <summary>What a quick pass over a JSON document found: whether it nests deeper than allowed, and its top-level property names.</summary>
    public readonly record struct JsonScan(bool TooDeep, IReadOnlyList<string> TopLevelNames);

    /// <summary>
    /// One forward pass: stops at the first container deeper than <paramref name="maxDepth"/> (the root object or array is
    /// depth 1). Malformed JSON is not reported here (the parser that follows says where it is wrong).
    /// </summary>
    public static JsonScan Scan(ReadOnlySpan<byte> json, int maxDepth)
    {
        var names = new List<string>();
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = maxDepth + 1, CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject or JsonTokenType.StartArray when reader.CurrentDepth + 1 > maxDepth:
                        return new(true, names);
                    case JsonTokenType.PropertyName when reader.CurrentDepth == 1 && names.Count < 100:
                        names.Add(reader.GetString()!);
                        break;
                }
            }
        }
        catch (JsonException)
        {
            // Malformed: left to the parser.
        }
        return new(false, names);
    }

    /// <summary>Whether <paramref name="json"/> (UTF-8) nests objects and arrays deeper than <paramref name="maxDepth"/>.</summary>
    public static bool IsTooDeep(ReadOnlySpan<byte> json, int maxDepth) => Scan(json, maxDepth).TooDeep;

    public static ProblemHttpResult TooDeep(int limit, string what) =>
        Problems.Create(StatusCodes.Status400BadRequest, "json-too-deep", "JSON nested too deeply",
            $"The {what} nests objects and arrays more than {limit} levels deep (Limits__MaxJsonDepth).",
            new Dictionary<string, object?> { ["limit"] = limit, ["setting"] = "Limits__MaxJsonDepth" });

    /// <summary>
    /// A top-level field the body type does not have, for types that refuse unknown fields: named in plain words with
    /// the fields that are expected, and the type's <see cref="BodyExampleAttribute"/> when it has one.
    /// </summary>
    private static ProblemHttpResult? UnknownField(IReadOnlyList<string> names, JsonSerializerOptions options, Type type)
    {
        if (names.Count == 0) return null;
        JsonTypeInfo info;
        try
        {
            info = options.GetTypeInfo(type);
        }
        catch (NotSupportedException)
        {
            return null;
        }
        if ((info.UnmappedMemberHandling ?? options.UnmappedMemberHandling) != JsonUnmappedMemberHandling.Disallow || info.Kind != JsonTypeInfoKind.Object) return null;
        var comparison = options.PropertyNameCaseInsensitive ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        var known = info.Properties.Select(p => p.Name).ToList();
        var unknown = names.FirstOrDefault(n => !known.Any(k => string.Equals(k, n, comparison)));
        if (unknown is null) return null;
        var example = type.GetCustomAttribute<BodyExampleAttribute>()?.Example;
        var expected = known.Count == 0 ? "no fields" : string.Join(", ", known);
        var detail = $"Unknown field '{unknown}' in the request body; expected: {expected}." + (example is null ? "" : $" For example: {example}");
        return Problems.InvalidBody(detail, [new FieldError(unknown, $"Unknown field; expected one of: {expected}.")]);
    }

    /// <summary>
    /// The raw body, or null when it is larger than <paramref name="limit"/> bytes. A declared Content-Length above the
    /// limit is refused unread; otherwise at most limit + 1 bytes are buffered, so a chunked body without Content-Length
    /// is cut off here too. Shared by the JSON API bodies and the inbound hook payloads (each names its own setting).
    /// </summary>
    internal static async Task<byte[]?> ReadBoundedAsync(HttpRequest request, int limit, CancellationToken ct)
    {
        if (request.ContentLength > limit) return null;
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > limit) return null;
        }
        return buffer.ToArray();
    }

    /// <summary>Whether the request carries a body at all (endpoints whose body is optional).</summary>
    public static bool IsPresent(HttpRequest request) => request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0;

    /// <summary>JSON media types: <c>application/json</c> and any <c>application/*+json</c>.</summary>
    internal static bool IsJson(string? contentType) =>
        contentType is not null
        && (contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase)
            || (contentType.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && contentType.Contains("+json", StringComparison.OrdinalIgnoreCase)));

    private static ProblemHttpResult TooLarge(int limit) =>
        Problems.Create(StatusCodes.Status413PayloadTooLarge, "body-too-large", "Request body too large",
            $"The request body exceeds the limit of {limit} bytes (Limits__MaxRequestBodyBytes).");

    /// <summary>A parse error as a person can act on it: what went wrong and where.</summary>
    private static string Describe(JsonException e)
    {
        var where = e.Path is { Length: > 1 } path ? $" at '{path}'" : "";
        var line = e.LineNumber is { } l ? $" (line {l + 1}, byte {e.BytePositionInLine + 1})" : "";
        // A value of the wrong type has an inner "Cannot get the value of a token type..." that says less than the outer message.
        var reason = e.InnerException is null or InvalidOperationException or FormatException ? e.Message : e.InnerException.Message;
        // System.Text.Json's own messages repeat the path; keep the first sentence only.
        var cut = reason.IndexOf(" Path:", StringComparison.Ordinal);
        if (cut > 0) reason = reason[..cut];
        // "could not be converted to System.Int32" means a value of the wrong type, not broken JSON: say so in plain words.
        const string conversion = "The JSON value could not be converted to ";
        if (reason.StartsWith(conversion, StringComparison.Ordinal))
        {
            return $"Wrong type of value{where}{line}: expected {Friendly(reason[conversion.Length..].TrimEnd('.'))}.";
        }
        return $"Malformed JSON{where}{line}: {reason}";
    }

    private static string Friendly(string dotnetType) => dotnetType switch
    {
        "System.String" => "a string",
        "System.Boolean" or "System.Nullable`1[System.Boolean]" => "true or false",
        "System.Int32" or "System.Int64" or "System.Nullable`1[System.Int32]" or "System.Nullable`1[System.Int64]" => "a whole number",
        "System.Double" or "System.Decimal" or "System.Nullable`1[System.Double]" => "a number",
        "System.DateTimeOffset" or "System.Nullable`1[System.DateTimeOffset]" => "an ISO 8601 date-time string",
        _ when dotnetType.Contains("List`1", StringComparison.Ordinal) || dotnetType.EndsWith("[]", StringComparison.Ordinal) => "an array",
        _ => "an object",
    };
}
