using System.Net;
using System.Net.Http.Headers;
using FlowForge.Server.Tests.Infrastructure;

namespace FlowForge.Server.Tests.Api;

public abstract class AuthAndTenancySuite<TStorage>(ServerFixture<TStorage> server) : IClassFixture<ServerFixture<TStorage>>
    where TStorage : ServerStorage, new()
{
    [Fact]
    public async Task NoKey_Is401ProblemJson() =>
        await (await server.Client(key: null).GetAsync("/api/workflows")).ExpectProblem(HttpStatusCode.Unauthorized, "unauthorized");

    [Fact]
    public async Task WrongKey_Is401ProblemJson() =>
        await (await server.Client(key: "ffk_wrong").GetAsync("/api/workflows")).ExpectProblem(HttpStatusCode.Unauthorized, "unauthorized");

    [Fact]
    public async Task BearerHeader_Authenticates()
    {
        var client = server.Client(key: null);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ServerFixture.KeyA);
        await (await client.GetAsync("/api/workflows")).Expect(HttpStatusCode.OK);
    }

    [Fact]
    public async Task HealthNeedsNoKey() =>
        await (await server.Client(key: null).GetAsync("/health")).Expect(HttpStatusCode.OK);

    [Fact]
    public async Task AnotherOrganisationsWorkflow_Is404ForEveryVerb()
    {
        var a = server.Client(ServerFixture.KeyA);
        var b = server.Client(ServerFixture.KeyB);
        var id = (string)(await (await a.PostJson("/api/workflows", Workflows.Simple("Org A secret"))).Expect(HttpStatusCode.Created))["id"]!;
        await (await a.PostAsync($"/api/workflows/{id}/publish", null)).Expect(HttpStatusCode.OK);

        await (await b.GetAsync($"/api/workflows/{id}")).ExpectProblem(HttpStatusCode.NotFound, "not-found");
        var put = new HttpRequestMessage(HttpMethod.Put, $"/api/workflows/{id}") { Content = Http.Json(Workflows.Simple("stolen")) };
        put.Headers.IfMatch.Add(new EntityTagHeaderValue("\"1\""));
        await (await b.SendAsync(put)).ExpectProblem(HttpStatusCode.NotFound, "not-found");
        await (await b.PostAsync($"/api/workflows/{id}/publish", null)).ExpectProblem(HttpStatusCode.NotFound, "not-found");
        await (await b.PostAsync($"/api/workflows/{id}/unpublish", null)).ExpectProblem(HttpStatusCode.NotFound, "not-found");
        await (await b.PostAsync($"/api/workflows/{id}/validate", null)).ExpectProblem(HttpStatusCode.NotFound, "not-found");
        await (await b.GetAsync($"/api/workflows/{id}/versions")).ExpectProblem(HttpStatusCode.NotFound, "not-found");
        await (await b.GetAsync($"/api/workflows/{id}/versions/1")).ExpectProblem(HttpStatusCode.NotFound, "not-found");
        await (await b.DeleteAsync($"/api/workflows/{id}")).ExpectProblem(HttpStatusCode.NotFound, "not-found");

        var listB = await (await b.GetAsync("/api/workflows?search=Org%20A%20secret")).Expect(HttpStatusCode.OK);
        Assert.Equal(0, (int?)listB["total"]);
        // Still intact for its owner.
        var stillThere = await (await a.GetAsync($"/api/workflows/{id}")).Expect(HttpStatusCode.OK);
        Assert.Equal("published", (string?)stillThere["status"]);
    }

    [Fact]
    public async Task KeyCreatedByAnOrganisation_ActsForThatOrganisation_AndCanBeRevoked()
    {
        var b = server.Client(ServerFixture.KeyB);
        var created = await (await b.PostJson("/api/keys", """{ "name": "ci" }""")).Expect(HttpStatusCode.Created);
        var newKey = (string)created["key"]!;
        var wf = (string)(await (await b.PostJson("/api/workflows", Workflows.Simple("B's"))).Expect(HttpStatusCode.Created))["id"]!;

        var viaNewKey = server.Client(newKey);
        await (await viaNewKey.GetAsync($"/api/workflows/{wf}")).Expect(HttpStatusCode.OK);
        await (await server.Client(ServerFixture.KeyA).GetAsync($"/api/workflows/{wf}")).ExpectProblem(HttpStatusCode.NotFound, "not-found");

        var listed = await (await b.GetAsync("/api/keys")).Expect(HttpStatusCode.OK);
        Assert.All(listed["keys"]!.AsArray(), k => Assert.Null(k!["key"]));
        await (await server.Client(ServerFixture.KeyA).DeleteAsync($"/api/keys/{created["id"]}")).ExpectProblem(HttpStatusCode.NotFound, "not-found");
        await (await b.DeleteAsync($"/api/keys/{created["id"]}")).Expect(HttpStatusCode.NoContent);
        await (await viaNewKey.GetAsync($"/api/workflows/{wf}")).ExpectProblem(HttpStatusCode.Unauthorized, "unauthorized");
    }
}

public sealed class SqliteAuthAndTenancyTests(ServerFixture<SqliteStorage> server) : AuthAndTenancySuite<SqliteStorage>(server);

public sealed class PostgresAuthAndTenancyTests(ServerFixture<PostgresStorage> server) : AuthAndTenancySuite<PostgresStorage>(server);
