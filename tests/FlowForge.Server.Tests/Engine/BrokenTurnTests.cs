using Dapper;
using FlowForge.Server.Tests.Infrastructure;
using FlowForge.Storage.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace FlowForge.Server.Tests.Engine;

/// <summary>A turn the engine cannot complete fails that execution only, and a parent waiting on it hears so.</summary>
public class BrokenTurnTests(EngineFixture server) : IClassFixture<EngineFixture>
{
    private readonly HttpClient _client = server.Client();

    [Fact]
    public async Task ChildWhoseVersionCannotBeRead_FailsAlone_AndItsParentIsTold()
    {
        var child = await _client.Publish(Workflows.Simple("damaged child"));
        var parent = await _client.Publish($$$"""
            { "name": "parent of damaged", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "sub", "type": "logic_subworkflow", "config": { "workflowId": "{{{child}}}" } } ],
              "edges": [ { "source": "t", "target": "sub" } ] }
            """);
        // Damage the child's frozen version, as a corrupted database would: deciding any turn of it now throws.
        var db = server.Services.GetRequiredService<SqliteDatabase>();
        await using (var c = await db.OpenAsync())
        {
            await c.ExecuteAsync("UPDATE workflow_versions SET definition = '{ not json' WHERE workflow_id = @child", new { child });
        }

        var done = await _client.WaitFinished(await _client.Execute(parent));
        Assert.Equal("failed", (string?)done["status"]);
        Assert.Contains("Internal error while deciding", (string?)done["errorMessage"]);

        // Other executions are not held up by the broken one.
        var healthy = await _client.Publish(Workflows.Simple("healthy"));
        Assert.Equal("completed", (string?)(await _client.WaitFinished(await _client.Execute(healthy)))["status"]);
    }
}
