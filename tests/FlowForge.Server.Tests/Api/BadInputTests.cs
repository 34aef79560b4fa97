using System.Net;
using System.Text;
using FlowForge.Server.Tests.Infrastructure;

namespace FlowForge.Server.Tests.Api;

/// <summary>Malformed, oversized and hostile bodies get a useful problem+json 4xx and change nothing.</summary>
public class BadInputTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private readonly HttpClient _client = server.Client();

    private async Task<int> CountWorkflows() => (int)(await (await _client.GetAsync("/api/workflows")).Expect(HttpStatusCode.OK))["total"]!;

    [Fact]
    public async Task MalformedJson_Is400WithPosition_AndCreatesNothing()
    {
        var before = await CountWorkflows();
        var problem = await (await _client.PostJson("/api/workflows", """{ "name": "x", "nodes": [ { "id": "a" """))
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid-body");
        Assert.Contains("line", (string?)problem["detail"]);
        Assert.Equal(before, await CountWorkflows());
    }

    [Fact]
    public async Task WrongTypes_Is400WithPath()
    {
        var problem = await (await _client.PostJson("/api/workflows", """{ "name": 42, "nodes": [] }""")).ExpectProblem(HttpStatusCode.BadRequest, "invalid-body");
        Assert.Contains("name", (string?)problem["detail"]);
    }

    [Fact]
    public async Task UnknownTopLevelField_Is400()
    {
        var problem = await (await _client.PostJson("/api/workflows", """{ "name": "x", "node": [] }""")).ExpectProblem(HttpStatusCode.BadRequest, "invalid-body");
        Assert.Contains("node", (string?)problem["detail"]);
    }

    [Fact]
    public async Task MissingFields_ListsEveryFieldError()
    {
        var problem = await (await _client.PostJson("/api/workflows", """
            { "nodes": [ { "type": "trigger_manual" }, { "id": "b", "type": "x", "config": [1] }, null ], "edges": [ { "source": "a" } ] }
            """)).ExpectProblem(HttpStatusCode.BadRequest, "invalid-body");
        var fields = problem["errors"]!.AsArray().Select(e => (string?)e!["field"]).ToList();
        Assert.Equal(["name", "nodes[0].id", "nodes[1].config", "nodes[2]", "edges[0].target"], fields);
    }

    [Fact]
    public async Task OversizedBody_Is413_AndCreatesNothing()
    {
        var before = await CountWorkflows();
        var big = "{\"name\":\"big\",\"description\":\"" + new string('a', 1_100_000) + "\"}";
        await (await _client.PostJson("/api/workflows", big)).ExpectProblem(HttpStatusCode.RequestEntityTooLarge, "body-too-large");
        Assert.Equal(before, await CountWorkflows());
    }

    [Fact]
    public async Task NonJsonContentType_Is415()
    {
        var content = new StringContent("name=x", Encoding.UTF8, "application/x-www-form-urlencoded");
        await (await _client.PostAsync("/api/workflows", content)).ExpectProblem(HttpStatusCode.UnsupportedMediaType, "unsupported-media-type");
    }

    [Fact]
    public async Task EmptyBody_Is400() =>
        await (await _client.PostJson("/api/workflows", "")).ExpectProblem(HttpStatusCode.BadRequest, "invalid-body");

    [Fact]
    public async Task DeeplyNestedJson_Is400() =>
        await (await _client.PostJson("/api/workflows", "{\"name\":\"x\",\"canvas\":" + new string('[', 5000) + new string(']', 5000) + "}"))
            .ExpectProblem(HttpStatusCode.BadRequest, "json-too-deep");

    [Fact]
    public async Task UnknownRoute_IsProblemJson()
    {
        var response = await _client.GetAsync("/api/nothing-here");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
