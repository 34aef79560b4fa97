using System.Net;
using FlowForge.Core.Storage;
using FlowForge.Server.Tests.Infrastructure;
using FlowForge.Server.Triggers;
using Microsoft.Extensions.DependencyInjection;

namespace FlowForge.Server.Tests.Triggers;

/// <summary>
/// The start-up resync: publishing commits the version, then registers its triggers. A crash between the
/// two must not leave a published workflow without its hook, or an unpublished one with a live hook.
/// </summary>
public sealed class TriggerResyncTests(TriggersFixture server) : IClassFixture<TriggersFixture>
{
    private readonly HttpClient _client = server.Client();

    [Fact]
    public async Task Resync_RestoresThePublishedTriggers_WithTheSameUrl_AndRetiresStaleOnes()
    {
        var triggers = server.Services.GetRequiredService<ITriggerStore>();
        var registry = server.Services.GetRequiredService<TriggerRegistry>();
        var workflows = server.Services.GetRequiredService<IWorkflowStore>();

        var (published, publishResponse) = await _client.CreateAndPublish(TriggerTestSupport.Workflow("resync kept", "trigger_webhook", """{ "auth": "none" }"""));
        var url = (string)publishResponse.Trigger()["url"]!;
        var (retired, retiredResponse) = await _client.CreateAndPublish(TriggerTestSupport.Workflow("resync retired", "trigger_webhook", """{ "auth": "none" }"""));
        var retiredEndpoints = await triggers.ListForWorkflowAsync("org-a", retired);

        // As if the process died mid-way: the first lost its registration, the second was unpublished but kept its hook.
        await triggers.ReplaceActiveAsync("org-a", published, []);
        await (await _client.PostAsync($"/api/workflows/{retired}/unpublish", null)).Expect(HttpStatusCode.OK);
        await triggers.ReplaceActiveAsync("org-a", retired, retiredEndpoints);
        Assert.Empty((await (await _client.GetAsync($"/api/workflows/{published}")).Expect(HttpStatusCode.OK))["triggers"]!.AsArray());

        await registry.ResyncAllAsync(workflows, CancellationToken.None);

        var restored = (await (await _client.GetAsync($"/api/workflows/{published}")).Expect(HttpStatusCode.OK)).Trigger();
        Assert.Equal(url, (string?)restored["url"]);
        await (await _client.PostAsync(restored.HookPath(), Http.Json("""{ "name": "after resync" }"""))).Expect(HttpStatusCode.Accepted);
        await (await _client.PostAsync(retiredResponse.Trigger().HookPath(), Http.Json("""{ "name": "stale" }"""))).Expect(HttpStatusCode.NotFound);
    }

    /// <summary>
    /// The stale side on its own, checked in the trigger store: a hook left active for a workflow unpublished, and one
    /// left for a step a re-publish removed, are both retired by the resync, so the hook's 404 comes from the lookup
    /// of the URL, not from the intake finding the workflow unpublished.
    /// </summary>
    [Fact]
    public async Task Resync_DeactivatesStaleHooks_OfUnpublishedAndChangedWorkflows()
    {
        var triggers = server.Services.GetRequiredService<ITriggerStore>();
        var registry = server.Services.GetRequiredService<TriggerRegistry>();
        var workflows = server.Services.GetRequiredService<IWorkflowStore>();

        var (unpublished, unpublishedResponse) = await _client.CreateAndPublish(TriggerTestSupport.Workflow("stale unpublished", "trigger_webhook", """{ "auth": "none" }"""));
        var unpublishedHooks = await triggers.ListForWorkflowAsync("org-a", unpublished);
        var (changed, changedResponse) = await _client.CreateAndPublish(TriggerTestSupport.Workflow("stale changed", "trigger_webhook", """{ "auth": "none" }"""));
        var changedHooks = await triggers.ListForWorkflowAsync("org-a", changed);

        // While the server was down (as if): one unpublished, the other re-published without its webhook step; both kept their hooks.
        await (await _client.PostAsync($"/api/workflows/{unpublished}/unpublish", null)).Expect(HttpStatusCode.OK);
        var put = new HttpRequestMessage(HttpMethod.Put, $"/api/workflows/{changed}") { Content = Http.Json("""
            { "name": "stale changed", "nodes": [ { "id": "start", "type": "trigger_manual" },
              { "id": "set", "type": "logic_set_variable", "config": { "variables": { "got": "x" } } } ],
              "edges": [ { "id": "e1", "source": "start", "target": "set" } ] }
            """) };
        put.Headers.IfMatch.Add(new System.Net.Http.Headers.EntityTagHeaderValue("\"1\""));
        await (await _client.SendAsync(put)).Expect(HttpStatusCode.OK);
        await (await _client.PostAsync($"/api/workflows/{changed}/publish", null)).Expect(HttpStatusCode.OK);
        await triggers.ReplaceActiveAsync("org-a", unpublished, unpublishedHooks);
        await triggers.ReplaceActiveAsync("org-a", changed, changedHooks);
        var unpublishedKey = Assert.Single(unpublishedHooks).EndpointKey!;
        var changedKey = Assert.Single(changedHooks).EndpointKey!;
        Assert.NotNull(await triggers.FindByKeyAsync(unpublishedKey));
        Assert.NotNull(await triggers.FindByKeyAsync(changedKey));

        await registry.ResyncAllAsync(workflows, CancellationToken.None);

        Assert.Null(await triggers.FindByKeyAsync(unpublishedKey));
        Assert.Null(await triggers.FindByKeyAsync(changedKey));
        Assert.DoesNotContain(await triggers.ListForWorkflowAsync("org-a", unpublished), e => e.Active);
        Assert.DoesNotContain(await triggers.ListForWorkflowAsync("org-a", changed), e => e.Active && e.StepId == "hook");
        foreach (var response in new[] { unpublishedResponse, changedResponse })
        {
            var gone = await (await _client.PostAsync(response.Trigger().HookPath(), Http.Json("""{ "name": "stale" }""")))
                .ExpectProblem(HttpStatusCode.NotFound, "not-found");
            Assert.Equal("No active webhook has this URL.", (string?)gone["detail"]);
        }
    }
}
