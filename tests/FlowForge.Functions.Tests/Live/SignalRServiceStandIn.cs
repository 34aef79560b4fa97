using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FlowForge.Functions.Tests.Live;

/// <summary>
/// A loopback Kestrel standing in for Azure SignalR Service's REST API: it records each call (route, bearer token,
/// body) and answers with <see cref="Status"/>. The tests check the token themselves, as the service would.
/// </summary>
internal sealed class SignalRServiceStandIn : IAsyncDisposable
{
    public sealed record Call(string Method, string RawPath, string Url, string? Token, JsonNode? Body);

    private readonly WebApplication _app;

    public ConcurrentQueue<Call> Calls { get; } = new();

    public int Status { get; set; } = StatusCodes.Status202Accepted;

    public string Endpoint { get; private set; } = "";

    private SignalRServiceStandIn(WebApplication app) => _app = app;

    public static async Task<SignalRServiceStandIn> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var standIn = new SignalRServiceStandIn(app);
        app.Map("/api/v1/{**rest}", async (HttpContext http) =>
        {
            var body = await new StreamReader(http.Request.Body).ReadToEndAsync();
            var auth = http.Request.Headers.Authorization.ToString();
            // The path as sent (still percent-encoded), which is what the token's audience names.
            var raw = http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()!.RawTarget.Split('?')[0];
            standIn.Calls.Enqueue(new Call(
                http.Request.Method, raw, $"{http.Request.Scheme}://{http.Request.Host}{raw}",
                auth.StartsWith("Bearer ", StringComparison.Ordinal) ? auth["Bearer ".Length..] : null,
                body.Length == 0 ? null : JsonNode.Parse(body)));
            return Results.StatusCode(standIn.Status);
        });
        await app.StartAsync();
        standIn.Endpoint = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return standIn;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>The token's claims, after checking its HS256 signature with <paramref name="accessKey"/> (throws when it does not verify).</summary>
    public static JsonObject VerifiedClaims(string token, string accessKey)
    {
        var parts = token.Split('.');
        Assert.Equal(3, parts.Length);
        var header = JsonNode.Parse(FromBase64Url(parts[0]))!;
        Assert.Equal("HS256", (string?)header["alg"]);
        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(accessKey), Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]));
        Assert.True(CryptographicOperations.FixedTimeEquals(expected, FromBase64Url(parts[2])), "The token's signature does not verify with the access key.");
        return JsonNode.Parse(FromBase64Url(parts[1]))!.AsObject();
    }

    private static byte[] FromBase64Url(string s)
    {
        var b = s.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(b.PadRight(b.Length + (4 - b.Length % 4) % 4, '='));
    }

    public static long Seconds(JsonNode? n) => n!.GetValue<JsonElement>().GetInt64();
}
