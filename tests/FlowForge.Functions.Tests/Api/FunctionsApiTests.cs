using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using FlowForge.Core.Storage;
using FlowForge.Functions.Api;
using FlowForge.Functions.Tests.Contract;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace FlowForge.Functions.Tests.Api;

/// <summary>What only the Functions host does: its route table, starts over Durable Task, resume refused, purge of both stores.</summary>
public sealed class FunctionsApiTests(TwoHostsFixture hosts) : IClassFixture<TwoHostsFixture>
{
    [Fact]
    public void Every_http_function_has_the_route_and_method_of_a_server_endpoint()
    {
        var server = hosts.ServerServices.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? []).Select(m => $"{m} /{e.RoutePattern.RawText!.Trim('/')}"))
            .ToHashSet(StringComparer.Ordinal);
        // Live progress is the one thing routed differently: the server has its hub, this app SignalR Service's negotiate.
        var functions = hosts.Functions.Routes.Where(r => !r.Contains(" /api/live/", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(functions);
        Assert.All(functions, route => Assert.Contains(route, server));
        foreach (var expected in new[]
        {
            "POST /api/workflows/{id}/execute", "GET /api/executions", "GET /api/executions/{id}", "POST /api/executions/{id}/events/{name}",
            "POST /api/executions/{id}/cancel", "POST /api/executions/{id}/retry", "POST /hooks/{endpointKey}",
        })
        {
            Assert.Contains(expected, functions);
        }
    }

    [Fact]
    public async Task Resume_is_refused_with_501_naming_the_server_and_retry()
    {
        var (workflow, _) = await hosts.CreateAndPublishAsync(Workflows.Simple("resume"));
        using var client = hosts.FunctionsClient();
        var id = (string)(await (await client.PostAsync($"/api/workflows/{workflow}/execute", null)).Content.ReadFromJsonAsync<JsonNode>())!["executionId"]!;

        var refused = await client.PostAsync($"/api/executions/{id}/resume", null);
        Assert.Equal(HttpStatusCode.NotImplemented, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var problem = (await refused.Content.ReadFromJsonAsync<JsonNode>())!;
        Assert.Equal("urn:flowforge:problem:" + ExecutionFunctions.ResumeNotOfferedType, (string?)problem["type"]);
        Assert.Contains("FlowForge server", (string?)problem["detail"]);
        Assert.Contains($"/api/executions/{id}/retry", (string?)problem["detail"]);

        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync("/api/executions/ex_missing/resume", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await hosts.FunctionsClient(key: null).PostAsync($"/api/executions/{id}/resume", null)).StatusCode);
        // Another organisation's execution is not found, as everywhere else.
        Assert.Equal(HttpStatusCode.NotFound, (await hosts.FunctionsClient(TwoHostsFixture.KeyB).PostAsync($"/api/executions/{id}/resume", null)).StatusCode);
    }

    [Fact]
    public async Task A_repeated_start_with_its_idempotency_key_answers_the_first_and_schedules_one_orchestration()
    {
        var (workflow, _) = await hosts.CreateAndPublishAsync(Workflows.Simple("idempotent"));
        using var client = hosts.FunctionsClient();
        async Task<HttpResponseMessage> Start()
        {
            var request = new HttpRequestMessage(HttpMethod.Post, $"/api/workflows/{workflow}/execute") { Content = new StringContent("""{"triggerData":{"name":"Ada"}}""", Encoding.UTF8, "application/json") };
            request.Headers.Add("Idempotency-Key", "order-42");
            return await client.SendAsync(request);
        }
        var first = await Start();
        var again = await Start();
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        var id = (string)(await first.Content.ReadFromJsonAsync<JsonNode>())!["executionId"]!;
        Assert.Equal(id, (string?)(await again.Content.ReadFromJsonAsync<JsonNode>())!["executionId"]);
        Assert.Equal("true", again.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Single((await hosts.Log.SearchAsync("org-a", new ExecutionSearch(WorkflowId: workflow))).Items);
        await HostPair.WaitForStatusAsync(client, id, "completed");
    }

    [Fact]
    public async Task A_start_that_died_before_its_orchestration_is_healed_by_its_repeat()
    {
        var (workflow, _) = await hosts.CreateAndPublishAsync(Workflows.Simple("healed"));
        // The log row of a start whose process died before it scheduled the orchestration.
        var orphan = new NewExecution("ex_orphan_" + Guid.NewGuid().ToString("N"), "org-a", workflow, 1, JsonNode.Parse("""{"name":"Ada"}"""), IdempotencyKey: "order-7");
        await hosts.Log.CreateAsync(orphan, DateTimeOffset.UtcNow);
        Assert.Null(await hosts.Functions.Client.GetInstanceAsync(orphan.Id));

        using var client = hosts.FunctionsClient();
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/workflows/{workflow}/execute") { Content = new StringContent("""{"triggerData":{"name":"Ada"}}""", Encoding.UTF8, "application/json") };
        request.Headers.Add("Idempotency-Key", "order-7");
        var repeat = await client.SendAsync(request);
        Assert.Equal(orphan.Id, (string?)(await repeat.Content.ReadFromJsonAsync<JsonNode>())!["executionId"]);
        var done = await HostPair.WaitForStatusAsync(client, orphan.Id, "completed", "failed");
        Assert.Equal("completed", (string?)done["status"]);
    }

    [Fact]
    public async Task Purge_deletes_the_log_rows_and_the_orchestration_history()
    {
        var (workflow, _) = await hosts.CreateAndPublishAsync(Workflows.Simple("purge"));
        using var client = hosts.FunctionsClient();
        var id = (string)(await (await client.PostAsync($"/api/workflows/{workflow}/execute", null)).Content.ReadFromJsonAsync<JsonNode>())!["executionId"]!;
        await HostPair.WaitForStatusAsync(client, id, "completed");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await hosts.Functions.Client.WaitForInstanceCompletionAsync(id, cts.Token);

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/executions/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/executions/{id}")).StatusCode);
        Assert.Null(await hosts.Functions.Client.GetInstanceAsync(id));
        Assert.Equal(HttpStatusCode.NotFound, (await client.DeleteAsync($"/api/executions/{id}")).StatusCode);
    }
}
