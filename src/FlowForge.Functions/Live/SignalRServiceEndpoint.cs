using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace FlowForge.Functions.Live;

/// <summary>
/// An Azure SignalR Service instance from its connection string (<c>Endpoint=https://…;AccessKey=…;Version=1.0;</c>,
/// with an optional <c>Port=</c> as the local emulator writes it), and the access tokens its REST API and its clients
/// take: JWTs signed HS256 with the access key, whose audience is the URL they are used for.
/// </summary>
internal sealed class SignalRServiceEndpoint
{
    private readonly byte[] _key;

    public SignalRServiceEndpoint(string connectionString)
    {
        var parts = connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1], StringComparer.OrdinalIgnoreCase);
        if (!parts.TryGetValue("Endpoint", out var endpoint) || !Uri.TryCreate(endpoint, UriKind.Absolute, out var uri))
        {
            throw new ArgumentException("The SignalR Service connection string has no valid Endpoint=.", nameof(connectionString));
        }
        if (!parts.TryGetValue("AccessKey", out var key) || key.Length == 0)
        {
            // Identity-based (AuthType=azure.msi) connection strings need Azure.Identity: not supported here.
            throw new ArgumentException("The SignalR Service connection string has no AccessKey= (identity-based authentication is not supported).", nameof(connectionString));
        }
        var builder = new UriBuilder(uri) { Path = "", Query = "" };
        if (parts.TryGetValue("Port", out var port) && int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var p)) builder.Port = p;
        Endpoint = builder.Uri.GetLeftPart(UriPartial.Authority);
        _key = Encoding.UTF8.GetBytes(key);
    }

    /// <summary>The service's base URL, without a trailing slash.</summary>
    public string Endpoint { get; }

    /// <summary>The URL a client connects to for <paramref name="hub"/> (what negotiate returns as <c>url</c>).</summary>
    public string ClientUrl(string hub) => $"{Endpoint}/client/?hub={Uri.EscapeDataString(hub.ToLowerInvariant())}";

    /// <summary>
    /// A client's access token for <paramref name="hub"/>: audience the client URL, the user id as <c>nameid</c> (the
    /// service's user id, which the REST API's user routes address).
    /// </summary>
    public string ClientToken(string hub, string? userId, TimeSpan lifetime, DateTimeOffset now) =>
        Token(ClientUrl(hub), lifetime, now, userId is null ? [] : [("nameid", userId)]);

    /// <summary>A server token for one REST call: the audience is the call's URL without its query string.</summary>
    public string ServerToken(Uri url, TimeSpan lifetime, DateTimeOffset now) =>
        Token(url.GetLeftPart(UriPartial.Path), lifetime, now, []);

    private string Token(string audience, TimeSpan lifetime, DateTimeOffset now, IEnumerable<(string Name, string Value)> claims)
    {
        var header = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["alg"] = "HS256", ["typ"] = "JWT" }));
        var body = new Dictionary<string, object>
        {
            ["aud"] = audience,
            ["iat"] = now.ToUnixTimeSeconds(),
            ["nbf"] = now.ToUnixTimeSeconds(),
            ["exp"] = now.Add(lifetime).ToUnixTimeSeconds(),
        };
        foreach (var (name, value) in claims) body[name] = value;
        var payload = Base64Url(JsonSerializer.SerializeToUtf8Bytes(body));
        var signature = Base64Url(HMACSHA256.HashData(_key, Encoding.ASCII.GetBytes(header + "." + payload)));
        return header + "." + payload + "." + signature;
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
