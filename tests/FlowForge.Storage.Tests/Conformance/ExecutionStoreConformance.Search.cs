using System.Text.Json.Nodes;
using FlowForge.Core.Storage;

namespace FlowForge.Storage.Tests.Conformance;

// The executions list by keyset (SearchAsync): order, cursors, isolation and filters.
public abstract partial class ExecutionStoreConformance
{
    /// <summary>Starts <paramref name="count"/> executions a little apart in time and returns them as the list orders them (newest first).</summary>
    private static async Task<List<ExecutionRecord>> StartSeveralAsync(IExecutionStore store, string org, int count, string workflowId = "wf_test", Func<int, JsonNode?>? trigger = null)
    {
        for (var i = 0; i < count; i++)
        {
            await store.StartAsync(NewExecution(org, workflowId: workflowId) with { TriggerData = trigger?.Invoke(i) ?? new JsonObject { ["n"] = i } });
            await Task.Delay(2); // distinct creation times, so date bounds fall between rows
        }
        var all = await store.ListAsync(org, new ExecutionQuery(workflowId, null, null, 1, 100));
        return [.. all.Items];
    }

    private static async Task<List<string>> ReadAllAsync(IExecutionStore store, string org, ExecutionSearch search)
    {
        var ids = new List<string>();
        for (var guard = 0; guard < 100; guard++)
        {
            var slice = await store.SearchAsync(org, search);
            Assert.True(slice.Items.Count <= search.Limit);
            ids.AddRange(slice.Items.Select(i => i.Id));
            if (slice.Next is null) return ids;
            search = search with { After = slice.Next };
        }
        throw new InvalidOperationException("The cursor never reached the end.");
    }

    [Fact]
    public async Task Search_PagesNewestFirst_ByCursor_WithoutRepeatsOrGaps()
    {
        var store = await CreateStoreAsync();
        var org = NewId("org");
        var started = await StartSeveralAsync(store, org, 7);

        var first = await store.SearchAsync(org, new ExecutionSearch(Limit: 3));

        Assert.Equal(started.Take(3).Select(e => e.Id), first.Items.Select(i => i.Id));
        Assert.Equal(new ExecutionCursor(first.Items[^1].CreatedAt, first.Items[^1].Id), first.Next);
        Assert.Equal(started.Select(e => e.Id), await ReadAllAsync(store, org, new ExecutionSearch(Limit: 3)));
        var item = first.Items[0];
        Assert.Equal((started[0].WorkflowId, started[0].Version, ExecutionStatus.Pending), (item.WorkflowId, item.Version, item.Status));
        Assert.Equal(started[0].CreatedAt, item.CreatedAt);
    }

    [Fact]
    public async Task Search_LastFullPage_EndsWithAnEmptySliceWithoutCursor()
    {
        var store = await CreateStoreAsync();
        var org = NewId("org");
        await StartSeveralAsync(store, org, 2);

        var first = await store.SearchAsync(org, new ExecutionSearch(Limit: 2));
        var rest = await store.SearchAsync(org, new ExecutionSearch(Limit: 2, After: first.Next));

        Assert.Equal(2, first.Items.Count);
        Assert.Empty(rest.Items);
        Assert.Null(rest.Next);
    }

    [Fact]
    public async Task Search_Cursor_IsStable_WhenExecutionsStartMeanwhile()
    {
        var store = await CreateStoreAsync();
        var org = NewId("org");
        var started = await StartSeveralAsync(store, org, 6);
        var first = await store.SearchAsync(org, new ExecutionSearch(Limit: 3));

        var newer = await StartSeveralAsync(store, org, 3);
        var second = await store.SearchAsync(org, new ExecutionSearch(Limit: 3, After: first.Next));

        Assert.Equal(started.Skip(3).Select(e => e.Id), second.Items.Select(i => i.Id));
        Assert.Equal(9, newer.Count);
        // A fresh first page shows the newcomers on top.
        var fresh = await store.SearchAsync(org, new ExecutionSearch(Limit: 3));
        Assert.Equal(newer.Take(3).Select(e => e.Id), fresh.Items.Select(i => i.Id));
    }

    [Fact]
    public async Task Search_SeesOnlyTheOrganisationsExecutions_AndFiltersByWorkflow()
    {
        var store = await CreateStoreAsync();
        var org = NewId("org");
        var other = NewId("org");
        var a = await StartSeveralAsync(store, org, 2, "wf_a");
        var b = await StartSeveralAsync(store, org, 2, "wf_b");
        await StartSeveralAsync(store, other, 3, "wf_a");

        Assert.Equal(4, (await ReadAllAsync(store, org, new ExecutionSearch(Limit: 100))).Count);
        Assert.Equal(a.Select(e => e.Id), await ReadAllAsync(store, org, new ExecutionSearch(WorkflowId: "wf_a", Limit: 1)));
        Assert.Equal(b.Select(e => e.Id), await ReadAllAsync(store, org, new ExecutionSearch(WorkflowId: "wf_b")));
        Assert.Empty(await ReadAllAsync(store, NewId("org"), new ExecutionSearch()));
        // Another organisation's cursor reads nothing of it either: the cursor is only a position.
        var theirs = await store.SearchAsync(other, new ExecutionSearch(Limit: 1));
        Assert.DoesNotContain(theirs.Items[0].Id, await ReadAllAsync(store, org, new ExecutionSearch(After: theirs.Next)));
    }

    [Fact]
    public async Task Search_FiltersByDateRange_FromInclusive_ToExclusive()
    {
        var store = await CreateStoreAsync();
        var org = NewId("org");
        var started = await StartSeveralAsync(store, org, 5); // newest first: [0] is the newest

        var ids = await ReadAllAsync(store, org, new ExecutionSearch(From: started[3].CreatedAt, To: started[1].CreatedAt, Limit: 1));

        Assert.Equal([started[2].Id, started[3].Id], ids);
    }

    [Fact]
    public async Task Search_FiltersByStatuses_AndByTextInTheTriggerData_CaseInsensitively_AndLiterally()
    {
        var store = await CreateStoreAsync();
        var org = NewId("org");
        var started = await StartSeveralAsync(store, org, 4, trigger: i => new JsonObject { ["customer"] = i == 1 ? "Ada Lovelace" : "Bob_" + i, ["note"] = i == 2 ? "50% off" : "" });
        var running = await StartRunningAsync(store, org, NewId("owner"));

        Assert.Equal([running], await ReadAllAsync(store, org, new ExecutionSearch(Statuses: [ExecutionStatus.Running])));
        Assert.Equal(5, (await ReadAllAsync(store, org, new ExecutionSearch(Statuses: [ExecutionStatus.Running, ExecutionStatus.Pending], Limit: 2))).Count);
        Assert.Equal([started[2].Id], await ReadAllAsync(store, org, new ExecutionSearch(Text: "ada lovelace")));
        Assert.Equal([started[1].Id], await ReadAllAsync(store, org, new ExecutionSearch(Text: "50%")));
        // An underscore is a character, not LIKE's wildcard: "b_" matches "Bob_…"'s "b_" only.
        Assert.Equal(3, (await ReadAllAsync(store, org, new ExecutionSearch(Text: "b_", Limit: 1))).Count);
        Assert.Empty(await ReadAllAsync(store, org, new ExecutionSearch(Text: "a_a")));
        Assert.Empty(await ReadAllAsync(store, org, new ExecutionSearch(Statuses: [ExecutionStatus.Failed], Text: "ada")));
    }

    [Fact]
    public async Task Search_WithRowFilters_ReadsAtMostTheScanLimit_AndGoesOnAfterTheLastRowRead()
    {
        var store = await CreateStoreAsync();
        var org = NewId("org");
        var started = await StartSeveralAsync(store, org, 5, trigger: i => new JsonObject { ["who"] = i == 0 ? "needle" : "hay" });
        var oldest = started[^1];

        var first = await store.SearchAsync(org, new ExecutionSearch(Text: "needle", ScanLimit: 3));

        Assert.Empty(first.Items);
        Assert.Equal(new ExecutionCursor(started[2].CreatedAt, started[2].Id), first.Next);
        var second = await store.SearchAsync(org, new ExecutionSearch(Text: "needle", ScanLimit: 3, After: first.Next));
        Assert.Equal([oldest.Id], second.Items.Select(i => i.Id));
        Assert.Null(second.Next);
    }
}
