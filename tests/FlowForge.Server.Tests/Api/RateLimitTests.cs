using System.Net;
using FlowForge.Server.Tests.Infrastructure;
using FlowForge.Server.Tests.Triggers;

namespace FlowForge.Server.Tests.Api;

/// <summary>A server with small rate limits and a key per test, so buckets do not leak between tests.</summary>
public sealed class RateLimitFixture() : ServerFixture(new Dictionary<string, string?>
{
    ["RateLimits:PerKeyPerSecond"] = "2",
    ["RateLimits:PerKeyBurst"] = "4",
    ["RateLimits:PerWebhookPerSecond"] = "2",
    ["RateLimits:PerWebhookBurst"] = "4",
    ["Auth:Keys:2:Organization"] = "org-a",
    ["Auth:Keys:2:Key"] = KeyBusy,
    ["Auth:Keys:3:Organization"] = "org-b",
    ["Auth:Keys:3:Key"] = KeyCalm,
    ["Auth:Keys:4:Organization"] = "org-a",
    ["Auth:Keys:4:Key"] = KeySetup,
})
{
    public const string KeyBusy = "ffk_test_rate_busy_0123456789abcdef";
    public const string KeyCalm = "ffk_test_rate_calm_0123456789abcdef";
    public const string KeySetup = "ffk_test_rate_setup_0123456789abcdef";
}

public sealed class RateLimitTests(RateLimitFixture server) : IClassFixture<RateLimitFixture>
{
    /// <summary>Sends until one is refused (at most <paramref name="max"/>); returns the statuses seen and the refusal.</summary>
    private static async Task<(List<HttpStatusCode> Statuses, HttpResponseMessage? Refused)> Hammer(Func<Task<HttpResponseMessage>> send, int max = 30)
    {
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < max; i++)
        {
            var response = await send();
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests) return (statuses, response);
        }
        return (statuses, null);
    }

    private static async Task AssertRateLimited(HttpResponseMessage? refused, string setting)
    {
        Assert.NotNull(refused);
        var retryAfter = refused.Headers.RetryAfter?.Delta;
        Assert.True(retryAfter >= TimeSpan.FromSeconds(1), $"Retry-After in whole seconds, was {refused.Headers.RetryAfter}");
        var problem = await refused.ExpectProblem(HttpStatusCode.TooManyRequests, "rate-limited");
        Assert.Contains(setting, (string?)problem["detail"]);
        Assert.Equal((int)retryAfter!.Value.TotalSeconds, (int?)problem["retryAfterSeconds"]);
    }

    [Fact]
    public async Task ApiKey_OverItsLimit_Gets429ProblemWithRetryAfter_AnotherKeyIsUnaffected_AndTheLimitRecovers()
    {
        var busy = server.Client(RateLimitFixture.KeyBusy);
        var (statuses, refused) = await Hammer(() => busy.GetAsync("/api/workflows"));
        Assert.Equal(HttpStatusCode.OK, statuses[0]);
        await AssertRateLimited(refused, "RateLimits__PerKeyPerSecond");

        await server.Client(RateLimitFixture.KeyCalm).GetAsync("/api/workflows").ContinueWith(t => t.Result.Expect(HttpStatusCode.OK)).Unwrap();

        // The bucket refills: the same key is served again (generous bound; no assertion on how fast).
        var deadline = DateTime.UtcNow.AddSeconds(15);
        HttpStatusCode status;
        do
        {
            await Task.Delay(500);
            status = (await busy.GetAsync("/api/workflows")).StatusCode;
        } while (status == HttpStatusCode.TooManyRequests && DateTime.UtcNow < deadline);
        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task MadeUpKeys_ShareTheCallersAddressBucket_NotOneEach()
    {
        var (statuses, refused) = await Hammer(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/api/workflows");
            request.Headers.Add("X-Api-Key", "ffk_made_up_" + Guid.NewGuid().ToString("N"));
            return server.Client(null).SendAsync(request);
        });
        Assert.Equal(HttpStatusCode.Unauthorized, statuses[0]);
        await AssertRateLimited(refused, "RateLimits__PerKeyPerSecond");
        await server.Client(RateLimitFixture.KeyCalm).GetAsync("/api/workflows").ContinueWith(t => t.Result.Expect(HttpStatusCode.OK)).Unwrap();
    }

    [Fact]
    public async Task Webhook_OverItsLimit_Gets429WithRetryAfter_AnotherWebhookIsUnaffected()
    {
        var setup = server.Client(RateLimitFixture.KeySetup);
        var (_, flooded) = await setup.CreateAndPublish(TriggerTestSupport.Workflow("rate-hook-1", "trigger_webhook", """{ "auth": "none" }"""));
        var (_, quiet) = await setup.CreateAndPublish(TriggerTestSupport.Workflow("rate-hook-2", "trigger_webhook", """{ "auth": "none" }"""));
        var anonymous = server.Client(null);

        var (statuses, refused) = await Hammer(() => anonymous.SendAsync(TriggerTestSupport.JsonRequest(flooded.Trigger().HookPath(), """{"name":"Ada"}""")));
        Assert.Equal(HttpStatusCode.Accepted, statuses[0]);
        await AssertRateLimited(refused, "RateLimits__PerWebhookPerSecond");

        await (await anonymous.SendAsync(TriggerTestSupport.JsonRequest(quiet.Trigger().HookPath(), """{"name":"Ada"}"""))).Expect(HttpStatusCode.Accepted);
    }
}
