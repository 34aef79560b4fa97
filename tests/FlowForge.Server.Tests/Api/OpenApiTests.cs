using System.Net;
using System.Text.Json.Nodes;
using FlowForge.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace FlowForge.Server.Tests.Api;

/// <summary>
/// The API document is what clients (and the web app's generated types) are built from: it must describe every endpoint
/// the app maps, so a new endpoint without documentation fails here rather than drifting unnoticed.
/// </summary>
public class OpenApiTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static readonly string[] DocumentedPrefixes = ["/api", "/hooks", "/health"];

    private async Task<JsonObject> DocumentAsync()
    {
        // No API key: the document is public.
        var response = await server.Client(key: null).GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return Assert.IsType<JsonObject>(JsonNode.Parse(await response.Content.ReadAsStringAsync()));
    }

    [Fact]
    public async Task Document_IsServedWithoutAKey_AsOpenApi3()
    {
        var doc = await DocumentAsync();
        Assert.StartsWith("3.", (string?)doc["openapi"]);
        Assert.Equal("FlowForge API", (string?)doc["info"]!["title"]);
    }

    [Fact]
    public async Task Document_ListsEveryMappedRouteAndMethod()
    {
        var doc = await DocumentAsync();
        var documented = new HashSet<string>();
        foreach (var (path, item) in doc["paths"]!.AsObject())
        {
            foreach (var (method, _) in item!.AsObject()) documented.Add($"{method.ToUpperInvariant()} {path}");
        }

        var mapped = new HashSet<string>();
        foreach (var endpoint in server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            var path = "/" + string.Join("/", endpoint.RoutePattern.PathSegments.Select(Segment));
            if (!DocumentedPrefixes.Any(p => path == p || path.StartsWith(p + "/", StringComparison.Ordinal))) continue;
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods;
            Assert.True(methods is { Count: > 0 }, $"{path} answers every method: give it explicit methods so it can be documented");
            foreach (var method in methods!) mapped.Add($"{method} {path}");
        }

        Assert.True(mapped.Count >= 40, $"only {mapped.Count} routes found: is the endpoint enumeration still right?");
        Assert.Empty(mapped.Except(documented).Order());
        Assert.Empty(documented.Except(mapped).Order());
    }

    [Fact]
    public async Task EveryOperation_HasItsResponses_AndProblemJsonErrors()
    {
        var doc = await DocumentAsync();
        foreach (var (path, item) in doc["paths"]!.AsObject())
        {
            foreach (var (method, op) in item!.AsObject())
            {
                var where = $"{method.ToUpperInvariant()} {path}";
                Assert.False(string.IsNullOrWhiteSpace((string?)op!["summary"]), $"{where} has no summary");
                var responses = op["responses"]!.AsObject();
                Assert.Contains(responses, r => r.Key.StartsWith('2'));
                if (path == "/health") continue;
                if (path.StartsWith("/health/", StringComparison.Ordinal))
                {
                    // Probes answer their report in both cases (what a probe reads is the status code), not a problem.
                    Assert.NotNull(responses["503"]?["content"]?["application/json"]);
                    continue;
                }
                var errors = responses.Where(r => r.Key[0] is '4' or '5').ToList();
                Assert.True(errors.Count > 0, $"{where} declares no error responses");
                Assert.All(errors, e => Assert.NotNull(e.Value!["content"]?["application/problem+json"]));
                if (path.StartsWith("/api/", StringComparison.Ordinal))
                {
                    Assert.Contains("401", responses.Select(r => r.Key));
                    Assert.Contains("429", responses.Select(r => r.Key));
                }
            }
        }
    }

    [Theory]
    [InlineData("/api/workflows", "post", "name")]
    [InlineData("/api/workflows/{id}", "put", "nodes")]
    [InlineData("/api/credentials", "post", "kind")]
    [InlineData("/api/workflows/{id}/execute", "post", "triggerData")]
    public async Task BodiesReadByHand_AreDescribed(string path, string method, string property)
    {
        var doc = await DocumentAsync();
        var reference = (string)doc["paths"]![path]![method]!["requestBody"]!["content"]!["application/json"]!["schema"]!["$ref"]!;
        var schema = doc["components"]!["schemas"]![reference["#/components/schemas/".Length..]]!;
        Assert.NotNull(schema["properties"]![property]);
    }

    [Fact]
    public async Task Numbers_AreNumbers_NotNumberOrString()
    {
        // The server also reads numbers sent as strings; the contract (and generated client types) is plain numbers.
        var doc = await DocumentAsync();
        Assert.Equal("integer", (string?)doc["components"]!["schemas"]!["WorkflowList"]!["properties"]!["total"]!["type"]);
        Assert.DoesNotContain("\"pattern\"", doc.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SecuritySchemes_AreDeclared_AndRequiredOnTheApiOnly()
    {
        var doc = await DocumentAsync();
        var schemes = doc["components"]!["securitySchemes"]!;
        Assert.Equal("apiKey", (string?)schemes["ApiKey"]!["type"]);
        Assert.Equal("header", (string?)schemes["ApiKey"]!["in"]);
        Assert.Equal("X-Api-Key", (string?)schemes["ApiKey"]!["name"]);
        Assert.Equal("http", (string?)schemes["Bearer"]!["type"]);
        Assert.Equal("bearer", (string?)schemes["Bearer"]!["scheme"]);

        var paths = doc["paths"]!;
        var apiSecurity = paths["/api/workflows"]!["get"]!["security"]!.AsArray().SelectMany(r => r!.AsObject().Select(p => p.Key));
        Assert.Equal(["ApiKey", "Bearer"], apiSecurity.Order());
        Assert.Null(paths["/hooks/whatsapp"]!["post"]!["security"]);
        Assert.Null(paths["/health"]!["get"]!["security"]);
    }

    [Fact]
    public async Task Reference_IsServedAsHtmlWithoutAKey()
    {
        // /docs redirects to /docs/ (Scalar's page loads its assets relative to it); the client follows.
        var response = await server.Client(key: null).GetAsync("/docs");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<html", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        // The page's script is served by the server itself (no CDN), so the reference works offline.
        var script = await server.Client(key: null).GetAsync("/docs/scalar.js");
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
    }

    private static string Segment(Microsoft.AspNetCore.Routing.Patterns.RoutePatternPathSegment segment) =>
        string.Concat(segment.Parts.Select(part => part switch
        {
            Microsoft.AspNetCore.Routing.Patterns.RoutePatternLiteralPart l => l.Content,
            Microsoft.AspNetCore.Routing.Patterns.RoutePatternParameterPart p => "{" + p.Name + "}",
            Microsoft.AspNetCore.Routing.Patterns.RoutePatternSeparatorPart s => s.Content,
            _ => throw new InvalidOperationException($"Unexpected route part {part}"),
        }));
}
