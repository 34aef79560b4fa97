using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Dapper;
using FlowForge.Server.Tests.Infrastructure;
using FlowForge.Storage.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace FlowForge.Server.Tests.Triggers;

/// <summary>Webhook triggers over real HTTP with the real store: registration, auth modes, dedup, filters, limits, response modes.</summary>
public sealed class WebhookTriggerTests(TriggersFixture server) : IClassFixture<TriggersFixture>
{
    private readonly HttpClient _client = server.Client();
    private readonly HttpClient _anonymous = server.Client(key: null);

    [Fact]
    public async Task Publish_RegistersUrl_SecretShownOnce_KeyStableAcrossRepublish_GoneWhenUnpublished()
    {
        var (id, published) = await _client.CreateAndPublish(TriggerTestSupport.Workflow("reg", "trigger_webhook", """{ "auth": "signature" }"""));
        var trigger = published.Trigger();
        Assert.Equal("trigger_webhook", (string?)trigger["type"]);
        Assert.Equal("signature", (string?)trigger["auth"]);
        Assert.StartsWith("whsec_", (string?)trigger["secret"]);
        Assert.StartsWith(server.BaseAddress.ToString().TrimEnd('/') + "/hooks/", (string?)trigger["url"]);
        Assert.True(trigger.HookPath().Length > "/hooks/".Length + 40, "an unguessable key");

        var get = await (await _client.GetAsync($"/api/workflows/{id}")).Expect(HttpStatusCode.OK);
        Assert.Equal((string?)trigger["url"], (string?)get.Trigger()["url"]);
        Assert.Null(get.Trigger()["secret"]);

        // Re-publishing keeps the URL and does not show (or change) the secret again.
        var again = await (await _client.PostAsync($"/api/workflows/{id}/publish", null)).Expect(HttpStatusCode.OK);
        Assert.Equal((string?)trigger["url"], (string?)again.Trigger()["url"]);
        Assert.Null(again.Trigger()["secret"]);
        var ok = await _anonymous.SendAsync(TriggerTestSupport.Signed(trigger.HookPath(), """{"name":"Ada"}""", (string)trigger["secret"]!));
        await ok.Expect(HttpStatusCode.Accepted);

        // Unpublished: the URL answers 404 and starts nothing; re-published: the same URL works again.
        await (await _client.PostAsync($"/api/workflows/{id}/unpublish", null)).Expect(HttpStatusCode.OK);
        Assert.Empty((await (await _client.GetAsync($"/api/workflows/{id}")).Expect(HttpStatusCode.OK))["triggers"]!.AsArray());
        var gone = await _anonymous.SendAsync(TriggerTestSupport.Signed(trigger.HookPath(), """{"name":"Ada"}""", (string)trigger["secret"]!));
        await gone.ExpectProblem(HttpStatusCode.NotFound, "not-found");
        var republished = await (await _client.PostAsync($"/api/workflows/{id}/publish", null)).Expect(HttpStatusCode.OK);
        Assert.Equal((string?)trigger["url"], (string?)republished.Trigger()["url"]);
        Assert.Equal(1, await _client.ExecutionCount(id));

        // Deleted: gone for good.
        await (await _client.DeleteAsync($"/api/workflows/{id}")).Expect(HttpStatusCode.NoContent);
        var deleted = await _anonymous.SendAsync(TriggerTestSupport.Signed(trigger.HookPath(), """{"name":"Ada"}""", (string)trigger["secret"]!));
        await deleted.ExpectProblem(HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task NoAuth_StartsTheWorkflowWithMethodHeadersQueryAndBody_SecretsLeftOut()
    {
        var (id, published) = await _client.CreateAndPublish(TriggerTestSupport.Workflow("open", "trigger_webhook", """{ "auth": "none" }"""));
        var request = TriggerTestSupport.JsonRequest(published.Trigger().HookPath() + "?source=crm&tag=a&tag=b", """{"name":"Ada","n":3}""");
        request.Headers.Add("Cookie", "session=secret");
        request.Headers.Add("Authorization", "Bearer whatever");
        request.Headers.Add("X-Custom", "kept");
        var accepted = await (await _anonymous.SendAsync(request)).Expect(HttpStatusCode.Accepted);
        var execution = await _client.WaitFinished((string)accepted["executionId"]!);
        Assert.Equal("completed", (string?)execution["status"]);
        Assert.Equal(id, (string?)execution["workflowId"]);
        var data = execution["triggerData"]!;
        Assert.Equal("POST", (string?)data["method"]);
        Assert.Equal("Ada", (string?)data["body"]!["name"]);
        Assert.Equal(3, (int?)data["body"]!["n"]);
        Assert.Equal("crm", (string?)data["query"]!["source"]);
        Assert.Equal(2, data["query"]!["tag"]!.AsArray().Count);
        Assert.Equal("kept", (string?)data["headers"]!["x-custom"]);
        Assert.Null(data["headers"]!["cookie"]);
        Assert.Null(data["headers"]!["authorization"]);
        Assert.Equal("Ada", (string?)execution["finalOutput"]!["got"]);

        // Form fields and text bodies too.
        var form = await (await _anonymous.PostAsync(published.Trigger().HookPath(),
            new FormUrlEncodedContent(new Dictionary<string, string> { ["name"] = "Grace" }))).Expect(HttpStatusCode.Accepted);
        Assert.Equal("Grace", (string?)(await _client.WaitFinished((string)form["executionId"]!))["triggerData"]!["body"]!["name"]);
        var text = await (await _anonymous.PostAsync(published.Trigger().HookPath(), new StringContent("hello", Encoding.UTF8, "text/plain"))).Expect(HttpStatusCode.Accepted);
        Assert.Equal("hello", (string?)(await _client.WaitFinished((string)text["executionId"]!))["triggerData"]!["body"]);
    }

    [Fact]
    public async Task RefusedCalls_AreLoggedWithTheirReason_AtMostOncePerEndpointPerInterval()
    {
        var (id, published) = await _client.CreateAndPublish(TriggerTestSupport.Workflow("refused-log", "trigger_webhook", """{ "auth": "token" }"""));
        var trigger = published.Trigger();
        var path = trigger.HookPath();

        await (await _anonymous.SendAsync(TriggerTestSupport.JsonRequest(path, "{}").WithBearer("wrong"))).ExpectProblem(HttpStatusCode.Unauthorized, "unauthorized");
        // A flood of bad calls right after is refused all the same, without a row each.
        for (var i = 0; i < 5; i++)
        {
            await (await _anonymous.SendAsync(TriggerTestSupport.JsonRequest(path, "{}"))).ExpectProblem(HttpStatusCode.Unauthorized, "unauthorized");
        }
        await (await _anonymous.SendAsync(TriggerTestSupport.JsonRequest(path, "{}").WithBearer((string)trigger["secret"]!))).Expect(HttpStatusCode.Accepted);

        var list = await (await _client.GetAsync($"/api/workflows/{id}/triggers")).Expect(HttpStatusCode.OK);
        var refused = list["recentEvents"]!.AsArray().Where(e => (string?)e!["outcome"] == "refused").ToList();
        var only = Assert.Single(refused);
        Assert.Equal(("hook", "The webhook token is not valid."), ((string?)only!["stepId"], (string?)only["detail"]));
        Assert.Null(only["executionId"]);
        var counts = list["triggers"]!.AsArray().Single(t => (string?)t!["stepId"] == "hook")!["counts"]!;
        Assert.Equal((1, 1), ((int?)counts["refused"], (int?)counts["accepted"]));
    }

    [Fact]
    public async Task Token_MissingOrWrongIs401_BearerOrHeaderStarts_RotationKeepsTheOldOneForTheGrace()
    {
        var (id, published) = await _client.CreateAndPublish(TriggerTestSupport.Workflow("token", "trigger_webhook", """{ "auth": "token" }"""));
        var trigger = published.Trigger();
        var token = (string)trigger["secret"]!;
        var path = trigger.HookPath();

        await (await _anonymous.SendAsync(TriggerTestSupport.JsonRequest(path, "{}"))).ExpectProblem(HttpStatusCode.Unauthorized, "unauthorized");
        await (await _anonymous.SendAsync(TriggerTestSupport.JsonRequest(path, "{}").WithBearer(token + "x"))).ExpectProblem(HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Equal(0, await _client.ExecutionCount(id));

        await (await _anonymous.SendAsync(TriggerTestSupport.JsonRequest(path, "{}").WithBearer(token))).Expect(HttpStatusCode.Accepted);
        var header = TriggerTestSupport.JsonRequest(path, "{}");
        header.Headers.Add("X-Webhook-Token", token);
        await (await _anonymous.SendAsync(header)).Expect(HttpStatusCode.Accepted);

        var rotated = await (await _client.PostAsync($"/api/workflows/{id}/triggers/hook/rotate-secret", null)).Expect(HttpStatusCode.OK);
        var newToken = (string)rotated["secret"]!;
        Assert.NotEqual(token, newToken);
        Assert.NotNull(rotated["previousSecretValidUntil"]);
        await (await _anonymous.SendAsync(TriggerTestSupport.JsonRequest(path, "{}").WithBearer(newToken))).Expect(HttpStatusCode.Accepted);
        await (await _anonymous.SendAsync(TriggerTestSupport.JsonRequest(path, "{}").WithBearer(token))).Expect(HttpStatusCode.Accepted);
        Assert.Equal(4, await _client.ExecutionCount(id));
    }

    [Fact]
    public async Task Signature_ValidMissingWrongStaleAndReplayed()
    {
        var (id, published) = await _client.CreateAndPublish(TriggerTestSupport.Workflow("signed", "trigger_webhook", """{ "auth": "signature" }"""));
        var trigger = published.Trigger();
        var secret = (string)trigger["secret"]!;
        var path = trigger.HookPath();
        const string body = """{"name":"Ada"}""";

        // Valid.
        var first = await _anonymous.SendAsync(TriggerTestSupport.Signed(path, body, secret, id: "msg_1"));
        var firstBody = await first.Expect(HttpStatusCode.Accepted);

        // Missing headers, wrong secret, body tampered, timestamp outside the 5-minute tolerance.
        await (await _anonymous.SendAsync(TriggerTestSupport.JsonRequest(path, body))).ExpectProblem(HttpStatusCode.Unauthorized, "unauthorized");
        var wrongSecret = "whsec_" + Convert.ToBase64String(new byte[32]);
        await (await _anonymous.SendAsync(TriggerTestSupport.Signed(path, body, wrongSecret))).ExpectProblem(HttpStatusCode.Unauthorized, "unauthorized");
        var tampered = TriggerTestSupport.Signed(path, body, secret);
        tampered.Content = new StringContent("""{"name":"Eve"}""", Encoding.UTF8, "application/json");
        await (await _anonymous.SendAsync(tampered)).ExpectProblem(HttpStatusCode.Unauthorized, "unauthorized");
        await (await _anonymous.SendAsync(TriggerTestSupport.Signed(path, body, secret, at: DateTimeOffset.UtcNow.AddMinutes(-6))))
            .ExpectProblem(HttpStatusCode.Unauthorized, "unauthorized");

        // Replayed within the tolerance (same webhook-id): answered like the first, nothing new starts.
        var replay = await _anonymous.SendAsync(TriggerTestSupport.Signed(path, body, secret, id: "msg_1"));
        var replayBody = await replay.Expect(HttpStatusCode.Accepted);
        Assert.Equal((string?)firstBody["executionId"], (string?)replayBody["executionId"]);
        Assert.Equal("true", replay.Headers.GetValues("Idempotent-Replayed").Single());

        // Several signatures (key rotation on the sender's side): one valid is enough.
        await (await _anonymous.SendAsync(TriggerTestSupport.Signed(path, body, secret, extraSignature: "v1,AAAA"))).Expect(HttpStatusCode.Accepted);

        // Rotation: the new secret works, the old one still does during the grace period.
        var rotated = await (await _client.PostAsync($"/api/workflows/{id}/triggers/hook/rotate-secret", null)).Expect(HttpStatusCode.OK);
        var newSecret = (string)rotated["secret"]!;
        await (await _anonymous.SendAsync(TriggerTestSupport.Signed(path, body, newSecret))).Expect(HttpStatusCode.Accepted);
        await (await _anonymous.SendAsync(TriggerTestSupport.Signed(path, body, secret))).Expect(HttpStatusCode.Accepted);

        Assert.Equal(4, await _client.ExecutionCount(id));
        var triggers = await (await _client.GetAsync($"/api/workflows/{id}/triggers")).Expect(HttpStatusCode.OK);
        var counts = triggers["triggers"]![0]!["counts"]!;
        Assert.Equal(4, (int?)counts["accepted"]);
        Assert.Equal(1, (int?)counts["duplicates"]);
    }

    /// <summary>
    /// The tolerance holds both ways: a timestamp from the future is as suspect as a stale one (a captured message
    /// signed ahead of time stays replayable for as long as its timestamp is ahead).
    /// </summary>
    [Fact]
    public async Task Signature_TimestampBeyondTheToleranceInTheFuture_IsRefused()
    {
        var (id, published) = await _client.CreateAndPublish(TriggerTestSupport.Workflow("signed-future", "trigger_webhook", """{ "auth": "signature" }"""));
        var trigger = published.Trigger();
        var secret = (string)trigger["secret"]!;
        var path = trigger.HookPath();

        foreach (var ahead in new[] { TimeSpan.FromMinutes(6), TimeSpan.FromDays(365) })
        {
            var refused = await (await _anonymous.SendAsync(TriggerTestSupport.Signed(path, "{}", secret, at: DateTimeOffset.UtcNow + ahead)))
                .ExpectProblem(HttpStatusCode.Unauthorized, "unauthorized");
            Assert.Contains("webhook-timestamp is more than 5 minutes away", (string?)refused["detail"]);
        }
        // Within the tolerance ahead (a sender's clock running fast) is accepted.
        await (await _anonymous.SendAsync(TriggerTestSupport.Signed(path, "{}", secret, at: DateTimeOffset.UtcNow.AddMinutes(4)))).Expect(HttpStatusCode.Accepted);
        Assert.Equal(1, await _client.ExecutionCount(id));
    }

    [Fact]
    public async Task IdempotencyKey_DuplicateDeliveriesStartOneExecution()
    {
        var (id, published) = await _client.CreateAndPublish(TriggerTestSupport.Workflow("dedup", "trigger_webhook", """{ "auth": "none" }"""));
        var path = published.Trigger().HookPath();
        var ids = new List<string>();
        foreach (var _ in Enumerable.Range(0, 3))
        {
            var request = TriggerTestSupport.JsonRequest(path, """{"name":"Ada"}""");
            request.Headers.Add("Idempotency-Key", "order-42");
            ids.Add((string)(await (await _anonymous.SendAsync(request)).Expect(HttpStatusCode.Accepted))["executionId"]!);
        }
        Assert.Single(ids.Distinct());
        Assert.Equal(1, await _client.ExecutionCount(id));
    }

    [Fact]
    public async Task Filter_FilteredEventsAreCountedButStartNothing()
    {
        var (id, published) = await _client.CreateAndPublish(TriggerTestSupport.Workflow("filtered", "trigger_webhook", """
            { "auth": "none", "filter": { "combinator": "AND", "conditions": [ { "variable": "body.kind", "operator": "equals", "value": "order" } ] } }
            """));
        var path = published.Trigger().HookPath();
        var skipped = await (await _anonymous.SendAsync(TriggerTestSupport.JsonRequest(path, """{"kind":"refund"}"""))).Expect(HttpStatusCode.OK);
        Assert.True((bool?)skipped["filtered"]);
        var started = await (await _anonymous.SendAsync(TriggerTestSupport.JsonRequest(path, """{"kind":"order","name":"Ada"}"""))).Expect(HttpStatusCode.Accepted);
        Assert.NotNull(started["executionId"]);
        Assert.Equal(1, await _client.ExecutionCount(id));

        var triggers = await (await _client.GetAsync($"/api/workflows/{id}/triggers")).Expect(HttpStatusCode.OK);
        var counts = triggers["triggers"]![0]!["counts"]!;
        Assert.Equal(1, (int?)counts["accepted"]);
        Assert.Equal(1, (int?)counts["filtered"]);
        Assert.Contains(triggers["recentEvents"]!.AsArray(), e => (string?)e!["outcome"] == "filtered");
    }

    [Fact]
    public async Task BadInput_UnknownKeyMethodSizeContentTypeAndMalformedJson()
    {
        var (id, published) = await _client.CreateAndPublish(TriggerTestSupport.Workflow("strict", "trigger_webhook", """{ "auth": "none", "methods": ["POST"] }"""));
        var path = published.Trigger().HookPath();
        await (await _anonymous.PostAsync("/hooks/not-a-real-key", Http.Json("{}"))).ExpectProblem(HttpStatusCode.NotFound, "not-found");
        await (await _anonymous.GetAsync(path)).ExpectProblem(HttpStatusCode.MethodNotAllowed, "method-not-allowed");
        await (await _anonymous.PostAsync(path, Http.Json(new { big = new string('x', 70_000) }))).ExpectProblem(HttpStatusCode.RequestEntityTooLarge, "body-too-large");
        await (await _anonymous.PostAsync(path, new ByteArrayContent([1, 2, 3]) { Headers = { ContentType = new("application/octet-stream") } }))
            .ExpectProblem(HttpStatusCode.UnsupportedMediaType, "unsupported-media-type");
        await (await _anonymous.PostAsync(path, Http.Json("{\"name\": "))).ExpectProblem(HttpStatusCode.BadRequest, "invalid-body");
        Assert.Equal(0, await _client.ExecutionCount(id));
    }

    [Fact]
    public async Task SyncMode_AnswersWithTheFinalOutput()
    {
        var (_, published) = await _client.CreateAndPublish(TriggerTestSupport.Workflow("sync", "trigger_webhook", """{ "auth": "none", "responseMode": "sync", "syncTimeout": "20s" }"""));
        var result = await (await _anonymous.SendAsync(TriggerTestSupport.JsonRequest(published.Trigger().HookPath(), """{"name":"Ada"}"""))).Expect(HttpStatusCode.OK);
        Assert.Equal("completed", (string?)result["status"]);
        Assert.Equal("Ada", (string?)result["output"]!["got"]);
        Assert.NotNull(result["executionId"]);
    }

    [Fact]
    public async Task SyncMode_ExecutionWithUnreadableStoredOutput_IsA422Problem_NotA500()
    {
        var (_, published) = await _client.CreateAndPublish(TriggerTestSupport.Workflow("sync damaged", "trigger_webhook", """{ "auth": "none", "responseMode": "sync", "syncTimeout": "20s" }"""));
        HttpRequestMessage Request()
        {
            var request = TriggerTestSupport.JsonRequest(published.Trigger().HookPath(), """{"name":"Ada"}""");
            request.Headers.Add("Idempotency-Key", "sync-damaged-1");
            return request;
        }
        var first = await (await _anonymous.SendAsync(Request())).Expect(HttpStatusCode.OK);
        var id = (string)first["executionId"]!;
        var db = server.Services.GetRequiredService<SqliteDatabase>();
        await using (var c = await db.OpenAsync())
        {
            await c.ExecuteAsync("UPDATE executions SET output = @deep WHERE id = @id", new { id, deep = FlowForge.Server.Tests.Engine.PoisonCommitTests.Nest(200, "1") });
        }

        // The same delivery again (its dedup key) answers from the stored execution, which cannot be read.
        await (await _anonymous.SendAsync(Request())).ExpectProblem(HttpStatusCode.UnprocessableEntity, "stored-data-unreadable");
    }

    [Fact]
    public async Task OrganisationB_WebhookRunsInOrganisationB_AndManualTriggerHasNoHook()
    {
        var clientB = server.Client(ServerFixture.KeyB);
        var (idB, published) = await clientB.CreateAndPublish(TriggerTestSupport.Workflow("b-hook", "trigger_webhook", """{ "auth": "none" }"""));
        var accepted = await (await _anonymous.SendAsync(TriggerTestSupport.JsonRequest(published.Trigger().HookPath(), """{"name":"B"}"""))).Expect(HttpStatusCode.Accepted);
        var executionId = (string)accepted["executionId"]!;
        Assert.Equal(idB, (string?)(await clientB.WaitFinished(executionId))["workflowId"]);
        await (await _client.GetAsync($"/api/executions/{executionId}")).ExpectProblem(HttpStatusCode.NotFound, "not-found");

        var (_, manual) = await _client.CreateAndPublish(Workflows.Simple("manual only"));
        Assert.Empty(manual["triggers"]!.AsArray());
    }
}
