using System.Text.Json.Nodes;
using Azure.Data.Tables;
using FlowForge.Core.Engine.History;
using FlowForge.Core.Storage;
using FlowForge.Functions.ExecutionLog;
using FlowForge.Functions.Tests.Azurite;

namespace FlowForge.Functions.Tests.ExecutionLog;

/// <summary>
/// The Table log against Azurite: the cases of the server stores' conformance suite (tests/FlowForge.Storage.Tests/
/// Conformance) that apply to a log the orchestration appends to (starts, idempotency, appends and the status they
/// set, reads, counts, the waiting list, purge), plus what Table storage adds (repeated appends, large values, keys).
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class TableExecutionLogTests(AzuriteFixture azurite) : TableLogTestBase(azurite)
{
    [Fact]
    public async Task Create_WritesAPendingExecution_WithNoHistory_ReadBackToTheTick()
    {
        var org = NewId("org");
        var request = new NewExecution(NewId("ex"), org, "wf_a", 3, new JsonObject { ["order"] = 42 }, "hook", ParentExecutionId: "ex_parent", ParentStepKey: "sub", RetryOf: "ex_old");

        var result = await Log.CreateAsync(request, T0);

        Assert.False(result.Existing);
        var e = await Log.GetAsync(org, request.Id);
        Assert.NotNull(e);
        Assert.Equal((request.Id, org, "wf_a", 3, ExecutionStatus.Pending, 0L), (e.Id, e.OrgId, e.WorkflowId, e.Version, e.Status, e.LastSequence));
        Assert.True(JsonNode.DeepEquals(request.TriggerData, e.TriggerData));
        Assert.Equal(("ex_parent", "ex_old"), (e.ParentExecutionId, e.RetryOf));
        Assert.Equal((T0, T0), (e.CreatedAt, e.UpdatedAt));
        Assert.Equal(T0.UtcTicks, e.CreatedAt.UtcTicks);
        Assert.Null(e.CompletedAt);
        Assert.Null(e.Output);
        Assert.Empty(await Log.GetHistoryAsync(e.Id));
        Assert.Equal(result.Execution, e with { TriggerData = result.Execution.TriggerData });
    }

    [Fact]
    public async Task Get_IsScopedToTheOrganisation_ButTheHostSeesEverything()
    {
        var org = NewId("org");
        var id = await StartNewAsync(org, T0);

        Assert.NotNull(await Log.GetAsync(org, id));
        Assert.Null(await Log.GetAsync(NewId("org"), id));
        Assert.Equal(org, (await Log.GetForHostAsync(id))!.OrgId);
        Assert.Null(await Log.GetForHostAsync(NewId("ex")));
    }

    [Fact]
    public async Task Create_WithUsedIdempotencyKey_ReturnsFirstExecutionAndWritesNothing()
    {
        var org = NewId("org");
        var first = await Log.CreateAsync(NewExecution(org, idempotencyKey: "key-1"), T0);
        var secondId = NewId("ex");

        var second = await Log.CreateAsync(NewExecution(org, id: secondId, idempotencyKey: "key-1"), T0.AddSeconds(1));

        Assert.True(second.Existing);
        Assert.Equal(first.Execution.Id, second.Execution.Id);
        Assert.Null(await Log.GetForHostAsync(secondId));
        Assert.Equal(1, (await Log.ListAsync(org, new ExecutionQuery(null, null, null, 1, 50))).Total);
    }

    [Fact]
    public async Task FindByIdempotencyKey_FindsTheOrganisationsExecution_OnlyInThatOrganisation_WhateverTheKeysCharacters()
    {
        var org = NewId("org");
        const string key = "order/42#a?b\\c%d"; // characters Table keys refuse: the key is hashed
        var first = await Log.CreateAsync(NewExecution(org, idempotencyKey: key), T0);

        Assert.Equal(first.Execution.Id, (await Log.FindByIdempotencyKeyAsync(org, key))?.Id);
        Assert.Null(await Log.FindByIdempotencyKeyAsync(org, "key-other"));
        Assert.Null(await Log.FindByIdempotencyKeyAsync(NewId("org"), key));
    }

    [Fact]
    public async Task Create_WithSameIdempotencyKeyInAnotherOrg_IsIndependent()
    {
        var a = await Log.CreateAsync(NewExecution(NewId("org"), idempotencyKey: "shared"), T0);
        var b = await Log.CreateAsync(NewExecution(NewId("org"), idempotencyKey: "shared"), T0);

        Assert.False(b.Existing);
        Assert.NotEqual(a.Execution.Id, b.Execution.Id);
    }

    [Fact]
    public async Task Create_ConcurrentlyWithOneIdempotencyKey_CreatesExactlyOne()
    {
        var org = NewId("org");

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() => Log.CreateAsync(NewExecution(org, idempotencyKey: "once"), T0.AddTicks(i)))));

        Assert.Single(results, r => !r.Existing);
        Assert.Single(results.Select(r => r.Execution.Id).Distinct());
        Assert.Equal(1, (await Log.ListAsync(org, new ExecutionQuery(null, null, null, 1, 50))).Total);
    }

    [Fact]
    public async Task Create_AfterAStartStoppedBehindItsKeysRow_FinishesThatStart()
    {
        var org = NewId("org");
        var first = await Log.CreateAsync(NewExecution(org, idempotencyKey: "crashed"), T0);
        // The crash: the key's row was written, the execution's rows were not (removed here).
        var ids = Service.GetTableClient(Prefix + "executionids");
        await ids.DeleteEntityAsync(first.Execution.Id, "");
        Assert.Null(await Log.FindByIdempotencyKeyAsync(org, "crashed"));

        var again = await Log.CreateAsync(NewExecution(org, idempotencyKey: "crashed"), T0.AddSeconds(5));

        Assert.True(again.Existing);
        Assert.Equal(first.Execution, again.Execution with { TriggerData = first.Execution.TriggerData });
        Assert.Equal(first.Execution.Id, (await Log.GetAsync(org, first.Execution.Id))?.Id);
    }

    [Fact]
    public async Task Append_NumbersEventsInSequence_AndHistoryReadsBackWithTypesAndTimestamps()
    {
        var org = NewId("org");
        var id = await StartNewAsync(org, T0);
        var explicitTime = new DateTimeOffset(2024, 5, 6, 7, 8, 9, 123, TimeSpan.FromHours(2)).AddTicks(4567);
        var now = T0.AddSeconds(1);

        await Log.AppendAsync(id, 0,
        [
            new ExecutionStarted("wf_test", 1, new JsonObject { ["n"] = 1 }, "trigger") { Timestamp = T0 },
            new StepScheduled("s1", "n1", "http.request", 1, new JsonObject { ["a"] = "b" }),
            new TimerCreated("t1", explicitTime, TimerPurpose.Delay, "s2") { Timestamp = explicitTime },
        ], ExecutionStatus.Running, now);

        var execution = await Log.GetAsync(org, id);
        Assert.Equal((ExecutionStatus.Running, 3L, now), (execution!.Status, execution.LastSequence, execution.UpdatedAt));
        var history = await Log.GetHistoryAsync(id);
        Assert.Collection(history,
            e => Assert.Equal(T0, Assert.IsType<ExecutionStarted>(e).Timestamp),
            e =>
            {
                var scheduled = Assert.IsType<StepScheduled>(e);
                Assert.Equal(("s1", "n1", "http.request", 1), (scheduled.StepKey, scheduled.NodeId, scheduled.NodeType, scheduled.Attempt));
                Assert.True(JsonNode.DeepEquals(new JsonObject { ["a"] = "b" }, scheduled.Input));
                Assert.Equal(now, scheduled.Timestamp); // a default timestamp is stamped at append
            },
            e =>
            {
                var timer = Assert.IsType<TimerCreated>(e);
                Assert.Equal(explicitTime.UtcTicks, timer.Timestamp.UtcTicks); // an explicit timestamp is kept, to the tick
                Assert.Equal((explicitTime, TimerPurpose.Delay), (timer.FireAt, timer.Purpose));
            });
        Assert.IsType<TimerCreated>(Assert.Single(await Log.GetHistoryAsync(id, afterSequence: 2)));
    }

    [Fact]
    public async Task Append_StoresTheServersEventJson()
    {
        var id = await StartNewAsync(NewId("org"), T0);
        var scheduled = new StepScheduled("s1", "n1", "http.request", 1, new JsonObject { ["a"] = "b" }) { Timestamp = T0 };

        await Log.AppendAsync(id, 0, [scheduled], ExecutionStatus.Running, T0);

        var row = (await Service.GetTableClient(Prefix + "history").GetEntityAsync<TableEntity>(id, TableKeys.Sequence(1))).Value;
        Assert.Equal(StoredEvent.Serialize(scheduled), row.GetString("Data"));
        Assert.Equal("stepScheduled", row.GetString("Type"));
    }

    [Fact]
    public async Task Append_Repeated_RewritesTheSameRows_AndAnOlderTurnNeverMovesTheRowBack()
    {
        var org = NewId("org");
        var id = await StartRunningAsync(org, T0);
        HistoryEvent[] turn = [new StepScheduled("s1", "n1", "http.request", 1, null) { Timestamp = T0.AddSeconds(1) }];
        await Log.AppendAsync(id, 1, turn, ExecutionStatus.Running, T0.AddSeconds(1));
        await Log.AppendAsync(id, 2, [Wait() with { Timestamp = T0.AddSeconds(2) }], ExecutionStatus.Waiting, T0.AddSeconds(2));

        // The activity of the second turn runs again after the third was recorded (a duplicate delivery).
        await Log.AppendAsync(id, 1, turn, ExecutionStatus.Running, T0.AddSeconds(9));

        var execution = await Log.GetAsync(org, id);
        Assert.Equal((ExecutionStatus.Waiting, 3L, T0.AddSeconds(2)), (execution!.Status, execution.LastSequence, execution.UpdatedAt));
        Assert.Equal(3, (await Log.GetHistoryAsync(id)).Count);
        Assert.Equal([id], (await Log.ListWaitingAsync(org, null, 10)).Select(e => e.Id));
    }

    [Fact]
    public async Task Append_Terminal_RecordsOutputOrError_AndCompletionTime_AndAResumeClearsThem()
    {
        var org = NewId("org");
        var completed = await StartRunningAsync(org, T0);
        var failed = await StartRunningAsync(org, T0);
        var cancelled = await StartRunningAsync(org, T0);
        var output = new JsonObject { ["done"] = true };
        var end = T0.AddMinutes(1);

        await Log.AppendAsync(completed, 1, [new ExecutionCompleted(output)], ExecutionStatus.Completed, end);
        await Log.AppendAsync(failed, 1, [new ExecutionFailed("step s1 failed", "s1")], ExecutionStatus.Failed, end);
        await Log.AppendAsync(cancelled, 1, [new CancelRequested("enough"), new ExecutionCancelled("enough")], ExecutionStatus.Cancelled, end);

        var done = await Log.GetAsync(org, completed);
        Assert.Equal((ExecutionStatus.Completed, end, null), (done!.Status, done.CompletedAt, done.Error));
        Assert.True(JsonNode.DeepEquals(output, done.Output));
        var fail = await Log.GetAsync(org, failed);
        Assert.Equal((ExecutionStatus.Failed, "step s1 failed", end), (fail!.Status, fail.Error, fail.CompletedAt));
        var cancel = await Log.GetAsync(org, cancelled);
        Assert.Equal((ExecutionStatus.Cancelled, "Cancelled: enough", 3L), (cancel!.Status, cancel.Error, cancel.LastSequence));

        // A later terminal turn keeps the first completion time; a resume runs again and clears the outcome.
        await Log.AppendAsync(failed, 2, [new EventRaised("late", null)], ExecutionStatus.Failed, end.AddMinutes(1));
        Assert.Equal(end, (await Log.GetAsync(org, failed))!.CompletedAt);
        await Log.AppendAsync(failed, 3, [new ExecutionResumed()], ExecutionStatus.Running, end.AddMinutes(2));
        var resumed = await Log.GetAsync(org, failed);
        Assert.Equal((ExecutionStatus.Running, null, null), (resumed!.Status, resumed.Error, resumed.CompletedAt));
        Assert.Equal(2, await Log.CountUnfinishedAsync(org) + 1); // the resumed one is open again; the other two are not
    }

    [Fact]
    public async Task CountUnfinished_CountsTheOrganisationsPendingRunningAndWaitingExecutions_NotFinishedOnes()
    {
        var org = NewId("org");
        await StartNewAsync(org, T0);
        var running = await StartRunningAsync(org, T0);
        var waiting = await StartRunningAsync(org, T0);
        await Log.AppendAsync(waiting, 1, [Wait()], ExecutionStatus.Waiting, T0);
        var finished = await StartRunningAsync(org, T0);
        await StartNewAsync(NewId("other"), T0);
        Assert.Equal(4, await Log.CountUnfinishedAsync(org));

        await Log.AppendAsync(finished, 1, [new ExecutionCompleted(null)], ExecutionStatus.Completed, T0);

        Assert.Equal(3, await Log.CountUnfinishedAsync(org));
        Assert.Equal(0, await Log.CountUnfinishedAsync(NewId("org")));
        Assert.NotNull(running);
    }

    [Fact]
    public async Task ListWaiting_ReturnsTheOrganisationsWaitingExecutions_OldestFirst_InKeysetPages()
    {
        var org = NewId("org");
        var waiting = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            // Created newest first, so the list's order is not the order of the calls.
            var id = await StartRunningAsync(org, T0.AddSeconds(10 - i));
            await Log.AppendAsync(id, 1, [Wait()], ExecutionStatus.Waiting, T0.AddMinutes(1));
            waiting.Add(id);
        }
        await StartRunningAsync(org, T0); // running: not listed
        var finished = await StartRunningAsync(org, T0);
        await Log.AppendAsync(finished, 1, [new ExecutionCompleted(null)], ExecutionStatus.Completed, T0);
        var elsewhere = await StartRunningAsync(NewId("other"), T0);
        await Log.AppendAsync(elsewhere, 1, [Wait()], ExecutionStatus.Waiting, T0);

        var all = await Log.ListWaitingAsync(org, null, 10);
        Assert.Equal(Enumerable.Reverse(waiting), all.Select(e => e.Id));
        Assert.All(all, e => Assert.Equal(ExecutionStatus.Waiting, e.Status));

        var first = await Log.ListWaitingAsync(org, null, 2);
        var rest = await Log.ListWaitingAsync(org, new ExecutionCursor(first[^1].CreatedAt, first[^1].Id), 2);
        Assert.Equal(all.Select(e => e.Id), first.Concat(rest).Select(e => e.Id));
        Assert.Empty(await Log.ListWaitingAsync(org, new ExecutionCursor(all[^1].CreatedAt, all[^1].Id), 2));

        // Resumed from waiting: off the list.
        await Log.AppendAsync(waiting[0], 2, [new EventRaised("approval", null)], ExecutionStatus.Running, T0.AddMinutes(2));
        Assert.DoesNotContain(waiting[0], (await Log.ListWaitingAsync(org, null, 10)).Select(e => e.Id));
    }

    [Fact]
    public async Task GetHistoryOfTypes_ReturnsOnlyThoseEvents_InOrder()
    {
        var id = await StartRunningAsync(NewId("org"), T0);
        await Log.AppendAsync(id, 1,
        [
            new StepScheduled("s1", "n1", "http.request", 1, null),
            Wait(),
            new StepCompleted("s1", "n1", "http.request", 1, new JsonObject { ["ok"] = true }, "main"),
            Wait() with { StepKey = "approve2" },
        ], ExecutionStatus.Waiting, T0);

        var waits = await Log.GetHistoryOfTypesAsync(id, [typeof(WaitStarted), typeof(ExecutionStarted)]);

        Assert.Collection(waits,
            e => Assert.IsType<ExecutionStarted>(e),
            e => Assert.Equal("approve", Assert.IsType<WaitStarted>(e).StepKey),
            e => Assert.Equal("approve2", Assert.IsType<WaitStarted>(e).StepKey));
        Assert.Empty(await Log.GetHistoryOfTypesAsync(id, []));
    }

    [Fact]
    public async Task Purge_DeletesOnlyFinishedExecutionsOfTheOrganisation_WithTheirHistoryAndKey()
    {
        var org = NewId("org");
        var result = await Log.CreateAsync(NewExecution(org, idempotencyKey: "purged"), T0);
        var id = result.Execution.Id;
        await Log.AppendAsync(id, 0, Enumerable.Range(0, 150).Select(i => (HistoryEvent)new EventRaised("e" + i, null)).ToList(), ExecutionStatus.Running, T0);

        Assert.False(await Log.PurgeAsync(org, id));
        await Log.AppendAsync(id, 150, [new ExecutionCompleted(null)], ExecutionStatus.Completed, T0);
        Assert.False(await Log.PurgeAsync(NewId("org"), id));
        Assert.False(await Log.PurgeAsync(org, NewId("ex")));

        Assert.True(await Log.PurgeAsync(org, id));

        Assert.Null(await Log.GetForHostAsync(id));
        Assert.Empty(await Log.GetHistoryAsync(id));
        Assert.Null(await Log.FindByIdempotencyKeyAsync(org, "purged"));
        Assert.Equal(0, (await Log.ListAsync(org, new ExecutionQuery(null, null, null, 1, 10))).Total);
        Assert.False(await Log.PurgeAsync(org, id));
        // The key is free again, as on the server.
        Assert.False((await Log.CreateAsync(NewExecution(org, idempotencyKey: "purged"), T0)).Existing);
    }

    [Fact]
    public async Task LargeValues_AreSplitOverProperties_AndReadBackWhole_AndTooLargeOnesAreRefusedClearly()
    {
        var org = NewId("org");
        var big = new string('x', 100_000) + "é" + new string('y', 50_000);
        var id = await StartNewAsync(org, T0, trigger: new JsonObject { ["text"] = big });
        await Log.AppendAsync(id, 0, [new StepCompleted("s1", "n1", "http.request", 1, new JsonObject { ["text"] = big }, "main")], ExecutionStatus.Running, T0);

        Assert.Equal(big, (await Log.GetAsync(org, id))!.TriggerData!["text"]!.GetValue<string>());
        var completed = Assert.IsType<StepCompleted>(Assert.Single(await Log.GetHistoryAsync(id)));
        Assert.Equal(big, completed.Output!["text"]!.GetValue<string>());

        var huge = new JsonObject { ["text"] = new string('z', EntityText.MaxValueChars) };
        var refused = await Assert.ThrowsAsync<ExecutionLogLimitException>(() =>
            Log.AppendAsync(id, 1, [new StepCompleted("s2", "n2", "http.request", 1, huge, "main")], ExecutionStatus.Running, T0));
        Assert.Contains("Table storage log keeps at most", refused.Message);
        Assert.Equal(1L, (await Log.GetAsync(org, id))!.LastSequence);
    }

    [Fact]
    public async Task Ids_WithCharactersTableKeysRefuse_AreStoredAndFound()
    {
        var org = "org/with#odd?chars\\" + Guid.NewGuid().ToString("N");
        var id = "ex/" + Guid.NewGuid().ToString("N") + "#1";
        await Log.CreateAsync(NewExecution(org, id: id), T0);
        await Log.AppendAsync(id, 0, [new EventRaised("x", null)], ExecutionStatus.Running, T0);

        Assert.Equal(id, (await Log.GetAsync(org, id))?.Id);
        Assert.Single(await Log.GetHistoryAsync(id));
        Assert.Equal([id], (await Log.SearchAsync(org, new ExecutionSearch())).Items.Select(i => i.Id));
    }
}
