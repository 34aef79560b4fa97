using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using FlowForge.Server.Tests.Infrastructure;
using FlowForge.Server.Triggers;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace FlowForge.Server.Tests.Triggers;

/// <summary>A clock tests move by hand.</summary>
public sealed class FakeClock(DateTimeOffset start) : TimeProvider
{
    private long _ticks = start.UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public void Set(DateTimeOffset time) => Interlocked.Exchange(ref _ticks, time.UtcTicks);
}

/// <summary>The server with inbound providers configured and schedules on a fake clock, on <typeparamref name="TStorage"/>.</summary>
public class TriggersFixture<TStorage>() : ServerFixture(new Dictionary<string, string?>
{
    ["Engine:PollInterval"] = "00:00:00.200",
    ["Triggers:SchedulePollInterval"] = "00:00:00.100",
    ["Triggers:InboundToken"] = TriggerTestSupport.InboundToken,
    ["Triggers:MaxPayloadBytes"] = "65536",
    ["Providers:WhatsApp:VerifyToken"] = TriggerTestSupport.VerifyToken,
    ["Providers:WhatsApp:AppSecret"] = TriggerTestSupport.AppSecret,
}, new TStorage())
    where TStorage : ServerStorage, new()
{
    public FakeClock Clock { get; } = new(new DateTimeOffset(2030, 1, 7, 10, 0, 30, TimeSpan.Zero));

    protected override void Configure(WebApplicationBuilder builder) => builder.Services.AddSingleton(new TriggerClock(Clock));
}

/// <summary>The triggers fixture on SQLite, for tests that damage SQLite rows or are not about storage.</summary>
public sealed class TriggersFixture : TriggersFixture<SqliteStorage>;

public static class TriggerTestSupport
{
    public const string InboundToken = "inbound-token-for-tests-0123456789";
    public const string VerifyToken = "meta-verify-token";
    public const string AppSecret = "meta-app-secret-for-tests";

    /// <summary>A workflow: a trigger of <paramref name="type"/> with <paramref name="configJson"/>, then a set-variable step echoing <paramref name="echo"/>.</summary>
    public static string Workflow(string name, string type, string configJson, string echo = "{{trigger.body.name}}") => $$$"""
        { "name": "{{{name}}}", "nodes": [
            { "id": "hook", "type": "{{{type}}}", "config": {{{configJson}}} },
            { "id": "set", "type": "logic_set_variable", "config": { "variables": { "got": "{{{echo}}}" } } } ],
          "edges": [ { "id": "e1", "source": "hook", "target": "set" } ] }
        """;

    /// <summary>Creates and publishes; returns the id and the publish response.</summary>
    public static async Task<(string Id, JsonNode Published)> CreateAndPublish(this HttpClient client, string workflowJson)
    {
        var created = await (await client.PostJson("/api/workflows", workflowJson)).Expect(HttpStatusCode.Created);
        var id = (string)created["id"]!;
        var published = await (await client.PostAsync($"/api/workflows/{id}/publish", null)).Expect(HttpStatusCode.OK);
        return (id, published);
    }

    public static JsonNode Trigger(this JsonNode workflow, string stepId = "hook") =>
        workflow["triggers"]!.AsArray().Single(t => (string?)t!["stepId"] == stepId)!;

    /// <summary>The path part of a trigger's URL (tests talk to the fixture's own address).</summary>
    public static string HookPath(this JsonNode trigger) => new Uri((string)trigger["url"]!).PathAndQuery;

    public static HttpRequestMessage JsonRequest(string path, string body, HttpMethod? method = null) =>
        new(method ?? HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };

    /// <summary>Standard Webhooks headers, computed here independently of the server's code.</summary>
    public static HttpRequestMessage Signed(string path, string body, string secret, string? id = null, DateTimeOffset? at = null, string? extraSignature = null)
    {
        id ??= "msg_" + Guid.NewGuid().ToString("N");
        var timestamp = (at ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var key = Convert.FromBase64String(secret["whsec_".Length..]);
        var signature = "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{id}.{timestamp}.{body}")));
        var request = JsonRequest(path, body);
        request.Headers.Add("webhook-id", id);
        request.Headers.Add("webhook-timestamp", timestamp);
        request.Headers.Add("webhook-signature", extraSignature is null ? signature : $"{extraSignature} {signature}");
        return request;
    }

    public static HttpRequestMessage WithBearer(this HttpRequestMessage request, string token)
    {
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    public static string HubSignature(string body, string secret = AppSecret) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(body)));

    public static async Task<int> ExecutionCount(this HttpClient client, string workflowId)
    {
        var list = await (await client.GetAsync($"/api/workflows/{workflowId}/executions?limit=100")).Expect(HttpStatusCode.OK);
        return (int)list["total"]!;
    }

    public static async Task<JsonNode> Executions(this HttpClient client, string workflowId) =>
        (await (await client.GetAsync($"/api/workflows/{workflowId}/executions?limit=100")).Expect(HttpStatusCode.OK))["executions"]!;
}
