using System.Text.Json.Nodes;
using FlowForge.Core.Storage;
using FlowForge.Functions.Tests.Azurite;

namespace FlowForge.Functions.Tests.ExecutionLog;

/// <summary>
/// The Table log's lists: the paged list with a total and the keyset search (order, cursors, isolation and filters),
/// ported from the server stores' conformance suite (ExecutionStoreConformance.Search.cs and the List case).
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class TableExecutionLogSearchTests(AzuriteFixture azurite) : TableLogTestBase(azurite)
{
    private DateTimeOffset _clock = T0;

    /// <summary>Starts <paramref name="count"/> executions a millisecond apart and returns them as the list orders them (newest first).</summary>
    private async Task<List<ExecutionRecord>> StartSeveralAsync(string org, int count, string workflowId = "wf_test", Func<int, JsonNode?>? trigger = null)
    {
        for (var i = 0; i < count; i++)
        {
            _clock = _clock.AddMilliseconds(1);
            await StartNewAsync(org, _clock, workflowId, trigger?.Invoke(i) ?? new JsonObject { ["n"] = i });
        }
        var all = await Log.ListAsync(org, new ExecutionQuery(workflowId, null, null, 1, 100));
        return [.. all.Items];
    }

    private async Task<List<string>> ReadAllAsync(string org, ExecutionSearch search)
    {
        var ids = new List<string>();
        for (var guard = 0; guard < 100; guard++)
        {
            var slice = await Log.SearchAsync(org, search);
            Assert.True(slice.Items.Count <= search.Limit);
            ids.AddRange(slice.Items.Select(i => i.Id));
            if (slice.Next is null) return ids;
            search = search with { After = slice.Next };
        }
        throw new InvalidOperationException("The cursor never reached the end.");
    }

    [Fact]
    public async Task List_FiltersByWorkflowStatusAndSince_NewestFirst_WithPaging()
    {
        var org = NewId("org");
        var a1 = await StartNewAsync(org, T0.AddMilliseconds(1), "wf_a");
        var a2 = await StartNewAsync(org, T0.AddMilliseconds(2), "wf_a");
        var since = T0.AddMilliseconds(3);
        var b1 = await StartRunningAsync(org, since); // workflow wf_test, created exactly at "since" (inclusive)
        var a3 = await StartNewAsync(org, T0.AddMilliseconds(4), "wf_a");
        await StartNewAsync(NewId("org"), T0.AddMilliseconds(5), "wf_a"); // another organisation

        var all = await Log.ListAsync(org, new ExecutionQuery(null, null, null, 1, 10));
        Assert.Equal(4, all.Total);
        Assert.Equal([a3, b1, a2, a1], all.Items.Select(e => e.Id));

        var page2 = await Log.ListAsync(org, new ExecutionQuery("wf_a", null, null, 2, 2));
        Assert.Equal(3, page2.Total);
        Assert.Equal([a1], page2.Items.Select(e => e.Id));

        var running = await Log.ListAsync(org, new ExecutionQuery(null, ExecutionStatus.Running, null, 1, 10));
        Assert.Equal([b1], running.Items.Select(e => e.Id));
        Assert.Equal(1, running.Total);

        Assert.Equal([a3, b1], (await Log.ListAsync(org, new ExecutionQuery(null, null, since, 1, 10))).Items.Select(e => e.Id));
        var recent = await Log.ListAsync(org, new ExecutionQuery("wf_a", ExecutionStatus.Pending, since, 1, 10));
        Assert.Equal([a3], recent.Items.Select(e => e.Id));
    }

    [Fact]
    public async Task Search_PagesNewestFirst_ByCursor_WithoutRepeatsOrGaps()
    {
        var org = NewId("org");
        var started = await StartSeveralAsync(org, 7);

        var first = await Log.SearchAsync(org, new ExecutionSearch(Limit: 3));

        Assert.Equal(started.Take(3).Select(e => e.Id), first.Items.Select(i => i.Id));
        Assert.Equal(new ExecutionCursor(first.Items[^1].CreatedAt, first.Items[^1].Id), first.Next);
        Assert.Equal(started.Select(e => e.Id), await ReadAllAsync(org, new ExecutionSearch(Limit: 3)));
        var item = first.Items[0];
        Assert.Equal((started[0].WorkflowId, started[0].Version, ExecutionStatus.Pending), (item.WorkflowId, item.Version, item.Status));
        Assert.Equal(started[0].CreatedAt, item.CreatedAt);
        Assert.Equal(T0.AddMilliseconds(7), started[0].CreatedAt);
    }

    [Fact]
    public async Task Search_LastFullPage_EndsWithAnEmptySliceWithoutCursor()
    {
        var org = NewId("org");
        await StartSeveralAsync(org, 2);

        var first = await Log.SearchAsync(org, new ExecutionSearch(Limit: 2));
        var rest = await Log.SearchAsync(org, new ExecutionSearch(Limit: 2, After: first.Next));

        Assert.Equal(2, first.Items.Count);
        Assert.Empty(rest.Items);
        Assert.Null(rest.Next);
    }

    [Fact]
    public async Task Search_Cursor_IsStable_WhenExecutionsStartMeanwhile()
    {
        var org = NewId("org");
        var started = await StartSeveralAsync(org, 6);
        var first = await Log.SearchAsync(org, new ExecutionSearch(Limit: 3));

        var newer = await StartSeveralAsync(org, 3);
        var second = await Log.SearchAsync(org, new ExecutionSearch(Limit: 3, After: first.Next));

        Assert.Equal(started.Skip(3).Select(e => e.Id), second.Items.Select(i => i.Id));
        Assert.Equal(9, newer.Count);
        var fresh = await Log.SearchAsync(org, new ExecutionSearch(Limit: 3));
        Assert.Equal(newer.Take(3).Select(e => e.Id), fresh.Items.Select(i => i.Id));
    }

    [Fact]
    public async Task Search_SeesOnlyTheOrganisationsExecutions_AndFiltersByWorkflow()
    {
        var org = NewId("org");
        var other = NewId("org");
        var a = await StartSeveralAsync(org, 2, "wf_a");
        var b = await StartSeveralAsync(org, 2, "wf_b");
        await StartSeveralAsync(other, 3, "wf_a");

        Assert.Equal(4, (await ReadAllAsync(org, new ExecutionSearch(Limit: 100))).Count);
        Assert.Equal(a.Select(e => e.Id), await ReadAllAsync(org, new ExecutionSearch(WorkflowId: "wf_a", Limit: 1)));
        Assert.Equal(b.Select(e => e.Id), await ReadAllAsync(org, new ExecutionSearch(WorkflowId: "wf_b")));
        Assert.Empty(await ReadAllAsync(NewId("org"), new ExecutionSearch()));
        var theirs = await Log.SearchAsync(other, new ExecutionSearch(Limit: 1));
        Assert.DoesNotContain(theirs.Items[0].Id, await ReadAllAsync(org, new ExecutionSearch(After: theirs.Next)));
    }

    [Fact]
    public async Task Search_FiltersByDateRange_FromInclusive_ToExclusive()
    {
        var org = NewId("org");
        var started = await StartSeveralAsync(org, 5); // newest first: [0] is the newest

        var ids = await ReadAllAsync(org, new ExecutionSearch(From: started[3].CreatedAt, To: started[1].CreatedAt, Limit: 1));

        Assert.Equal([started[2].Id, started[3].Id], ids);
    }

    [Fact]
    public async Task Search_FiltersByStatuses_AndByTextInTheTriggerData_CaseInsensitively_AndLiterally()
    {
        var org = NewId("org");
        var started = await StartSeveralAsync(org, 4, trigger: i => new JsonObject { ["customer"] = i == 1 ? "Ada Lovelace" : "Bob_" + i, ["note"] = i == 2 ? "50% off" : "" });
        var running = await StartRunningAsync(org, T0.AddMinutes(1));

        Assert.Equal([running], await ReadAllAsync(org, new ExecutionSearch(Statuses: [ExecutionStatus.Running])));
        Assert.Equal(5, (await ReadAllAsync(org, new ExecutionSearch(Statuses: [ExecutionStatus.Running, ExecutionStatus.Pending], Limit: 2))).Count);
        Assert.Equal([started[2].Id], await ReadAllAsync(org, new ExecutionSearch(Text: "ada lovelace")));
        Assert.Equal([started[1].Id], await ReadAllAsync(org, new ExecutionSearch(Text: "50%")));
        Assert.Equal(3, (await ReadAllAsync(org, new ExecutionSearch(Text: "b_", Limit: 1))).Count);
        Assert.Empty(await ReadAllAsync(org, new ExecutionSearch(Text: "a_a")));
        Assert.Empty(await ReadAllAsync(org, new ExecutionSearch(Statuses: [ExecutionStatus.Failed], Text: "ada")));
    }

    [Fact]
    public async Task Search_WithRowFilters_ReadsAtMostTheScanLimit_AndGoesOnAfterTheLastRowRead()
    {
        var org = NewId("org");
        var started = await StartSeveralAsync(org, 5, trigger: i => new JsonObject { ["who"] = i == 0 ? "needle" : "hay" });
        var oldest = started[^1];

        var first = await Log.SearchAsync(org, new ExecutionSearch(Text: "needle", ScanLimit: 3));

        Assert.Empty(first.Items);
        Assert.Equal(new ExecutionCursor(started[2].CreatedAt, started[2].Id), first.Next);
        var second = await Log.SearchAsync(org, new ExecutionSearch(Text: "needle", ScanLimit: 3, After: first.Next));
        Assert.Equal([oldest.Id], second.Items.Select(i => i.Id));
        Assert.Null(second.Next);
    }
}
