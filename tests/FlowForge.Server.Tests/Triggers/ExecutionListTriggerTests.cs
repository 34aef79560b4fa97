using System.Net;
using FlowForge.Server.Tests.Infrastructure;

namespace FlowForge.Server.Tests.Triggers;

/// <summary>The executions list names what started each run: the hook's trigger type, none for the API (a retry says retryOf).</summary>
public abstract class ExecutionListTriggerSuite<TStorage>(TriggersFixture<TStorage> server) : IClassFixture<TriggersFixture<TStorage>>
    where TStorage : ServerStorage, new()
{
    private readonly HttpClient _client = server.Client();
    private readonly HttpClient _anonymous = server.Client(key: null);

    [Fact]
    public async Task List_ShowsTheWebhookTrigger_AndNoneForTheApiOrARetry()
    {
        var (id, published) = await _client.CreateAndPublish(TriggerTestSupport.Workflow("listed", "trigger_webhook", """{ "auth": "none" }"""));
        var hooked = await (await _anonymous.SendAsync(TriggerTestSupport.JsonRequest(published.Trigger().HookPath(), """{"name":"Ada"}"""))).Expect(HttpStatusCode.Accepted);
        var hookRun = (string)hooked["executionId"]!;
        await _client.WaitFinished(hookRun);
        var apiRun = await _client.Execute(id);
        await _client.WaitFinished(apiRun);
        var retried = await (await _client.PostAsync($"/api/executions/{hookRun}/retry", null)).Expect(HttpStatusCode.Accepted);

        var rows = (await (await _client.GetAsync($"/api/executions?workflowId={id}")).Expect(HttpStatusCode.OK))["executions"]!.AsArray();

        var byId = rows.ToDictionary(r => (string)r!["executionId"]!, r => r!);
        Assert.Equal("trigger_webhook", (string?)byId[hookRun]["trigger"]);
        Assert.Null((string?)byId[apiRun]["trigger"]);
        var retry = byId[(string)retried["executionId"]!];
        Assert.Null((string?)retry["trigger"]);
        Assert.Equal(hookRun, (string?)retry["retryOf"]);
        Assert.Equal("listed", (string?)retry["workflowName"]);
    }
}

public sealed class SqliteExecutionListTriggerTests(TriggersFixture<SqliteStorage> server) : ExecutionListTriggerSuite<SqliteStorage>(server);

public sealed class PostgresExecutionListTriggerTests(TriggersFixture<PostgresStorage> server) : ExecutionListTriggerSuite<PostgresStorage>(server);
