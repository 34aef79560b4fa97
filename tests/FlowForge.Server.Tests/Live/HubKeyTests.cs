using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using FlowForge.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace FlowForge.Server.Tests.Live;

/// <summary>A server whose log entries are kept.</summary>
public sealed class HubKeyFixture() : ServerFixture(new Dictionary<string, string?> { ["Engine:PollInterval"] = "00:00:00.200" })
{
    public LogCapture Logs { get; } = new();

    protected override void Configure(WebApplicationBuilder builder) => builder.Logging.AddProvider(Logs);
}

/// <summary>A hub connection belongs to the API key that opened it: revoking the key ends it, another key cannot use it.</summary>
public sealed class HubKeyTests(HubKeyFixture server) : IClassFixture<HubKeyFixture>
{
    private const char Separator = '\u001e';
    private readonly HttpClient _client = server.Client();

    private static async Task<(string Id, string Secret)> CreateKey(HttpClient client)
    {
        var created = await (await client.PostJson("/api/keys", new { name = "hub-" + Guid.NewGuid().ToString("N")[..6] })).Expect(HttpStatusCode.Created);
        return ((string)created["id"]!, (string)created["key"]!);
    }

    private static async Task WaitUntil(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("Timed out waiting for " + what);
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task RevokedKey_ItsConnectionIsClosedWithinSeconds_AndReceivesNoMoreEvents()
    {
        var (keyId, secret) = await CreateKey(_client);
        var wf = await _client.Publish(Workflows.Simple("hub-revoke"));
        var events = new ConcurrentQueue<(string Name, string? ExecutionId)>();
        await using var live = await SignalRJsonClient.ConnectAsync(server.BaseAddress, secret);
        live.OnEvent = (name, data, _) => events.Enqueue((name, data.ValueKind == JsonValueKind.Object && data.TryGetProperty("executionId", out var id) ? id.GetString() : null));
        Assert.Null(await live.InvokeAsync("Subscribe", wf));
        var before = await _client.Execute(wf);
        await WaitUntil(() => events.Any(e => e.ExecutionId == before && e.Name == "execution:completed"), "the event before revocation");

        // The real JavaScript client too.
        await using var browser = await NodeLiveClient.StartAsync(server.BaseAddress, secret);
        Assert.Null(browser.ConnectError);
        Assert.Null(await browser.Invoke("Subscribe", wf));

        await (await _client.DeleteAsync($"/api/keys/{keyId}")).Expect(HttpStatusCode.NoContent);
        await live.Closed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await browser.WaitLine(l => (string?)l["type"] == "closed", TimeSpan.FromSeconds(10));

        // A witness connection with a key that still works: once `after` reached it, the server has sent it to every
        // subscriber it was going to.
        await using var witness = await NodeLiveClient.StartAsync(server.BaseAddress, ServerFixture.KeyA);
        Assert.Null(witness.ConnectError);
        Assert.Null(await witness.Invoke("Subscribe", wf));
        var after = await _client.Execute(wf);
        await _client.WaitFinished(after);
        await witness.WaitEvent(after, "execution:completed");
        Assert.DoesNotContain(events, e => e.ExecutionId == after);
        Assert.Empty(browser.EventsOf(after));
    }

    [Fact]
    public async Task ConnectionToken_NegotiatedWithOneKey_IsRefusedWithAnotherOrganisationsKey_OnLongPolling()
    {
        using var a = server.Client(ServerFixture.KeyA);
        using var b = server.Client(ServerFixture.KeyB);
        a.Timeout = b.Timeout = TimeSpan.FromSeconds(10);
        var negotiated = await (await a.PostAsync("/hubs/executions/negotiate?negotiateVersion=1", null)).Expect(HttpStatusCode.OK);
        var token = Uri.EscapeDataString((string)negotiated["connectionToken"]!);
        var path = $"/hubs/executions?id={token}";

        // Key A opens the long-polling connection: first poll, handshake, handshake reply.
        Assert.Equal(HttpStatusCode.OK, (await a.GetAsync(path)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await a.PostAsync(path, Text("{\"protocol\":\"json\",\"version\":1}" + Separator))).StatusCode);
        Assert.Equal("{}" + Separator, await (await a.GetAsync(path)).Content.ReadAsStringAsync());

        // Organisation B's key with A's token: refused, for polling and for sending.
        HttpResponseMessage poll;
        try
        {
            poll = await b.GetAsync(path);
        }
        catch (TaskCanceledException)
        {
            throw new Xunit.Sdk.XunitException("Key B's poll on key A's connection was accepted (it waited for A's messages).");
        }
        await poll.ExpectProblem(HttpStatusCode.Forbidden, "forbidden");
        var send = await b.PostAsync(path, Text(JsonSerializer.Serialize(new { type = 1, invocationId = "1", target = "Subscribe", arguments = new[] { "wf_x" } }) + Separator));
        await send.ExpectProblem(HttpStatusCode.Forbidden, "forbidden");

        // Key A's connection is unaffected: a call and its answer still go through.
        Assert.Equal(HttpStatusCode.OK, (await a.PostAsync(path, Text(JsonSerializer.Serialize(new { type = 1, invocationId = "2", target = "Subscribe", arguments = new[] { "wf_missing_lp" } }) + Separator))).StatusCode);
        var reply = await (await a.GetAsync(path)).Content.ReadAsStringAsync();
        Assert.Contains("\"invocationId\":\"2\"", reply);
        Assert.Contains("Workflow 'wf_missing_lp' was not found.", reply);
    }

    [Fact]
    public async Task RefusedHubCall_IsLoggedAsOneWarningWithoutStack_AndTheClientStillGetsTheMessage()
    {
        var missing = "wf_missing_" + Guid.NewGuid().ToString("N")[..8];
        await using var live = await SignalRJsonClient.ConnectAsync(server.BaseAddress, ServerFixture.KeyA);

        var error = await live.InvokeAsync("Subscribe", missing);

        Assert.Equal($"An unexpected error occurred invoking 'Subscribe' on the server. HubException: Workflow '{missing}' was not found.", error);
        var entries = server.Logs.Entries.Where(e => e.Message.Contains(missing, StringComparison.Ordinal) || e.Category.Contains("SignalR", StringComparison.Ordinal)).ToList();
        Assert.DoesNotContain(entries, e => e.Level >= LogLevel.Error);
        Assert.DoesNotContain(entries, e => e.Exception is not null);
        var refused = Assert.Single(entries, e => e.Message.Contains(missing, StringComparison.Ordinal));
        Assert.Equal(LogLevel.Warning, refused.Level);
    }

    private static StringContent Text(string text) => new(text, Encoding.UTF8, new MediaTypeHeaderValue("text/plain"));
}

/// <summary>Two servers on one database: a key revoked through one closes its hub connections on the other.</summary>
public sealed class HubKeyCrossProcessTests : IAsyncLifetime
{
    private readonly ServerFixture _first = new LiveFixture();
    private ServerFixture? _second;

    private sealed class SecondServer(string connectionString) : ServerFixture(new Dictionary<string, string?>
    {
        ["Storage:ConnectionString"] = connectionString,
        ["Engine:Dispatcher"] = "false",
        ["Engine:Workers"] = "false",
    });

    public async Task InitializeAsync()
    {
        await _first.InitializeAsync();
        _second = new SecondServer($"Data Source={Path.Combine(_first.Directory, "flowforge.db")}");
        await _second.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        if (_second is not null) await _second.DisposeAsync();
        await _first.DisposeAsync();
    }

    [Fact]
    public async Task KeyRevokedThroughAnotherProcess_ClosesItsConnectionsHere_WithinSeconds()
    {
        var admin = _first.Client();
        var created = await (await admin.PostJson("/api/keys", new { name = "cross" })).Expect(HttpStatusCode.Created);
        await using var live = await SignalRJsonClient.ConnectAsync(_second!.BaseAddress, (string)created["key"]!);
        var wf = await admin.Publish(Workflows.Simple("hub-cross-revoke"));
        Assert.Null(await live.InvokeAsync("Subscribe", wf));

        await (await admin.DeleteAsync($"/api/keys/{created["id"]}")).Expect(HttpStatusCode.NoContent);

        // Default Live__KeyCheckInterval is 2 s; the bound is generous.
        await live.Closed.Task.WaitAsync(TimeSpan.FromSeconds(15));
    }
}
