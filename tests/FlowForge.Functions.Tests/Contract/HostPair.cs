using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace FlowForge.Functions.Tests.Contract;

/// <summary>One answer of one host: status, content type, body (parsed when JSON) and headers.</summary>
internal sealed record HostAnswer(HttpStatusCode Status, string? MediaType, JsonNode? Body, HttpResponseMessage Response)
{
    public static async Task<HostAnswer> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        JsonNode? body = null;
        if (text.Length > 0 && response.Content.Headers.ContentType?.MediaType?.Contains("json", StringComparison.Ordinal) == true) body = JsonNode.Parse(text);
        return new HostAnswer(response.StatusCode, response.Content.Headers.ContentType?.MediaType, body, response);
    }

    public string Id(string property = "executionId") => (string)Body![property]!;
}

/// <summary>The same request to both hosts, and the checks the contract tests make on the two answers.</summary>
internal static class HostPair
{
    public static async Task<(HostAnswer Server, HostAnswer Functions)> SendAsync(TwoHostsFixture hosts, Func<HttpRequestMessage> request, string? key = TwoHostsFixture.KeyA)
    {
        using var server = hosts.Server(key);
        using var functions = hosts.FunctionsClient(key);
        return (await HostAnswer.ReadAsync(await server.SendAsync(request())), await HostAnswer.ReadAsync(await functions.SendAsync(request())));
    }

    public static HttpRequestMessage Json(HttpMethod method, string path, string? body = null) =>
        new(method, path) { Content = body is null ? null : new StringContent(body, Encoding.UTF8, "application/json") };

    /// <summary>Both answered <paramref name="status"/> with a problem of the same type, title and shape (and detail, unless it names host-specific ids).</summary>
    public static void AssertSameProblem((HostAnswer Server, HostAnswer Functions) answers, HttpStatusCode status, string type, bool sameDetail = true)
    {
        var (s, f) = answers;
        Assert.Equal(status, s.Status);
        Assert.Equal(status, f.Status);
        Assert.Equal("application/problem+json", s.MediaType);
        Assert.Equal("application/problem+json", f.MediaType);
        Assert.Equal("urn:flowforge:problem:" + type, (string?)s.Body!["type"]);
        Assert.Equal((string?)s.Body["type"], (string?)f.Body!["type"]);
        Assert.Equal((string?)s.Body["title"], (string?)f.Body["title"]);
        if (sameDetail) Assert.Equal((string?)s.Body["detail"], (string?)f.Body["detail"]);
        JsonShape.AssertSame(s.Body, f.Body);
    }

    /// <summary>Polls an execution's detail until its status is one of <paramref name="statuses"/> (the positive signal a test waits for).</summary>
    public static async Task<JsonNode> WaitForStatusAsync(HttpClient client, string executionId, params string[] statuses)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        JsonNode? detail = null;
        while (DateTime.UtcNow < deadline)
        {
            detail = await client.GetFromJsonAsync<JsonNode>($"/api/executions/{executionId}");
            if (statuses.Contains((string?)detail!["status"])) return detail;
            await Task.Delay(100);
        }
        throw new TimeoutException($"Execution {executionId} did not reach {string.Join(" or ", statuses)}: {detail?.ToJsonString()}");
    }
}
