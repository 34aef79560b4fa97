using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace FlowForge.Functions.Tests.Contract;

/// <summary>
/// The same requests against the server and the Functions app's HTTP functions: status codes, problem types and JSON
/// shapes must agree (the two hosts share each endpoint's handler; this catches a binding or a service that differs).
/// Ids and times are each host's own, so only shapes are compared where they appear.
/// </summary>
public sealed class ContractTests(TwoHostsFixture hosts) : IClassFixture<TwoHostsFixture>
{
    private static readonly string[] DurableLinks =
        ["links.statusQueryGetUri", "links.sendEventPostUri", "links.terminatePostUri", "links.purgeHistoryDeleteUri"];

    [Fact]
    public async Task No_api_key_is_the_same_401_problem()
    {
        var answers = await HostPair.SendAsync(hosts, () => new HttpRequestMessage(HttpMethod.Get, "/api/executions"), key: null);
        HostPair.AssertSameProblem(answers, HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Equal("Bearer", answers.Functions.Response.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task A_revoked_or_unknown_key_is_the_same_401_problem()
    {
        var answers = await HostPair.SendAsync(hosts, () => new HttpRequestMessage(HttpMethod.Get, "/api/executions"), key: "ffk_not_a_key");
        HostPair.AssertSameProblem(answers, HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task Starting_an_unknown_workflow_is_the_same_404()
    {
        var answers = await HostPair.SendAsync(hosts, () => HostPair.Json(HttpMethod.Post, "/api/workflows/wf_missing/execute", """{"triggerData":{}}"""));
        HostPair.AssertSameProblem(answers, HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task A_bad_start_body_is_the_same_400_with_its_field_errors()
    {
        var workflow = await CreateAndPublishAsync(Workflows.Simple("bad-body"));
        var unknownField = await HostPair.SendAsync(hosts, () => HostPair.Json(HttpMethod.Post, $"/api/workflows/{workflow}/execute", """{"name":"Ada"}"""));
        HostPair.AssertSameProblem(unknownField, HttpStatusCode.BadRequest, "invalid-body");
        var malformed = await HostPair.SendAsync(hosts, () => HostPair.Json(HttpMethod.Post, $"/api/workflows/{workflow}/execute", """{"triggerData": """));
        HostPair.AssertSameProblem(malformed, HttpStatusCode.BadRequest, "invalid-body");
    }

    [Fact]
    public async Task Start_is_the_same_202_and_the_functions_add_durable_links()
    {
        var workflow = await CreateAndPublishAsync(Workflows.Simple("start"));
        var (s, f) = await HostPair.SendAsync(hosts, () => HostPair.Json(HttpMethod.Post, $"/api/workflows/{workflow}/execute", """{"triggerData":{"name":"Ada"}}"""));
        Assert.Equal(HttpStatusCode.Accepted, s.Status);
        Assert.Equal(HttpStatusCode.Accepted, f.Status);
        JsonShape.AssertSame(s.Body, f.Body, DurableLinks);
        var id = f.Id();
        Assert.Equal($"/api/executions/{id}", f.Response.Headers.Location?.OriginalString);
        Assert.Equal($"/api/executions/{id}", (string?)f.Body!["links"]!["self"]);
        Assert.EndsWith($"/runtime/webhooks/durabletask/instances/{id}", (string?)f.Body["links"]!["statusQueryGetUri"]);
        Assert.EndsWith($"/runtime/webhooks/durabletask/instances/{id}/raiseEvent/{{eventName}}", (string?)f.Body["links"]!["sendEventPostUri"]);
        Assert.Contains($"/instances/{id}/terminate", (string?)f.Body["links"]!["terminatePostUri"]);
        // The orchestration exists under the execution's id (instance id = execution id).
        Assert.NotNull(await hosts.Functions.Client.GetInstanceAsync(id));
    }

    [Fact]
    public async Task Detail_after_completion_has_the_same_step_logs()
    {
        var workflow = await CreateAndPublishAsync(Workflows.Simple("detail"));
        var (s, f) = await StartBothAsync(workflow, """{"triggerData":{"name":"Ada"}}""");
        var server = await HostPair.WaitForStatusAsync(hosts.Server(), s, "completed", "failed");
        var functions = await HostPair.WaitForStatusAsync(hosts.FunctionsClient(), f, "completed", "failed");
        Assert.Equal("completed", (string?)server["status"]);
        Assert.Equal((string?)server["status"], (string?)functions["status"]);
        JsonShape.AssertSame(server, functions);
        Assert.Equal(Steps(server), Steps(functions));
        Assert.Equal(server["finalOutput"]?.ToJsonString(), functions["finalOutput"]?.ToJsonString());

        // The history the Functions app recorded in its Table log is the server's, event for event.
        var serverHistory = await hosts.Server().GetFromJsonAsync<JsonNode>($"/api/executions/{s}/history");
        var functionsHistory = await hosts.FunctionsClient().GetFromJsonAsync<JsonNode>($"/api/executions/{f}/history");
        Assert.Equal(Types(serverHistory!), Types(functionsHistory!));
        JsonShape.AssertSame(serverHistory, functionsHistory);
    }

    [Fact]
    public async Task Listing_and_searching_give_the_same_shapes()
    {
        var workflow = await CreateAndPublishAsync(Workflows.Simple("list"));
        await StartBothAsync(workflow, """{"triggerData":{"name":"Ada"}}""");
        var search = await HostPair.SendAsync(hosts, () => new HttpRequestMessage(HttpMethod.Get, $"/api/executions?workflowId={workflow}&limit=10"));
        Assert.Equal(HttpStatusCode.OK, search.Server.Status);
        Assert.Equal(HttpStatusCode.OK, search.Functions.Status);
        Assert.Single(search.Server.Body!["executions"]!.AsArray());
        Assert.Single(search.Functions.Body!["executions"]!.AsArray());
        JsonShape.AssertSame(search.Server.Body, search.Functions.Body);

        var list = await HostPair.SendAsync(hosts, () => new HttpRequestMessage(HttpMethod.Get, $"/api/workflows/{workflow}/executions"));
        Assert.Equal(HttpStatusCode.OK, list.Functions.Status);
        Assert.Equal(1, (int)list.Functions.Body!["total"]!);
        JsonShape.AssertSame(list.Server.Body, list.Functions.Body);

        var none = await HostPair.SendAsync(hosts, () => new HttpRequestMessage(HttpMethod.Get, "/api/executions?workflowId=wf_none"));
        Assert.Empty(none.Functions.Body!["executions"]!.AsArray());
        JsonShape.AssertSame(none.Server.Body, none.Functions.Body);

        var badStatus = await HostPair.SendAsync(hosts, () => new HttpRequestMessage(HttpMethod.Get, "/api/executions?status=sleeping"));
        HostPair.AssertSameProblem(badStatus, HttpStatusCode.BadRequest, "bad-request");
        var unknown = await HostPair.SendAsync(hosts, () => new HttpRequestMessage(HttpMethod.Get, "/api/executions/ex_missing"));
        HostPair.AssertSameProblem(unknown, HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task An_event_to_a_waiting_approval_is_delivered_the_same_way()
    {
        var workflow = await CreateAndPublishAsync(Workflows.Approval("approve"));
        var (s, f) = await StartBothAsync(workflow, """{"triggerData":{}}""");
        await HostPair.WaitForStatusAsync(hosts.Server(), s, "waiting");
        await HostPair.WaitForStatusAsync(hosts.FunctionsClient(), f, "waiting");

        var (sa, fa) = (await Send(hosts.Server(), $"/api/executions/{s}/events/approval", """{"payload":{"approved":true}}"""),
            await Send(hosts.FunctionsClient(), $"/api/executions/{f}/events/approval", """{"payload":{"approved":true}}"""));
        Assert.Equal(HttpStatusCode.Accepted, sa.Status);
        Assert.Equal(HttpStatusCode.Accepted, fa.Status);
        Assert.True((bool)fa.Body!["waiting"]!);
        JsonShape.AssertSame(sa.Body, fa.Body);

        var server = await HostPair.WaitForStatusAsync(hosts.Server(), s, "completed", "failed");
        var functions = await HostPair.WaitForStatusAsync(hosts.FunctionsClient(), f, "completed", "failed");
        Assert.Equal("completed", (string?)functions["status"]);
        Assert.Equal(Steps(server), Steps(functions));
        JsonShape.AssertSame(server, functions);
    }

    [Fact]
    public async Task Cancel_is_the_same_202_then_cancelled_and_then_the_same_409()
    {
        var workflow = await CreateAndPublishAsync(Workflows.Approval("cancel"));
        var (s, f) = await StartBothAsync(workflow, """{"triggerData":{}}""");
        await HostPair.WaitForStatusAsync(hosts.Server(), s, "waiting");
        await HostPair.WaitForStatusAsync(hosts.FunctionsClient(), f, "waiting");

        var (sa, fa) = (await Send(hosts.Server(), $"/api/executions/{s}/cancel", """{"reason":"not needed"}"""),
            await Send(hosts.FunctionsClient(), $"/api/executions/{f}/cancel", """{"reason":"not needed"}"""));
        Assert.Equal(HttpStatusCode.Accepted, fa.Status);
        Assert.Equal((string?)sa.Body!["status"], (string?)fa.Body!["status"]);
        JsonShape.AssertSame(sa.Body, fa.Body);
        var server = await HostPair.WaitForStatusAsync(hosts.Server(), s, "cancelled");
        var functions = await HostPair.WaitForStatusAsync(hosts.FunctionsClient(), f, "cancelled");
        JsonShape.AssertSame(server, functions);

        var again = (await Send(hosts.Server(), $"/api/executions/{s}/cancel", null), await Send(hosts.FunctionsClient(), $"/api/executions/{f}/cancel", null));
        HostPair.AssertSameProblem(again, HttpStatusCode.Conflict, "execution-finished", sameDetail: false);
    }

    [Fact]
    public async Task Retry_is_the_same_409_while_running_and_202_when_finished()
    {
        var workflow = await CreateAndPublishAsync(Workflows.Approval("retry"));
        var (s, f) = await StartBothAsync(workflow, """{"triggerData":{"n":1}}""");
        await HostPair.WaitForStatusAsync(hosts.Server(), s, "waiting");
        await HostPair.WaitForStatusAsync(hosts.FunctionsClient(), f, "waiting");
        var early = (await Send(hosts.Server(), $"/api/executions/{s}/retry", null), await Send(hosts.FunctionsClient(), $"/api/executions/{f}/retry", null));
        HostPair.AssertSameProblem(early, HttpStatusCode.Conflict, "execution-not-finished", sameDetail: false);

        await Send(hosts.Server(), $"/api/executions/{s}/cancel", null);
        await Send(hosts.FunctionsClient(), $"/api/executions/{f}/cancel", null);
        await HostPair.WaitForStatusAsync(hosts.Server(), s, "cancelled");
        await HostPair.WaitForStatusAsync(hosts.FunctionsClient(), f, "cancelled");
        var (sr, fr) = (await Send(hosts.Server(), $"/api/executions/{s}/retry", null), await Send(hosts.FunctionsClient(), $"/api/executions/{f}/retry", null));
        Assert.Equal(HttpStatusCode.Accepted, sr.Status);
        Assert.Equal(HttpStatusCode.Accepted, fr.Status);
        JsonShape.AssertSame(sr.Body, fr.Body, DurableLinks);
        var retried = await hosts.FunctionsClient().GetFromJsonAsync<JsonNode>($"/api/executions/{fr.Id()}");
        Assert.Equal(f, (string?)retried!["retryOf"]);

        var missing = await HostPair.SendAsync(hosts, () => HostPair.Json(HttpMethod.Post, "/api/executions/ex_missing/retry"));
        HostPair.AssertSameProblem(missing, HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task A_webhook_with_a_good_signature_starts_and_a_bad_one_is_the_same_401()
    {
        var (_, published) = await hosts.CreateAndPublishAsync(Workflows.Webhook("hook"));
        var trigger = published["triggers"]!.AsArray().Single(t => (string?)t!["stepId"] == "hook")!;
        var path = new Uri((string)trigger["url"]!).PathAndQuery;
        var secret = (string)trigger["secret"]!;

        // A delivery id per host: the hosts share the trigger event log, where a repeated id is a duplicate delivery.
        var good = (await HostAnswer.ReadAsync(await hosts.Server(null).SendAsync(Signed(path, """{"name":"Ada"}""", secret))),
            await HostAnswer.ReadAsync(await hosts.FunctionsClient(null).SendAsync(Signed(path, """{"name":"Ada"}""", secret))));
        Assert.Equal(HttpStatusCode.Accepted, good.Item1.Status);
        Assert.Equal(HttpStatusCode.Accepted, good.Item2.Status);
        JsonShape.AssertSame(good.Item1.Body, good.Item2.Body);
        Assert.NotNull(await hosts.Log.GetAsync("org-a", good.Item2.Id()));

        var bad = await HostPair.SendAsync(hosts, () => Signed(path, """{"name":"Ada"}""", "whsec_" + Convert.ToBase64String(new byte[32])), key: null);
        HostPair.AssertSameProblem(bad, HttpStatusCode.Unauthorized, "unauthorized");
        var unknown = await HostPair.SendAsync(hosts, () => HostPair.Json(HttpMethod.Post, "/hooks/no-such-key", "{}"), key: null);
        HostPair.AssertSameProblem(unknown, HttpStatusCode.NotFound, "not-found");
    }

    private async Task<(string Server, string Functions)> StartBothAsync(string workflow, string body)
    {
        var (s, f) = await HostPair.SendAsync(hosts, () => HostPair.Json(HttpMethod.Post, $"/api/workflows/{workflow}/execute", body));
        Assert.Equal(HttpStatusCode.Accepted, s.Status);
        Assert.Equal(HttpStatusCode.Accepted, f.Status);
        return (s.Id(), f.Id());
    }

    private static async Task<HostAnswer> Send(HttpClient client, string path, string? body)
    {
        using (client) return await HostAnswer.ReadAsync(await client.SendAsync(HostPair.Json(HttpMethod.Post, path, body)));
    }

    private static List<string?> Types(JsonNode history) => [.. history["events"]!.AsArray().Select(e => (string?)e!["type"])];

    /// <summary>Each step log as "stepId nodeType status", in order.</summary>
    private static List<string> Steps(JsonNode detail) =>
        [.. detail["logs"]!.AsArray().Select(l => $"{(string?)l!["stepId"]} {(string?)l["nodeType"]} {(string?)l["status"]}")];

    private async Task<string> CreateAndPublishAsync(string workflowJson) => (await hosts.CreateAndPublishAsync(workflowJson)).Id;

    /// <summary>Standard Webhooks headers, computed here independently of the hosts' code.</summary>
    private static HttpRequestMessage Signed(string path, string body, string secret)
    {
        var id = "msg_" + Guid.NewGuid().ToString("N");
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var key = Convert.FromBase64String(secret["whsec_".Length..]);
        var signature = "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{id}.{timestamp}.{body}")));
        var request = HostPair.Json(HttpMethod.Post, path, body);
        request.Headers.Add("webhook-id", id);
        request.Headers.Add("webhook-timestamp", timestamp);
        request.Headers.Add("webhook-signature", signature);
        return request;
    }
}
