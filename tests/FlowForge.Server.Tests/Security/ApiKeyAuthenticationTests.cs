using System.Net;
using System.Net.Http.Headers;
using FlowForge.Server.Tests.Infrastructure;

namespace FlowForge.Server.Tests.Security;

/// <summary>
/// Where an API key may come from (X-Api-Key first, then a bearer token, and a URL's access_token only on the hub), how
/// it is trimmed, and what each refusal says. The tenancy tests (Api/AuthAndTenancyTests) cover what a key may reach.
/// </summary>
public sealed class ApiKeyAuthenticationTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static HttpRequestMessage Get(string path, Action<HttpRequestHeaders> headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        headers(request.Headers);
        return request;
    }

    [Fact]
    public async Task TheApiKeyHeader_IsTrimmed()
    {
        var response = await server.Client(null).SendAsync(Get("/api/workflows", h => h.TryAddWithoutValidation("X-Api-Key", $"  {ServerFixture.KeyA}  ")));

        await response.Expect(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("Bearer")]
    [InlineData("bearer")]
    [InlineData("BEARER")]
    public async Task ABearerToken_Authenticates_WhateverTheSchemesCase(string scheme)
    {
        var response = await server.Client(null).SendAsync(Get("/api/workflows", h => h.TryAddWithoutValidation("Authorization", $"{scheme} {ServerFixture.KeyA} ")));

        await response.Expect(HttpStatusCode.OK);
    }

    /// <summary>The header comes first: a wrong X-Api-Key is not rescued by a right bearer token (the key used is the one named first).</summary>
    [Fact]
    public async Task TheApiKeyHeader_WinsOverABearerToken()
    {
        var wrongHeader = await server.Client("ffk_wrong").SendAsync(Get("/api/workflows", h => h.Authorization = new AuthenticationHeaderValue("Bearer", ServerFixture.KeyA)));
        var problem = await wrongHeader.ExpectProblem(HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Equal("The API key is not valid or has been revoked.", (string?)problem["detail"]);

        // A blank X-Api-Key is no key at all: the bearer token is used.
        var blankHeader = await server.Client(null).SendAsync(Get("/api/workflows", h =>
        {
            h.TryAddWithoutValidation("X-Api-Key", "   ");
            h.Authorization = new AuthenticationHeaderValue("Bearer", ServerFixture.KeyA);
        }));
        await blankHeader.Expect(HttpStatusCode.OK);
    }

    [Fact]
    public async Task OtherAuthorizationSchemes_AreNoKey()
    {
        var response = await server.Client(null).SendAsync(Get("/api/workflows", h => h.Authorization = new AuthenticationHeaderValue("Basic", ServerFixture.KeyA)));

        var problem = await response.ExpectProblem(HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Equal("An API key is required: send it as 'X-Api-Key: <key>' or 'Authorization: Bearer <key>'.", (string?)problem["detail"]);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task AWrongKey_IsTold_ItIsNotValid()
    {
        var response = await server.Client("ffk_wrong").GetAsync("/api/workflows");

        var problem = await response.ExpectProblem(HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Equal("The API key is not valid or has been revoked.", (string?)problem["detail"]);
        Assert.Equal("Unauthorized", (string?)problem["title"]);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.ToString());
    }

    /// <summary>On the hub, a wrong or blank access_token is refused like a wrong or missing header; a path that merely starts alike is not the hub.</summary>
    [Fact]
    public async Task TheHubsAccessToken_IsCheckedLikeAHeader_OnTheHubPathOnly()
    {
        var anonymous = server.Client(null);

        var wrong = await anonymous.PostAsync("/hubs/executions/negotiate?negotiateVersion=1&access_token=ffk_wrong", null);
        Assert.Equal("The API key is not valid or has been revoked.", (string?)(await wrong.ExpectProblem(HttpStatusCode.Unauthorized, "unauthorized"))["detail"]);

        var blank = await anonymous.PostAsync("/hubs/executions/negotiate?negotiateVersion=1&access_token=%20", null);
        await blank.ExpectProblem(HttpStatusCode.Unauthorized, "unauthorized");

        var lookalike = await anonymous.GetAsync($"/hubs/executionsx/negotiate?access_token={Uri.EscapeDataString(ServerFixture.KeyA)}");
        Assert.NotEqual(HttpStatusCode.OK, lookalike.StatusCode);
        Assert.NotEqual(HttpStatusCode.NoContent, lookalike.StatusCode);
    }
}
