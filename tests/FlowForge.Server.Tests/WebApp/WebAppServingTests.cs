using System.Net;

namespace FlowForge.Server.Tests.WebApp;

/// <summary>
/// The server serves the web app at / with client routes falling back to index.html, while every server path keeps
/// answering as the API does (problem+json 404), hashed assets are cached for good and index.html is revalidated.
/// </summary>
public class WebAppServingTests(WebAppServer.WithBuiltApp server) : IClassFixture<WebAppServer.WithBuiltApp>
{
    [Theory]
    [InlineData("/")]
    [InlineData("/workflows")]
    [InlineData("/workflows/x")]
    [InlineData("/sign-in?next=%2Fworkflows")]
    public async Task TheAppAndItsClientRoutes_GiveIndexHtml_Revalidated(string path)
    {
        using var client = server.Client();
        var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(WebAppServer.IndexMarker, await response.Content.ReadAsStringAsync());
        // A new build changes the asset names index.html points at: a cached index.html would load files that are gone.
        Assert.Equal("no-cache", response.Headers.CacheControl?.ToString());
    }

    [Theory]
    [InlineData("/api/unknown")]
    [InlineData("/api/workflows/x/unknown")]
    [InlineData("/hooks/unknown")]
    [InlineData("/hubs/x")]
    [InlineData("/openapi/v2.json")]
    [InlineData("/health/x")]
    public async Task ServerPaths_StayProblemJson404_NeverTheApp(string path)
    {
        using var client = server.Client();
        var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain(WebAppServer.IndexMarker, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AClientRoute_AnswersOnlyGetAndHead()
    {
        using var client = server.Client();
        var response = await client.PostAsync("/workflows/x", new StringContent("{}"));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/workflows/x"));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("br")]
    public async Task TheAppsFiles_AreCompressed_ApiAnswersAreNot(string encoding)
    {
        using var client = server.Client();
        foreach (var path in new[] { WebAppServer.AssetPath, "/workflows/x" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.AcceptEncoding.ParseAdd(encoding);
            var response = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal([encoding], response.Content.Headers.ContentEncoding);
        }
        // Server paths are never compressed (secrets next to attacker-chosen text: BREACH).
        foreach (var path in new[] { "/api/workflows", "/health", "/openapi/v1.json" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.AcceptEncoding.ParseAdd(encoding);
            request.Headers.Add("X-Api-Key", "ffk_test_webapp_0123456789abcdef");
            var response = await client.SendAsync(request);
            Assert.True(response.IsSuccessStatusCode, $"{path}: {response.StatusCode}");
            Assert.Empty(response.Content.Headers.ContentEncoding);
        }
    }

    [Fact]
    public async Task HashedAssets_AreCachedImmutable()
    {
        using var client = server.Client();
        var response = await client.GetAsync(WebAppServer.AssetPath);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/javascript", response.Content.Headers.ContentType?.MediaType);
        var cache = response.Headers.CacheControl!;
        Assert.True(cache.Public);
        Assert.Equal(TimeSpan.FromDays(365), cache.MaxAge);
        Assert.Contains(cache.Extensions, e => e.Name == "immutable");
    }

    [Fact]
    public async Task IndexHtml_ServedAsAFile_IsRevalidatedToo()
    {
        using var client = server.Client();
        var response = await client.GetAsync("/index.html");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.CacheControl?.NoCache);
    }

    [Fact]
    public async Task AMissingAsset_IsA404_NotIndexHtml()
    {
        using var client = server.Client();
        var response = await client.GetAsync("/assets/index-gone.js");
        // A client route has no extension; an asset that is not there must not come back as HTML the browser runs as JS.
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.NotEqual("text/html", response.Content.Headers.ContentType?.MediaType);
    }
}

/// <summary>Built without Node.js: the server still runs, and / says what is missing and how to get it.</summary>
public class WebAppNotBuiltTests(WebAppServer.WithoutBuiltApp server) : IClassFixture<WebAppServer.WithoutBuiltApp>
{
    [Theory]
    [InlineData("/")]
    [InlineData("/workflows/x")]
    public async Task TheApp_IsTheNotBuiltPage_NamingNodeJs(string path)
    {
        // The fallback to the wwwroot beside the binary must not find one here either (the test binaries have none).
        Assert.False(File.Exists(Path.Combine(AppContext.BaseDirectory, "wwwroot", "index.html")));
        using var client = server.Client();
        var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var page = await response.Content.ReadAsStringAsync();
        Assert.Contains("web app was not built", page);
        Assert.Contains("Node.js", page);
        Assert.Contains("/docs", page);
    }

    [Fact]
    public async Task TheApi_StillWorks()
    {
        using var client = server.Client();
        var response = await client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
