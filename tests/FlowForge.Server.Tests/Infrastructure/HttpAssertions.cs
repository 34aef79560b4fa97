using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FlowForge.Server.Tests.Infrastructure;

/// <summary>Small conveniences for JSON over HTTP in tests.</summary>
public static class Http
{
    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public static StringContent Json(object value) => new(JsonSerializer.Serialize(value), Encoding.UTF8, "application/json");

    public static async Task<JsonNode> ReadJson(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return JsonNode.Parse(text) ?? throw new InvalidOperationException("Empty JSON body");
    }

    /// <summary>Asserts the status and returns the body, printing the body when the status is wrong.</summary>
    public static async Task<JsonNode> Expect(this HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status} but got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? new JsonObject() : JsonNode.Parse(text)!;
    }

    /// <summary>Asserts a problem+json response of the given status and type slug; returns it.</summary>
    public static async Task<JsonNode> ExpectProblem(this HttpResponseMessage response, HttpStatusCode status, string typeSlug)
    {
        var body = await response.Expect(status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("urn:flowforge:problem:" + typeSlug, (string?)body["type"]);
        Assert.Equal((int)status, (int?)body["status"]);
        Assert.False(string.IsNullOrWhiteSpace((string?)body["detail"]), "a problem has a detail");
        return body;
    }

    public static Task<HttpResponseMessage> PostJson(this HttpClient client, string url, string json) => client.PostAsync(url, Json(json));

    public static Task<HttpResponseMessage> PostJson(this HttpClient client, string url, object value) => client.PostAsJsonAsync(url, value);
}
