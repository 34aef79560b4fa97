using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FlowForge.Core.Model;
using FlowForge.Core.Tests.Fuzz;
using FlowForge.Server.Tests.Infrastructure;
using FlowForge.Server.Tests.Triggers;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit.Abstractions;

namespace FlowForge.Server.Tests.Fuzz;

/// <summary>
/// Generated workflows, bodies, trigger data and events thrown at the real server over HTTP: whatever comes in,
/// the answer is never a 5xx, a refused request writes nothing, and an accepted one can be read back.
/// </summary>
public sealed class ApiFuzzTests(ServerFixture server, ITestOutputHelper output) : IClassFixture<ServerFixture>
{
    private readonly HttpClient _client = server.Client();
    private int _created, _published, _executed;

    /// <summary>A body as a client might send it: well-formed, cut short, with a stray field, or replaced by garbage.</summary>
    private static Gen<string> Mangle(string json, int intact = 6) => Gen.Frequency(
        (intact, Gen.Constant(json)),
        (1, Gen.Choose(0, Math.Max(0, json.Length - 1)).Select(n => json[..n])),
        (1, FuzzInputs.Text.Select(field => json.TrimEnd('}') + $",\"{JsonEncodedText.Encode(field)}\":1}}")),
        (1, FuzzInputs.Json(3).Select(j => j?.ToJsonString() ?? "null")),
        (1, FuzzInputs.Text),
        // Nested past any sane depth: must be refused at the door or stored and shown, never a 500 or a stalled engine.
        (1, Gen.Choose(20, 80).Select(depth => string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth))));

    private static string Body(WorkflowGraph graph, string name) => new JsonObject
    {
        ["name"] = name,
        ["nodes"] = JsonSerializer.SerializeToNode(graph.Nodes, JsonDefaults.Options),
        ["edges"] = JsonSerializer.SerializeToNode(graph.Edges, JsonDefaults.Options),
    }.ToJsonString();

    private static void NoServerError(HttpResponseMessage response, string what)
    {
        if ((int)response.StatusCode >= 500)
        {
            throw new Xunit.Sdk.XunitException($"{what} answered {(int)response.StatusCode}: {response.Content.ReadAsStringAsync().Result}");
        }
        if (!response.IsSuccessStatusCode && response.Content.Headers.ContentType?.MediaType is { } type)
        {
            Assert.Equal("application/problem+json", type);
        }
    }

    private async Task<int> WorkflowCountAsync() =>
        (int)(await (await _client.GetAsync("/api/workflows?limit=1")).Expect(HttpStatusCode.OK))["total"]!;

    [Property(MaxTest = 150)]
    public Property Workflows_AnyBody_NoServerError_RefusedWritesNothing_AcceptedRunsOrIsRefused() =>
        Prop.ForAll((
            from graph in FuzzInputs.Workflow
            from name in FuzzInputs.Text
            from body in Mangle(Body(graph, name), intact: 20)
            from trigger in FuzzInputs.TriggerData
            from testData in FuzzInputs.Json(3)
            from triggerBody in Mangle(new JsonObject { ["triggerData"] = trigger.DeepClone() }.ToJsonString(), intact: 12)
            from eventName in Gen.Elements("approval", "other", "x y", "\u202Eevil", new string('e', 300))
            from eventBody in Mangle(new JsonObject { ["payload"] = trigger.DeepClone() }.ToJsonString())
            select (body, triggerBody, testData, eventName, eventBody)).ToArbitrary(), input =>
        {
            RunWorkflowCase(input.body, input.triggerBody, input.testData, input.eventName, input.eventBody).GetAwaiter().GetResult();
            output.WriteLine($"so far: {_created} created, {_published} published, {_executed} executed");
        });

    /// <summary>Waits until the execution is terminal (completed, failed or cancelled): a positive signal, not a pause.</summary>
    private async Task FinishedAsync(string executionId)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var detail = await (await _client.GetAsync($"/api/executions/{executionId}")).Expect(HttpStatusCode.OK);
            if ((string?)detail["status"] is "completed" or "failed" or "cancelled") return;
            Assert.True(DateTime.UtcNow < deadline, $"Execution {executionId} did not finish after its cancel (status {(string?)detail["status"]}).");
            await Task.Delay(20);
        }
    }

    private async Task<int> CountAsync(string url) => (int)(await (await _client.GetAsync(url)).Expect(HttpStatusCode.OK))["total"]!;

    private async Task RunWorkflowCase(string body, string triggerBody, JsonNode? testData, string eventName, string eventBody)
    {
        var before = await WorkflowCountAsync();
        var created = await _client.PostAsync("/api/workflows", Http.Json(body));
        NoServerError(created, "POST /api/workflows");
        if (created.StatusCode != HttpStatusCode.Created)
        {
            Assert.Equal(before, await WorkflowCountAsync());
            return;
        }
        var id = (string)(await created.ReadJson())["id"]!;
        _created++;
        NoServerError(await _client.PostAsync($"/api/workflows/{id}/validate", null), "validate");
        NoServerError(await _client.PostAsync($"/api/workflows/{id}/test", Http.Json(new JsonObject { ["testData"] = testData?.DeepClone() }.ToJsonString())), "test");
        var published = await _client.PostAsync($"/api/workflows/{id}/publish", null);
        NoServerError(published, "publish");
        if (!published.IsSuccessStatusCode) return;
        _published++;

        var executions = $"/api/workflows/{id}/executions?limit=1";
        var runsBefore = await CountAsync(executions);
        var started = await _client.PostAsync($"/api/workflows/{id}/execute", Http.Json(triggerBody));
        NoServerError(started, "execute");
        if (started.StatusCode != HttpStatusCode.Accepted)
        {
            Assert.Equal(runsBefore, await CountAsync(executions));
            return;
        }
        var executionId = (string)(await started.ReadJson())["executionId"]!;
        _executed++;
        var history = $"/api/executions/{executionId}/history";
        var raised = await _client.PostAsync($"/api/executions/{executionId}/events/{Uri.EscapeDataString(eventName)}", Http.Json(eventBody));
        NoServerError(raised, "event");
        if (!raised.IsSuccessStatusCode)
        {
            // A refused event is not delivered: nothing the execution ever sees comes from it. A cancel sent after it
            // reaches the inbox later, so once the execution has finished, an accepted event would have been consumed.
            NoServerError(await _client.PostAsync($"/api/executions/{executionId}/cancel", null), "cancel after a refused event");
            await FinishedAsync(executionId);
            var events = (await (await _client.GetAsync(history)).Expect(HttpStatusCode.OK))["events"]!.AsArray();
            Assert.DoesNotContain(events, e => (string?)e!["type"] == "eventRaised" && (string?)e["name"] == eventName);
        }
        NoServerError(await _client.GetAsync($"/api/executions/{executionId}"), "GET execution");
        NoServerError(await _client.PostAsync($"/api/executions/{executionId}/cancel", null), "cancel");
        NoServerError(await _client.GetAsync($"/api/executions/{executionId}"), "GET execution after cancel");
    }

    [Property(MaxTest = 80)]
    public Property Webhook_AnyPayload_NoServerError() =>
        Prop.ForAll((
            from payload in FuzzInputs.Json(4)
            from raw in Mangle(payload?.ToJsonString() ?? "null")
            from contentType in Gen.Elements("application/json", "application/x-www-form-urlencoded", "text/plain", "application/xml", "multipart/form-data")
            from method in Gen.Elements("POST", "PUT", "GET")
            select (raw, contentType, method)).ToArbitrary(), input => RunWebhookCase(input.raw, input.contentType, input.method).GetAwaiter().GetResult());

    private string? _hookPath;

    private async Task RunWebhookCase(string raw, string contentType, string method)
    {
        _hookPath ??= await PublishHookAsync();
        var request = new HttpRequestMessage(new HttpMethod(method), _hookPath) { Content = new StringContent(raw, Encoding.UTF8) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        var response = await server.Client(null).SendAsync(request);
        NoServerError(response, $"{method} webhook ({contentType})");
        if (response.StatusCode == HttpStatusCode.Accepted && (await response.ReadJson())["executionId"] is { } id)
        {
            NoServerError(await _client.GetAsync($"/api/executions/{id}"), "GET execution");
        }
    }

    private async Task<string> PublishHookAsync()
    {
        var (id, published) = await _client.CreateAndPublish(TriggerTestSupport.Workflow("fuzz-hook", "trigger_webhook",
            """{ "auth": "none", "methods": ["POST", "PUT"] }""", echo: "{{trigger.body}}"));
        Assert.NotNull(id);
        return published.Trigger().HookPath();
    }
}
