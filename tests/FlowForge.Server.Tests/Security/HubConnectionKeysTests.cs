using System.Security.Claims;
using System.Text;
using FlowForge.Server.Live;
using FlowForge.Server.Tests.Triggers;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace FlowForge.Server.Tests.Security;

/// <summary>
/// The binding of a hub connection token to the API key that negotiated it, rule by rule, on the middleware itself: which
/// negotiate answers bind a token, which later requests are refused, and when a binding is forgotten. The hub tests
/// (Live/HubKeyTests) show the same over real connections.
/// </summary>
public sealed class HubConnectionKeysTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly IServiceProvider Services = new ServiceCollection().AddLogging().BuildServiceProvider();
    private readonly FakeClock _clock = new(Start);
    private readonly HubConnectionKeys _keys;

    public HubConnectionKeysTests() => _keys = new HubConnectionKeys(_clock);

    private static DefaultHttpContext Request(string path, string? keyId, string? connection = null)
    {
        var http = new DefaultHttpContext();
        http.Request.Path = path;
        if (connection is not null) http.Request.QueryString = QueryString.Create("id", connection);
        if (keyId is not null) http.User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, keyId)], "ApiKey"));
        http.Response.Body = new MemoryStream();
        // What the 403 problem needs to write itself.
        http.RequestServices = Services;
        return http;
    }

    /// <summary>Negotiates as <paramref name="keyId"/>, the hub answering <paramref name="answer"/>; returns what the client received.</summary>
    private async Task<string> Negotiate(string? keyId, string answer, int status = 200, string path = "/hubs/executions/negotiate")
    {
        var http = Request(path, keyId);
        await _keys.InvokeAsync(http, async h =>
        {
            h.Response.StatusCode = status;
            await h.Response.WriteAsync(answer);
        });
        return Encoding.UTF8.GetString(((MemoryStream)http.Response.Body).ToArray());
    }

    /// <summary>Sends a connection's request as <paramref name="keyId"/>: true when it reached the hub, false when refused with 403.</summary>
    private async Task<bool> Reaches(string connection, string? keyId)
    {
        var http = Request("/hubs/executions", keyId, connection);
        var reached = false;
        await _keys.InvokeAsync(http, _ =>
        {
            reached = true;
            return Task.CompletedTask;
        });
        if (!reached)
        {
            Assert.Equal(StatusCodes.Status403Forbidden, http.Response.StatusCode);
            var body = Encoding.UTF8.GetString(((MemoryStream)http.Response.Body).ToArray());
            Assert.Contains("This hub connection was opened with another API key; negotiate a new connection with this key.", body);
            Assert.Contains("\"urn:flowforge:problem:forbidden\"", body);
            Assert.Contains("\"Forbidden\"", body);
        }
        return reached;
    }

    [Fact]
    public async Task ANegotiatedToken_IsBoundToItsKey_AndTheAnswerPassesThrough()
    {
        const string Answer = """{"negotiateVersion":1,"connectionId":"c1","connectionToken":"t1"}""";

        Assert.Equal(Answer, await Negotiate("key-a", Answer));

        Assert.Equal(1, _keys.Count);
        Assert.True(await Reaches("t1", "key-a"));
        Assert.False(await Reaches("t1", "key-b"));
        Assert.False(await Reaches("t1", null));
        // The token, not the id, is what protocol 1 binds.
        Assert.True(await Reaches("c1", "key-b"));
    }

    [Fact]
    public async Task Protocol0_BindsTheConnectionId()
    {
        await Negotiate("key-a", """{"connectionId":"c0"}""", path: "/hubs/executions/NEGOTIATE");

        Assert.False(await Reaches("c0", "key-b"));
        Assert.True(await Reaches("c0", "key-a"));
    }

    [Theory]
    [InlineData("""{"connectionToken":"t1"}""", 500, "key-a")]
    [InlineData("""{"connectionToken":"t1"}""", 200, null)]
    [InlineData("""{"connectionToken":1}""", 200, "key-a")]
    [InlineData("""{"connectionId":1}""", 200, "key-a")]
    [InlineData("""["t1"]""", 200, "key-a")]
    [InlineData("""not json""", 200, "key-a")]
    [InlineData("""{}""", 200, "key-a")]
    public async Task OnlyASuccessfulNegotiationWithAKey_BindsAToken(string answer, int status, string? keyId)
    {
        Assert.Equal(answer, await Negotiate(keyId, answer, status));

        Assert.Equal(0, _keys.Count);
    }

    [Fact]
    public async Task RequestsOutsideTheHub_AndUnknownOrMissingTokens_PassThrough()
    {
        await Negotiate("key-a", """{"connectionToken":"t1"}""");

        var outside = Request("/api/workflows", "key-b", "t1");
        var reached = false;
        await _keys.InvokeAsync(outside, _ =>
        {
            reached = true;
            return Task.CompletedTask;
        });
        Assert.True(reached);
        Assert.True(await Reaches("unknown", "key-b"));
        Assert.True(await Reaches("", "key-b"));
    }

    [Fact]
    public async Task ABinding_IsForgottenAtDisconnect()
    {
        await Negotiate("key-a", """{"connectionToken":"t1"}""");
        _keys.Connected("t1");
        _keys.Connected(null);
        _keys.Connected("");

        _keys.Disconnected("t1");
        _keys.Disconnected(null);

        Assert.Equal(0, _keys.Count);
    }

    /// <summary>A token negotiated but never connected is forgotten after a minute; a connected one is kept until it disconnects.</summary>
    [Fact]
    public async Task UnusedTokens_ArePurgedAfterAMinute_ConnectedOnesAreKept()
    {
        await Negotiate("key-a", """{"connectionToken":"unused"}""");
        await Negotiate("key-a", """{"connectionToken":"connected"}""");
        _keys.Connected("connected");

        _clock.Set(Start + TimeSpan.FromMinutes(1));
        _keys.PurgeUnused();
        Assert.Equal(2, _keys.Count);

        _clock.Set(Start + TimeSpan.FromMinutes(1) + TimeSpan.FromTicks(1));
        _keys.PurgeUnused();
        Assert.Equal(1, _keys.Count);
        Assert.False(await Reaches("connected", "key-b"));
    }
}
