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
}
