using System.Net;
using FlowForge.Server.Tests.Infrastructure;

namespace FlowForge.Server.Tests.Security;

/// <summary>What a client can tell of a start: a new execution's id, and whether an Idempotency-Key repeat replayed one.</summary>
public sealed class IdempotentStartTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static async Task<HttpResponseMessage> Execute(HttpClient client, string workflowId, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/workflows/{workflowId}/execute") { Content = Http.Json(new { triggerData = new { } }) };
        request.Headers.Add("Idempotency-Key", key);
        return await client.SendAsync(request);
    }

    [Fact]
    public async Task OnlyARepeat_IsMarkedReplayed()
    {
        var client = server.Client();
        var wf = await client.Publish(Workflows.Simple("idempotent start"));
        var key = "replay-" + Guid.NewGuid().ToString("N");

        var first = await Execute(client, wf, key);
        var id = (string)(await first.Expect(HttpStatusCode.Accepted))["executionId"]!;
        var repeat = await Execute(client, wf, key);

        Assert.Matches("^ex_[0-9a-f]{32}$", id);
        Assert.False(first.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(id, (string)(await repeat.Expect(HttpStatusCode.Accepted))["executionId"]!);
        Assert.Equal(["true"], repeat.Headers.GetValues("Idempotent-Replayed"));
    }
}
