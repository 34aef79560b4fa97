using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using FlowForge.Functions.Tests.Contract;
using FlowForge.Functions.Tests.Live;

namespace FlowForge.Functions.Tests.Api;

/// <summary>Both hosts, the Functions app with a SignalR Service (the loopback stand-in of its REST API).</summary>
public sealed class LiveHostsFixture : TwoHostsFixture
{
    public const string AccessKey = "c2VjcmV0LWFjY2Vzcy1rZXktZm9yLWxpdmUtdGVzdHMtMTIzNDU2Nzg5MA==";

    internal SignalRServiceStandIn Service { get; private set; } = null!;

    protected override async Task ConfigureFunctionsAsync(Dictionary<string, string?> settings)
    {
        Service = await SignalRServiceStandIn.StartAsync();
        settings["Azure:SignalR:ConnectionString"] = $"Endpoint={Service.Endpoint};AccessKey={AccessKey};Version=1.0;";
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (Service is not null) await Service.DisposeAsync();
    }
}

/// <summary>Negotiate and subscribe: the client's way onto SignalR Service, with the hub's checks.</summary>
public sealed class LiveFunctionsTests(LiveHostsFixture hosts) : IClassFixture<LiveHostsFixture>
{
    [Fact]
    public async Task Negotiate_gives_the_service_url_and_a_client_token_for_the_hub()
    {
        using var client = hosts.FunctionsClient();
        var answer = await client.GetFromJsonAsync<JsonNode>("/api/live/negotiate");
        Assert.Equal(hosts.Service.Endpoint.TrimEnd('/') + "/client/?hub=executions", (string?)answer!["url"]);
        var claims = SignalRServiceStandIn.VerifiedClaims((string)answer["accessToken"]!, LiveHostsFixture.AccessKey);
        Assert.Equal((string?)answer["url"], (string?)claims["aud"]);
        Assert.False(string.IsNullOrEmpty((string?)claims["nameid"]));

        Assert.Equal(HttpStatusCode.Unauthorized, (await hosts.FunctionsClient(key: null).GetAsync("/api/live/negotiate")).StatusCode);
    }

    [Fact]
    public async Task Subscribe_adds_the_connection_to_its_own_organisations_groups_only()
    {
        var (workflow, _) = await hosts.CreateAndPublishAsync(Workflows.Simple("live"));
        using var client = hosts.FunctionsClient();
        var execution = (string)(await (await client.PostAsync($"/api/workflows/{workflow}/execute", null)).Content.ReadFromJsonAsync<JsonNode>())!["executionId"]!;

        Assert.Equal(HttpStatusCode.NoContent, (await Post(client, "subscribe", $$"""{"connectionId":"conn-1","executionId":"{{execution}}"}""")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await Post(client, "subscribe", $$"""{"connectionId":"conn-1","workflowId":"{{workflow}}"}""")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await Post(client, "unsubscribe", $$"""{"connectionId":"conn-1","executionId":"{{execution}}"}""")).StatusCode);
        var calls = hosts.Service.Calls.Where(c => c.RawPath.Contains("/connections/conn-1", StringComparison.Ordinal)).Select(c => $"{c.Method} {Uri.UnescapeDataString(c.RawPath)}").ToList();
        Assert.Equal(
        [
            $"PUT /api/v1/hubs/executions/groups/execution:{execution}/connections/conn-1",
            $"PUT /api/v1/hubs/executions/groups/workflow:org-a:{workflow}/connections/conn-1",
            $"DELETE /api/v1/hubs/executions/groups/execution:{execution}/connections/conn-1",
        ], calls);

        // Another organisation's execution or workflow is not found, and joins nothing.
        using var other = hosts.FunctionsClient(TwoHostsFixture.KeyB);
        Assert.Equal(HttpStatusCode.NotFound, (await Post(other, "subscribe", $$"""{"connectionId":"conn-2","executionId":"{{execution}}"}""")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Post(other, "subscribe", $$"""{"connectionId":"conn-2","workflowId":"{{workflow}}"}""")).StatusCode);
        Assert.DoesNotContain(hosts.Service.Calls, c => c.RawPath.Contains("conn-2", StringComparison.Ordinal));

        var both = await Post(client, "subscribe", $$"""{"connectionId":"conn-3","workflowId":"{{workflow}}","organization":true}""");
        Assert.Equal(HttpStatusCode.BadRequest, both.StatusCode);
        Assert.Equal("application/problem+json", both.Content.Headers.ContentType?.MediaType);
    }

    private static Task<HttpResponseMessage> Post(HttpClient client, string what, string body) =>
        client.PostAsync($"/api/live/{what}", new StringContent(body, Encoding.UTF8, "application/json"));
}
