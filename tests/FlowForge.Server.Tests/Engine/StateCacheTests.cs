using System.Net;
using FlowForge.Server.Tests.Infrastructure;

namespace FlowForge.Server.Tests.Engine;

/// <summary>
/// The dispatcher's cache of folded states holds only executions with a result on its way back in memory: one that waits
/// (for days, perhaps) on an approval or a timer is replayed from its history when it wakes, and pins no memory meanwhile.
/// </summary>
public abstract class StateCacheSuite<TStorage>(FaultyStoreFixture<TStorage> server) : IClassFixture<FaultyStoreFixture<TStorage>>
    where TStorage : ServerStorage, new()
{
    private readonly HttpClient _client = server.Client(ServerFixture.KeyA);

    [Fact]
    public async Task WaitingExecution_IsNotHeldInMemory_AndResumesFromItsHistory()
    {
        var wf = await _client.Publish(Workflows.Approval("1h", name: "cache eviction"));
        var id = await _client.Execute(wf);
        await _client.WaitFor(id, ["waiting"]);
        Assert.False(server.Dispatcher.HoldsState(id));

        await (await _client.PostJson($"/api/executions/{id}/events/approval", """{ "payload": { "approved": true, "approvedBy": "maria" } }"""))
            .Expect(HttpStatusCode.Accepted);
        var done = await _client.WaitFinished(id);
        Assert.Equal("approved", (string?)done["finalOutput"]!["route"]);
        Assert.False(server.Dispatcher.HoldsState(id));
    }
}

public sealed class SqliteStateCacheTests(FaultyStoreFixture<SqliteStorage> server) : StateCacheSuite<SqliteStorage>(server);

public sealed class PostgresStateCacheTests(FaultyStoreFixture<PostgresStorage> server) : StateCacheSuite<PostgresStorage>(server);
