using System.Net;
using FlowForge.Server.Tests.Infrastructure;

namespace FlowForge.Server.Tests.Api;

/// <summary>A key in the URL (<c>?access_token=</c>) is only for the hub, whose WebSocket clients cannot send headers.</summary>
public sealed class AccessTokenTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task AccessTokenQueryParameter_OnTheApi_IsRefusedWith401()
    {
        var response = await server.Client(null).GetAsync($"/api/workflows?access_token={Uri.EscapeDataString(ServerFixture.KeyA)}");
        var problem = await response.ExpectProblem(HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Contains("accepted only on /hubs/executions", (string?)problem["detail"]);
    }

    [Fact]
    public async Task AccessTokenQueryParameter_OnTheHub_IsAccepted()
    {
        var response = await server.Client(null).PostAsync($"/hubs/executions/negotiate?negotiateVersion=1&access_token={Uri.EscapeDataString(ServerFixture.KeyA)}", null);
        var negotiated = await response.Expect(HttpStatusCode.OK);
        Assert.NotNull((string?)negotiated["connectionToken"]);
    }
}
