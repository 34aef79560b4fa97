using System.Net;
using System.Text.Json.Nodes;
using Dapper;
using FlowForge.Server.Tests.Infrastructure;
using FlowForge.Storage.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace FlowForge.Server.Tests.Engine;

/// <summary>
/// A turn whose events cannot be stored (nested deeper than the JSON writer allows) fails its own
/// execution only: the other executions in the same group commit, of any organisation, go on.
/// </summary>
public class PoisonCommitTests(EngineFixture server) : IClassFixture<EngineFixture>
{
    private readonly HttpClient _a = server.Client(ServerFixture.KeyA);
    private readonly HttpClient _b = server.Client(ServerFixture.KeyB);

    /// <summary><c>{"a":{"a":…leaf…}}</c>, <paramref name="levels"/> objects deep.</summary>
    internal static string Nest(int levels, string leaf)
    {
        var text = leaf;
        for (var i = 0; i < levels; i++) text = "{\"a\":" + text + "}";
        return text;
    }

    internal static JsonNode NestNode(int levels)
    {
        JsonNode node = JsonValue.Create("bottom");
        for (var i = 0; i < levels; i++) node = new JsonObject { ["a"] = node };
        return node;
    }

    [Fact]
    public async Task DeepStepOutput_FailsThatExecution_AndAnotherOrganisationsExecutionCompletes()
    {
        // Every request stays shallow (24 levels of trigger data, 22 of config); the depth is built inside
        // the engine: s1 wraps the trigger data, s2 wraps s1's output, past what the store's writer allows (64).
        var poisoned = await _a.Publish($$"""
            { "name": "deep", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "s1", "type": "logic_set_variable", "config": { "variables": { "v": {{Nest(22, "\"{{trigger.x}}\"")}} } } },
                { "id": "s2", "type": "logic_set_variable", "config": { "variables": { "w": {{Nest(22, "\"{{steps.s1.v}}\"")}} } } } ],
              "edges": [ { "source": "t", "target": "s1" }, { "source": "s1", "target": "s2" } ] }
            """);
        var healthy = await _b.Publish(Workflows.Simple("healthy of org b"));

        var bad = await _a.Execute(poisoned, new { x = NestNode(24) });
        var good = await _b.Execute(healthy);

        Assert.Equal("completed", (string?)(await _b.WaitFinished(good, TimeSpan.FromSeconds(20)))["status"]);
        var failed = await _a.WaitFinished(bad, TimeSpan.FromSeconds(20));
        Assert.Equal("failed", (string?)failed["status"]);
        Assert.Contains("nested", (string?)failed["errorMessage"], StringComparison.OrdinalIgnoreCase);

        // And the engine keeps going afterwards.
        Assert.Equal("completed", (string?)(await _b.WaitFinished(await _b.Execute(healthy), TimeSpan.FromSeconds(20)))["status"]);
    }

    [Fact]
    public async Task StoredDataAsDeepAsTheStoreAllows_IsRenderedByEveryReadPath()
    {
        var workflow = await _a.Publish(Workflows.Simple("deep read"));
        var id = await _a.Execute(workflow);
        await _a.WaitFinished(id);
        // As deep as the store's writer lets through (64 levels with the event envelope): the read paths wrap it deeper still.
        var deep = Nest(62, "1");
        var db = server.Services.GetRequiredService<SqliteDatabase>();
        await using (var c = await db.OpenAsync())
        {
            await c.ExecuteAsync(
                "UPDATE history SET data = json_set(data, '$.output', json(@deep)) WHERE execution_id = @id AND type = 'stepCompleted'",
                new { id, deep });
            await c.ExecuteAsync("UPDATE executions SET output = @deep, trigger_data = @deep WHERE id = @id", new { id, deep });
        }

        Assert.Equal(HttpStatusCode.OK, (await _a.GetAsync($"/api/executions/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _a.GetAsync($"/api/executions/{id}/history")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _a.GetAsync($"/api/workflows/{workflow}/executions")).StatusCode);
    }

    [Fact]
    public async Task StoredDataThatCannotBeRead_IsA422Problem_NotA500()
    {
        var workflow = await _a.Publish(Workflows.Simple("damaged read"));
        var id = await _a.Execute(workflow);
        await _a.WaitFinished(id);
        var db = server.Services.GetRequiredService<SqliteDatabase>();
        await using (var c = await db.OpenAsync())
        {
            // Deeper than any reader accepts (the store's writer would never have written it): damaged data.
            await c.ExecuteAsync("UPDATE history SET data = @deep WHERE execution_id = @id AND type = 'stepCompleted'", new { id, deep = Nest(200, "1") });
            await c.ExecuteAsync("UPDATE executions SET output = @deep WHERE id = @id", new { id, deep = Nest(200, "1") });
        }

        await (await _a.GetAsync($"/api/executions/{id}")).ExpectProblem(HttpStatusCode.UnprocessableEntity, "stored-data-unreadable");
        await (await _a.GetAsync($"/api/executions/{id}/history")).ExpectProblem(HttpStatusCode.UnprocessableEntity, "stored-data-unreadable");
        await (await _a.GetAsync($"/api/workflows/{workflow}/executions")).ExpectProblem(HttpStatusCode.UnprocessableEntity, "stored-data-unreadable");
    }

    [Fact]
    public async Task RaiseEvent_OnAnExecutionWithUnreadableHistory_IsA422Problem_NotA500()
    {
        var workflow = await _a.Publish("""
            { "name": "damaged wait", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "ok", "type": "logic_approval", "config": { "eventName": "go" } },
                { "id": "done", "type": "logic_set_variable", "config": { "variables": { "v": 1 } } } ],
              "edges": [ { "source": "t", "target": "ok" }, { "source": "ok", "target": "done", "sourceHandle": "approved" } ] }
            """);
        var id = await _a.Execute(workflow);
        await WaitForHistory(id, "waitStarted");
        var db = server.Services.GetRequiredService<SqliteDatabase>();
        await using (var c = await db.OpenAsync())
        {
            // The row that says which event the step waits for, damaged beyond what any reader accepts.
            await c.ExecuteAsync("UPDATE history SET data = @deep WHERE execution_id = @id AND type = 'waitStarted'", new { id, deep = Nest(200, "1") });
        }

        await (await _a.PostAsync($"/api/executions/{id}/events/go", null)).ExpectProblem(HttpStatusCode.UnprocessableEntity, "stored-data-unreadable");
    }

    [Fact]
    public async Task RetryResumeAndDelete_OfAnExecutionWithUnreadableStoredData_AreA422Problem_NotA500()
    {
        var workflow = await _a.Publish(Workflows.Simple("damaged steering"));
        var id = await _a.Execute(workflow);
        await _a.WaitFinished(id);
        var db = server.Services.GetRequiredService<SqliteDatabase>();
        await using (var c = await db.OpenAsync())
        {
            await c.ExecuteAsync("UPDATE executions SET trigger_data = @deep WHERE id = @id", new { id, deep = Nest(200, "1") });
        }

        await (await _a.PostAsync($"/api/executions/{id}/retry", null)).ExpectProblem(HttpStatusCode.UnprocessableEntity, "stored-data-unreadable");
        await (await _a.PostAsync($"/api/executions/{id}/resume", null)).ExpectProblem(HttpStatusCode.UnprocessableEntity, "stored-data-unreadable");
        await (await _a.DeleteAsync($"/api/executions/{id}")).ExpectProblem(HttpStatusCode.UnprocessableEntity, "stored-data-unreadable");
    }

    private static async Task WaitForHistory(SqliteDatabase db, string id, string type)
    {
        for (var i = 0; i < 200; i++)
        {
            await using var c = await db.OpenAsync();
            if (await c.ExecuteScalarAsync<long>("SELECT count(*) FROM history WHERE execution_id = @id AND type = @type", new { id, type }) > 0) return;
            await Task.Delay(100);
        }
        throw new TimeoutException($"Execution {id} never recorded a {type} event.");
    }

    private Task WaitForHistory(string id, string type) => WaitForHistory(server.Services.GetRequiredService<SqliteDatabase>(), id, type);

    [Fact]
    public async Task RequestBodies_KeepTheReadersDepthLimit_WhileResponsesHaveHeadroom() =>
        // The response headroom must not let a request through that the store could not write (it would be a 500).
        await (await _a.PostJson("/api/workflows", "{\"name\":\"x\",\"canvas\":" + Nest(100, "1") + "}"))
            .ExpectProblem(HttpStatusCode.BadRequest, "json-too-deep");
}
