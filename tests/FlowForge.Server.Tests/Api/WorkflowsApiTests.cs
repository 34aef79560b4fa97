using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using FlowForge.Server.Tests.Infrastructure;

namespace FlowForge.Server.Tests.Api;

public abstract class WorkflowsApiSuite<TStorage>(ServerFixture<TStorage> server) : IClassFixture<ServerFixture<TStorage>>
    where TStorage : ServerStorage, new()
{
    private readonly HttpClient _client = server.Client();

    private async Task<JsonNode> Create(string json)
    {
        var response = await _client.PostJson("/api/workflows", json);
        var body = await response.Expect(HttpStatusCode.Created);
        Assert.Equal($"/api/workflows/{body["id"]}", response.Headers.Location?.OriginalString);
        return body;
    }

    [Fact]
    public async Task Create_ReturnsDraftWithVersionAndETag()
    {
        var response = await _client.PostJson("/api/workflows", Workflows.Simple("Create me"));
        var body = await response.Expect(HttpStatusCode.Created);
        Assert.StartsWith("wf_", (string?)body["id"]);
        Assert.Equal("draft", (string?)body["status"]);
        Assert.Equal(1, (int?)body["version"]);
        Assert.Null(body["publishedVersion"]);
        Assert.Equal("\"1\"", response.Headers.ETag?.ToString());
        Assert.Equal(2, body["nodes"]!.AsArray().Count);
        Assert.Equal("hi {{trigger.name}}", (string?)body["nodes"]![1]!["config"]!["variables"]!["greeting"]);
        Assert.Equal("start", (string?)body["edges"]![0]!["source"]);
        Assert.Equal(1.0, (double?)body["canvas"]!["zoom"]);
    }

    [Fact]
    public async Task Get_ReturnsWhatWasSaved()
    {
        var created = await Create(Workflows.Simple("Get me"));
        var body = await (await _client.GetAsync($"/api/workflows/{created["id"]}")).Expect(HttpStatusCode.OK);
        Assert.Equal("Get me", (string?)body["name"]);
        Assert.Equal("two steps", (string?)body["description"]);
        Assert.True(JsonNode.DeepEquals(created["nodes"], body["nodes"]));
    }

    [Fact]
    public async Task Put_WithIfMatch_UpdatesAndBumpsRevision()
    {
        var created = await Create(Workflows.Simple("Before"));
        var request = new HttpRequestMessage(HttpMethod.Put, $"/api/workflows/{created["id"]}") { Content = Http.Json(Workflows.Simple("After")) };
        request.Headers.IfMatch.Add(new EntityTagHeaderValue("\"1\""));
        var response = await _client.SendAsync(request);
        var body = await response.Expect(HttpStatusCode.OK);
        Assert.Equal("After", (string?)body["name"]);
        Assert.Equal(2, (long?)body["revision"]);
        Assert.Equal(1, (int?)body["version"]);
        Assert.Equal("\"2\"", response.Headers.ETag?.ToString());
    }

    [Fact]
    public async Task Put_WithStaleIfMatch_Is412AndChangesNothing()
    {
        var created = await Create(Workflows.Simple("Editor"));
        var id = created["id"];
        var first = new HttpRequestMessage(HttpMethod.Put, $"/api/workflows/{id}") { Content = Http.Json(Workflows.Simple("Editor one")) };
        first.Headers.IfMatch.Add(new EntityTagHeaderValue("\"1\""));
        await (await _client.SendAsync(first)).Expect(HttpStatusCode.OK);

        var second = new HttpRequestMessage(HttpMethod.Put, $"/api/workflows/{id}") { Content = Http.Json(Workflows.Simple("Editor two")) };
        second.Headers.IfMatch.Add(new EntityTagHeaderValue("\"1\""));
        var problem = await (await _client.SendAsync(second)).ExpectProblem(HttpStatusCode.PreconditionFailed, "edit-conflict");
        Assert.Equal(2, (long?)problem["currentRevision"]);

        var stored = await (await _client.GetAsync($"/api/workflows/{id}")).Expect(HttpStatusCode.OK);
        Assert.Equal("Editor one", (string?)stored["name"]);
    }

    [Fact]
    public async Task Put_WithStaleRevisionField_Is409()
    {
        var created = await Create(Workflows.Simple("Field editor"));
        var body = JsonNode.Parse(Workflows.Simple("Field editor 2"))!;
        body["revision"] = 1;
        await (await _client.PutAsync($"/api/workflows/{created["id"]}", Http.Json(body.ToJsonString()))).Expect(HttpStatusCode.OK);
        body["name"] = "Field editor 3";
        await (await _client.PutAsync($"/api/workflows/{created["id"]}", Http.Json(body.ToJsonString()))).ExpectProblem(HttpStatusCode.Conflict, "edit-conflict");
    }

    [Fact]
    public async Task Put_WithoutRevision_Is428()
    {
        var created = await Create(Workflows.Simple("No revision"));
        await (await _client.PutAsync($"/api/workflows/{created["id"]}", Http.Json(Workflows.Simple("x"))))
            .ExpectProblem(HttpStatusCode.PreconditionRequired, "precondition-required");
    }

    [Fact]
    public async Task Publish_FreezesVersion_EditStartsNextDraft_RepublishCreatesVersion2()
    {
        var created = await Create(Workflows.Simple("Versioned"));
        var id = (string)created["id"]!;
        var published = await (await _client.PostAsync($"/api/workflows/{id}/publish", null)).Expect(HttpStatusCode.OK);
        Assert.Equal("published", (string?)published["status"]);
        Assert.Equal(1, (int?)published["publishedVersion"]);
        Assert.False((bool)published["hasUnpublishedChanges"]!);

        var edit = JsonNode.Parse(Workflows.Simple("Versioned v2"))!;
        edit["revision"] = (long)published["revision"]!;
        var edited = await (await _client.PutAsync($"/api/workflows/{id}", Http.Json(edit.ToJsonString()))).Expect(HttpStatusCode.OK);
        Assert.Equal(2, (int?)edited["version"]);
        Assert.Equal(1, (int?)edited["publishedVersion"]);
        Assert.Equal("published", (string?)edited["status"]);
        Assert.True((bool)edited["hasUnpublishedChanges"]!);

        // Version 1 is immutable: still the old name.
        var v1 = await (await _client.GetAsync($"/api/workflows/{id}/versions/1")).Expect(HttpStatusCode.OK);
        Assert.Equal("Versioned", (string?)v1["name"]);
        Assert.True((bool)v1["active"]!);

        var republished = await (await _client.PostAsync($"/api/workflows/{id}/publish", null)).Expect(HttpStatusCode.OK);
        Assert.Equal(2, (int?)republished["publishedVersion"]);
        var versions = await (await _client.GetAsync($"/api/workflows/{id}/versions")).Expect(HttpStatusCode.OK);
        Assert.Equal([2, 1], versions["versions"]!.AsArray().Select(v => (int)v!["version"]!).ToArray());
        Assert.Equal("Versioned v2", (string?)versions["versions"]![0]!["name"]);
        await (await _client.GetAsync($"/api/workflows/{id}/versions/3")).ExpectProblem(HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task Publish_Twice_WithoutChanges_KeepsOneVersion()
    {
        var id = (string)(await Create(Workflows.Simple("Twice")))["id"]!;
        await (await _client.PostAsync($"/api/workflows/{id}/publish", null)).Expect(HttpStatusCode.OK);
        await (await _client.PostAsync($"/api/workflows/{id}/publish", null)).Expect(HttpStatusCode.OK);
        var versions = await (await _client.GetAsync($"/api/workflows/{id}/versions")).Expect(HttpStatusCode.OK);
        Assert.Single(versions["versions"]!.AsArray());
    }

    [Fact]
    public async Task Unpublish_ReturnsToDraft_AndKeepsVersions()
    {
        var id = (string)(await Create(Workflows.Simple("Unpub")))["id"]!;
        await (await _client.PostAsync($"/api/workflows/{id}/publish", null)).Expect(HttpStatusCode.OK);
        var body = await (await _client.PostAsync($"/api/workflows/{id}/unpublish", null)).Expect(HttpStatusCode.OK);
        Assert.Equal("draft", (string?)body["status"]);
        Assert.Null(body["publishedVersion"]);
        var versions = await (await _client.GetAsync($"/api/workflows/{id}/versions")).Expect(HttpStatusCode.OK);
        Assert.False((bool)versions["versions"]![0]!["active"]!);
    }

    [Fact]
    public async Task Publish_InvalidWorkflow_Is400WithValidationErrors_AndStaysDraft()
    {
        var id = (string)(await Create(Workflows.NoTrigger()))["id"]!;
        var problem = await (await _client.PostAsync($"/api/workflows/{id}/publish", null)).ExpectProblem(HttpStatusCode.BadRequest, "validation-failed");
        Assert.False((bool)problem["valid"]!);
        Assert.Contains(problem["errors"]!.AsArray(), e => (string?)e!["code"] == "no_trigger");
        var stored = await (await _client.GetAsync($"/api/workflows/{id}")).Expect(HttpStatusCode.OK);
        Assert.Equal("draft", (string?)stored["status"]);
    }

    [Fact]
    public async Task Validate_ValidWorkflow_Is200()
    {
        var id = (string)(await Create(Workflows.Simple("Valid")))["id"]!;
        var body = await (await _client.PostAsync($"/api/workflows/{id}/validate", null)).Expect(HttpStatusCode.OK);
        Assert.True((bool)body["valid"]!);
        Assert.Empty(body["errors"]!.AsArray());
    }

    [Fact]
    public async Task Validate_InvalidWorkflow_Is400WithStepIds()
    {
        var id = (string)(await Create("""
            { "name": "Bad", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "x", "type": "no_such_type" } ],
              "edges": [ { "source": "t", "target": "x" }, { "source": "t", "target": "ghost" } ] }
            """))["id"]!;
        var problem = await (await _client.PostAsync($"/api/workflows/{id}/validate", null)).ExpectProblem(HttpStatusCode.BadRequest, "validation-failed");
        var errors = problem["errors"]!.AsArray();
        Assert.Contains(errors, e => (string?)e!["code"] == "unknown_type" && (string?)e["stepId"] == "x");
        Assert.Contains(errors, e => (string?)e!["code"] == "edge_missing_node");
        Assert.NotNull(problem["warnings"]);
    }

    [Fact]
    public async Task Delete_IsSoft_ThenNotFound()
    {
        var id = (string)(await Create(Workflows.Simple("Delete me")))["id"]!;
        await (await _client.DeleteAsync($"/api/workflows/{id}")).Expect(HttpStatusCode.NoContent);
        await (await _client.GetAsync($"/api/workflows/{id}")).ExpectProblem(HttpStatusCode.NotFound, "not-found");
        await (await _client.DeleteAsync($"/api/workflows/{id}")).ExpectProblem(HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task List_PagesFiltersAndSearches()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        for (var i = 0; i < 3; i++) await Create(Workflows.Simple($"List {tag} {i}"));
        var published = (string)(await Create(Workflows.Simple($"List {tag} pub")))["id"]!;
        await (await _client.PostAsync($"/api/workflows/{published}/publish", null)).Expect(HttpStatusCode.OK);

        var page1 = await (await _client.GetAsync($"/api/workflows?search={tag}&limit=2&page=1")).Expect(HttpStatusCode.OK);
        Assert.Equal(4, (int?)page1["total"]);
        Assert.Equal(2, (int?)page1["pages"]);
        Assert.Equal(2, page1["workflows"]!.AsArray().Count);
        var page2 = await (await _client.GetAsync($"/api/workflows?search={tag}&limit=2&page=2")).Expect(HttpStatusCode.OK);
        Assert.Equal(2, page2["workflows"]!.AsArray().Count);
        Assert.Empty(page1["workflows"]!.AsArray().Select(w => (string?)w!["id"]).Intersect(page2["workflows"]!.AsArray().Select(w => (string?)w!["id"])));

        var onlyPublished = await (await _client.GetAsync($"/api/workflows?search={tag}&status=published")).Expect(HttpStatusCode.OK);
        Assert.Equal(published, (string?)Assert.Single(onlyPublished["workflows"]!.AsArray())!["id"]);
        var drafts = await (await _client.GetAsync($"/api/workflows?search={tag}&status=draft")).Expect(HttpStatusCode.OK);
        Assert.Equal(3, (int?)drafts["total"]);
    }

    [Fact]
    public async Task List_SearchTreatsWildcardsLiterally()
    {
        await Create(Workflows.Simple("percent 100% done"));
        var body = await (await _client.GetAsync("/api/workflows?search=%25%25")).Expect(HttpStatusCode.OK);
        Assert.Equal(0, (int?)body["total"]);
    }

    [Theory]
    [InlineData("status=bogus")]
    [InlineData("page=0")]
    [InlineData("limit=1000")]
    [InlineData("limit=abc")]
    public async Task List_BadQuery_Is400(string query) =>
        await (await _client.GetAsync($"/api/workflows?{query}")).ExpectProblem(HttpStatusCode.BadRequest, "bad-request");

    [Fact]
    public async Task List_ShowsEachWorkflowsLastExecution_OrNullWhenItNeverRan()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var ran = await _client.Publish(Workflows.Simple($"Last run {tag} ran"));
        var never = (string)(await Create(Workflows.Simple($"Last run {tag} never")))["id"]!;
        await (await _client.PostJson($"/api/workflows/{ran}/execute", """{ "triggerData": { "name": "first" } }""")).Expect(HttpStatusCode.Accepted);
        var second = (string)(await (await _client.PostJson($"/api/workflows/{ran}/execute", """{ "triggerData": { "name": "second" } }""")).Expect(HttpStatusCode.Accepted))["executionId"]!;
        var finished = await _client.WaitFinished(second);

        var list = await (await _client.GetAsync($"/api/workflows?search={tag}")).Expect(HttpStatusCode.OK);
        var rows = list["workflows"]!.AsArray().ToDictionary(w => (string)w!["id"]!);

        var last = rows[ran]!["lastExecution"]!;
        Assert.Equal(second, (string?)last["executionId"]);
        Assert.Equal((string?)finished["status"], (string?)last["status"]);
        Assert.Equal((DateTimeOffset)finished["startedAt"]!, (DateTimeOffset)last["startedAt"]!);
        Assert.Null(rows[never]!["lastExecution"]);
        Assert.True(rows[never]!.AsObject().ContainsKey("lastExecution")); // present as null: the client tells "never ran" from a missing field
    }
}

public sealed class SqliteWorkflowsApiTests(ServerFixture<SqliteStorage> server) : WorkflowsApiSuite<SqliteStorage>(server);

public sealed class PostgresWorkflowsApiTests(ServerFixture<PostgresStorage> server) : WorkflowsApiSuite<PostgresStorage>(server);
