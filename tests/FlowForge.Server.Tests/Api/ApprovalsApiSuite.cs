using System.Net;
using System.Text.Json.Nodes;
using FlowForge.Server.Tests.Engine;
using FlowForge.Server.Tests.Infrastructure;
using FlowForge.Server.Tests.Postgres;

namespace FlowForge.Server.Tests.Api;

/// <summary>
/// <c>GET /api/approvals</c>, the approvals inbox, end to end on each backend: runs waiting on an approval are listed
/// with their rendered question, oldest first, in keyset pages, per organisation, and leave the list once answered.
/// </summary>
public abstract class ApprovalsApiSuite<TFixture>(TFixture server) : IClassFixture<TFixture>
    where TFixture : FakeServiceFixture
{
    private readonly HttpClient _client = server.Client();

    private async Task<string> PublishApprovalWorkflow(string name) => await _client.Publish($$$"""
        { "name": "{{{name}}}", "nodes": [
            { "id": "t", "type": "trigger_manual" },
            { "id": "ask", "type": "logic_approval", "config": { "message": "Refund {{trigger.amount}} EUR?", "approvers": ["ops@example.com"], "timeout": "1h" } },
            { "id": "yes", "type": "logic_set_variable", "config": { "variables": { "r": "yes" } } },
            { "id": "no", "type": "logic_set_variable", "config": { "variables": { "r": "no" } } } ],
          "edges": [ { "source": "t", "target": "ask" }, { "source": "ask", "target": "yes", "sourceHandle": "approved" },
                     { "source": "ask", "target": "no", "sourceHandle": "rejected" }, { "source": "ask", "target": "no", "sourceHandle": "timeout" } ] }
        """);

    private static async Task<List<JsonNode>> AllApprovals(HttpClient client, string workflowId, int limit)
    {
        var items = new List<JsonNode>();
        string? after = null;
        for (var pages = 0; pages < 1000; pages++)
        {
            var page = await (await client.GetAsync($"/api/approvals?limit={limit}" + (after is null ? "" : $"&after={after}"))).Expect(HttpStatusCode.OK);
            items.AddRange(page["approvals"]!.AsArray().Select(a => a!).Where(a => (string?)a["workflowId"] == workflowId));
            after = (string?)page["next"];
            if (after is null) return items;
        }
        throw new InvalidOperationException("The approvals list never ended.");
    }

    [Fact]
    public async Task Approvals_ListsWaitingApprovalsWithTheirRenderedQuestion_OldestFirst_UntilAnswered()
    {
        var wf = await PublishApprovalWorkflow("approvals-inbox");
        var first = await _client.Execute(wf, new { amount = 42 });
        await _client.WaitFor(first, ["waiting"]);
        var second = await _client.Execute(wf, new { amount = 7 });
        await _client.WaitFor(second, ["waiting"]);

        var listed = await AllApprovals(_client, wf, 100);
        Assert.Equal([first, second], listed.Select(a => (string)a["executionId"]!));
        var a = listed[0];
        Assert.Equal(("approvals-inbox", "ask", "ask", "approval", "Refund 42 EUR?", 1), ((string?)a["workflowName"], (string?)a["stepId"], (string?)a["nodeId"], (string?)a["eventName"], (string?)a["message"], (int?)a["version"]));
        Assert.Equal(["ops@example.com"], a["approvers"]!.AsArray().Select(x => (string)x!));
        var since = DateTimeOffset.Parse((string)a["waitingSince"]!, System.Globalization.CultureInfo.InvariantCulture);
        var timeout = DateTimeOffset.Parse((string)a["timeoutAt"]!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(TimeSpan.FromHours(1), timeout - since);

        // Pages of one walk the same list.
        Assert.Equal([first, second], (await AllApprovals(_client, wf, 1)).Select(x => (string)x["executionId"]!));
        // Another organisation sees none of them.
        Assert.Empty(await AllApprovals(server.Client(ServerFixture.KeyB), wf, 100));

        await (await _client.PostJson($"/api/executions/{first}/events/approval", """{ "payload": { "approved": true, "comment": "ok" } }""")).Expect(HttpStatusCode.Accepted);
        var done = await _client.WaitFinished(first);
        Assert.Equal("yes", (string?)done["finalOutput"]!["r"]);
        Assert.Equal([second], (await AllApprovals(_client, wf, 100)).Select(x => (string)x["executionId"]!));
    }

    [Theory]
    [InlineData("limit=0")]
    [InlineData("limit=101")]
    [InlineData("limit=x")]
    [InlineData("after=not-a-cursor")]
    [InlineData("after=Zm9v")]
    public async Task Approvals_BadLimitOrCursor_Is400(string query) =>
        await (await _client.GetAsync($"/api/approvals?{query}")).ExpectProblem(HttpStatusCode.BadRequest, "bad-request");
}

/// <summary>The approvals inbox on SQLite.</summary>
public sealed class SqliteApprovalsApiTests(EngineFixture server) : ApprovalsApiSuite<EngineFixture>(server);

/// <summary>The approvals inbox on PostgreSQL.</summary>
public sealed class PostgresApprovalsApiTests(PostgresServerFixture server) : ApprovalsApiSuite<PostgresServerFixture>(server);
