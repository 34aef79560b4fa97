using FlowForge.Server.Tests.Infrastructure;

namespace FlowForge.Server.Tests.Live;

/// <summary><c>SubscribeOrganization</c>: the executions list's live feed, lifecycle events of the whole organisation.</summary>
public sealed class OrganizationFeedTests(LiveFixture server) : IClassFixture<LiveFixture>
{
    private readonly HttpClient _client = server.Client();

    [Fact]
    public async Task SubscribeOrganization_DeliversLifecycleOfEveryWorkflow_NotSteps_NotOtherOrganisations()
    {
        var a = await _client.Publish(Workflows.Simple("org-feed-a"));
        var b = await _client.Publish(Workflows.Simple("org-feed-b"));
        var other = server.Client(ServerFixture.KeyB);
        var foreign = await other.Publish(Workflows.Simple("org-feed-foreign"));
        await using var live = await NodeLiveClient.StartAsync(server.BaseAddress, ServerFixture.KeyA);
        Assert.Null(live.ConnectError);
        Assert.Null(await live.Invoke("SubscribeOrganization"));
        Assert.Null(await live.Invoke("SubscribeOrganization")); // idempotent

        var foreignRun = await other.Execute(foreign);
        var first = await _client.Execute(a);
        var second = await _client.Execute(b);
        await live.WaitEvent(first, "execution:completed");
        await live.WaitEvent(second, "execution:completed");
        await other.WaitFinished(foreignRun);

        Assert.Equal(["execution:started", "execution:completed"], live.EventsOf(first).Select(e => e.Name));
        Assert.Equal(["execution:started", "execution:completed"], live.EventsOf(second).Select(e => e.Name));
        Assert.Empty(live.EventsOf(foreignRun));

        Assert.Null(await live.Invoke("UnsubscribeOrganization"));
        // The connection keeps one subscription (workflow b) as a witness: an execution of b committed after `after`
        // reaches it after anything of `after` would have, so once it is there, nothing of `after` is still coming.
        Assert.Null(await live.Invoke("Subscribe", b));
        var after = await _client.Execute(a);
        await _client.WaitFinished(after);
        var witness = await _client.Execute(b);
        await live.WaitEvent(witness, "execution:completed");
        Assert.Empty(live.EventsOf(after));
    }
}
