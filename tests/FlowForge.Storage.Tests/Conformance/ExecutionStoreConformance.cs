using System.Text.Json.Nodes;
using FlowForge.Core.Engine.History;
using FlowForge.Core.Storage;

namespace FlowForge.Storage.Tests.Conformance;

/// <summary>
/// The behaviour every <see cref="IExecutionStore"/> must have. A store enrolls with a subclass that
/// implements <see cref="CreateStoreAsync"/>; the store may share its database with the other tests of
/// the class, so the tests isolate themselves by organisation, ids and lease owners.
/// </summary>
public abstract partial class ExecutionStoreConformance
{
    /// <summary>A store on a migrated database. Called once per test; may return stores sharing one database.</summary>
    protected abstract Task<IExecutionStore> CreateStoreAsync();

    /// <summary>The tenant and workflow stores on the execution store's database (starts that check the published version).</summary>
    protected abstract (ITenantStore Tenants, IWorkflowStore Workflows) CreateWorkflowStores();

    // ---- Start and idempotency -------------------------------------------------------------

    [Fact]
    public async Task Start_CreatesPendingExecution_WithStartedMessageInItsInbox()
    {
        var store = await CreateStoreAsync();
        var org = NewId("org");
        var request = new NewExecution(NewId("ex"), org, "wf_a", 3, new JsonObject { ["order"] = 42 }, "hook", ParentExecutionId: "ex_parent", ParentStepKey: "sub", RetryOf: "ex_old");
        var before = Now();

        var result = await store.StartAsync(request);

        Assert.False(result.Existing);
        var e = result.Execution;
        Assert.Equal((request.Id, org, "wf_a", 3, ExecutionStatus.Pending, 0L), (e.Id, e.OrgId, e.WorkflowId, e.Version, e.Status, e.LastSequence));
        Assert.True(JsonNode.DeepEquals(request.TriggerData, e.TriggerData));
        Assert.Equal(("ex_parent", "ex_old"), (e.ParentExecutionId, e.RetryOf));
        Assert.Null(e.CompletedAt);
        AssertWithin(before, Now(), e.CreatedAt);
        Assert.Empty(await store.GetHistoryAsync(e.Id));

        var item = await ClaimAsync(store, e.Id, NewId("owner"));
        var message = Assert.Single(item.Messages);
        var started = Assert.IsType<ExecutionStarted>(message.Event);
        Assert.Equal(("wf_a", 3, "hook", "ex_parent", "sub"), (started.WorkflowId, started.Version, started.TriggerNodeId, started.ParentExecutionId, started.ParentStepKey));
        Assert.True(JsonNode.DeepEquals(request.TriggerData, started.TriggerData));
        Assert.NotEqual(default, started.Timestamp);
    }

    [Fact]
    public async Task Start_ChildDepth_TravelsOnItsStartedEvent()
    {
        var store = await CreateStoreAsync();
        var org = NewId("org");
        var child = new NewExecution(NewId("ex"), org, "wf_a", 1, null, ParentExecutionId: "ex_parent", ParentStepKey: "sub", Depth: 4);

        await store.StartAsync(child);

        var started = Assert.IsType<ExecutionStarted>(Assert.Single((await ClaimAsync(store, child.Id, NewId("owner"))).Messages).Event);
        Assert.Equal(4, started.Depth);
    }

    [Fact]
    public async Task CountUnfinished_CountsTheOrganisationsPendingRunningAndWaitingExecutions_NotFinishedOnes()
    {
        var store = await CreateStoreAsync();
        var org = NewId("org");
        var owner = NewId("owner");
        await StartNewAsync(store, org);
        var running = await StartRunningAsync(store, org, owner);
        var finished = await StartRunningAsync(store, org, owner);
        await StartNewAsync(store, NewId("other"));
        Assert.Equal(3, await store.CountUnfinishedAsync(org));

        var done = await CommitAsync(store, owner, new OrchestrationCommit(finished, 1, [], [new ExecutionCompleted(null)], ExecutionStatus.Completed));
        Assert.Equal(CommitOutcome.Committed, done.Outcome);
        Assert.Equal(2, await store.CountUnfinishedAsync(org));
        Assert.Equal(0, await store.CountUnfinishedAsync(NewId("org")));
        Assert.NotNull(running);
    }

    [Fact]
    public async Task Start_WithUsedIdempotencyKey_ReturnsFirstExecutionAndWritesNothing()
    {
        var store = await CreateStoreAsync();
        var org = NewId("org");
        var first = await store.StartAsync(NewExecution(org, idempotencyKey: "key-1"));
        var secondId = NewId("ex");

        var second = await store.StartAsync(NewExecution(org, id: secondId, idempotencyKey: "key-1"));

        Assert.True(second.Existing);
        Assert.Equal(first.Execution.Id, second.Execution.Id);
        Assert.Null(await store.GetForEngineAsync(secondId));
        Assert.Equal(1, (await store.ListAsync(org, new ExecutionQuery(null, null, null, 1, 50))).Total);
    }

    [Fact]
    public async Task FindByIdempotencyKey_FindsTheOrganisationsExecution_OnlyInThatOrganisation()
    {
        var store = await CreateStoreAsync();
        var org = NewId("org");
        var first = await store.StartAsync(NewExecution(org, idempotencyKey: "key-find"));

        Assert.Equal(first.Execution.Id, (await store.FindByIdempotencyKeyAsync(org, "key-find"))?.Id);
        Assert.Null(await store.FindByIdempotencyKeyAsync(org, "key-other"));
        Assert.Null(await store.FindByIdempotencyKeyAsync(NewId("org"), "key-find"));
    }

    [Fact]
    public async Task Start_WithSameIdempotencyKeyInAnotherOrg_IsIndependent()
    {
        var store = await CreateStoreAsync();
        var a = await store.StartAsync(NewExecution(NewId("org"), idempotencyKey: "shared"));
        var b = await store.StartAsync(NewExecution(NewId("org"), idempotencyKey: "shared"));

        Assert.False(b.Existing);
        Assert.NotEqual(a.Execution.Id, b.Execution.Id);
    }

    [Fact]
    public async Task Start_WithoutIdempotencyKey_NeverDeduplicates()
    {
        var store = await CreateStoreAsync();
        var org = NewId("org");
        await store.StartAsync(NewExecution(org));
        await store.StartAsync(NewExecution(org));

        Assert.Equal(2, (await store.ListAsync(org, new ExecutionQuery(null, null, null, 1, 50))).Total);
    }

    [Fact]
    public async Task Start_ManyConcurrently_LosesNothing()
    {
        var store = await CreateStoreAsync();
        var org = NewId("org");

        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => Task.Run(() => store.StartAsync(NewExecution(org)))));

        Assert.All(results, r => Assert.False(r.Existing));
        var page = await store.ListAsync(org, new ExecutionQuery(null, null, null, 1, 500));
        Assert.Equal(200, page.Total);
        Assert.Equal(results.Select(r => r.Execution.Id).Order(), page.Items.Select(e => e.Id).Order());
    }

    [Fact]
    public async Task Start_ConcurrentlyWithOneIdempotencyKey_CreatesExactlyOne()
    {
        var store = await CreateStoreAsync();
        var org = NewId("org");

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => store.StartAsync(NewExecution(org, idempotencyKey: "once")))));

        Assert.Single(results, r => !r.Existing);
        Assert.Single(results.Select(r => r.Execution.Id).Distinct());
        Assert.Equal(1, (await store.ListAsync(org, new ExecutionQuery(null, null, null, 1, 50))).Total);
    }

    // ---- Orchestration claims --------------------------------------------------------------

    [Fact]
    public async Task Claim_ReturnsOnlyDueMessages_AndFutureMessagesOnceDue()
    {
        var store = await CreateStoreAsync();
        var org = NewId("org");
        var owner = NewId("owner");
        var id = await StartRunningAsync(store, org, owner);
        var fireAt = Now().AddMinutes(5);
        Assert.True(await store.SendAsync(org, id, new TimerFired("t1"), fireAt));

        Assert.Null(await TryClaimAsync(store, id, owner, Now()));

        var item = await ClaimAsync(store, id, owner, fireAt);
        var message = Assert.Single(item.Messages);
        Assert.Equal("t1", Assert.IsType<TimerFired>(message.Event).TimerId);
        Assert.Equal(fireAt, message.VisibleAt);
    }

    [Fact]
    public async Task Claim_ReturnsAllDueMessagesInArrivalOrder()
    {
        var store = await CreateStoreAsync();
        var org = NewId("org");
        var owner = NewId("owner");
        var id = await StartRunningAsync(store, org, owner);
        var now = Now();
        foreach (var name in new[] { "a", "b", "c" })
            Assert.True(await store.SendAsync(org, id, new EventRaised(name, null), now));
        Assert.True(await store.SendAsync(org, id, new EventRaised("later", null), now.AddHours(1)));

        var item = await ClaimAsync(store, id, owner, now);

        Assert.Equal(["a", "b", "c"], item.Messages.Select(m => Assert.IsType<EventRaised>(m.Event).Name));
        Assert.Equal(item.Messages.Select(m => m.Id).Order(), item.Messages.Select(m => m.Id));
        Assert.All(item.Messages, m => Assert.Equal(id, m.ExecutionId));
    }

    [Fact]
    public async Task Claim_LeasedExecution_IsNotClaimedByAnotherOwnerUntilLeaseExpires()
    {
        var store = await CreateStoreAsync();
        var id = await StartNewAsync(store, NewId("org"));
        var first = NewId("owner");
        var second = NewId("owner");
        var now = Now();

        Assert.NotNull(await TryClaimAsync(store, id, first, now, TimeSpan.FromMinutes(1)));

        Assert.Null(await TryClaimAsync(store, id, second, now.AddSeconds(30)));
        Assert.NotNull(await TryClaimAsync(store, id, first, now.AddSeconds(30))); // the holder may claim again
        Assert.NotNull(await TryClaimAsync(store, id, second, now.AddMinutes(2)));
        Assert.Null(await TryClaimAsync(store, id, first, now.AddMinutes(2)));
    }

    [Fact]
    public async Task ReleaseOrchestrations_MakesExecutionsClaimableByOthersAtOnce()
    {
        var store = await CreateStoreAsync();
        var id = await StartNewAsync(store, NewId("org"));
        var first = NewId("owner");
        await ClaimAsync(store, id, first);

        await store.ReleaseOrchestrationsAsync(first);

        Assert.NotNull(await TryClaimAsync(store, id, NewId("owner"), Now()));
    }

    [Fact]
    public async Task Claim_IncludesTerminalExecutions_SoAResumeReachesTheDispatcher()
    {
        var store = await CreateStoreAsync();
        var org = NewId("org");
        var owner = NewId("owner");
        var id = await StartRunningAsync(store, org, owner);
        await CommitAsync(store, owner, new OrchestrationCommit(id, 1, [], [new ExecutionFailed("boom", "s1")], ExecutionStatus.Failed, Error: "boom"));
        var failed = await store.GetAsync(org, id);
        Assert.Equal(ExecutionStatus.Failed, failed!.Status);
        Assert.NotNull(failed.CompletedAt);

        Assert.True(await store.SendAsync(org, id, new ExecutionResumed(), Now(), allowTerminal: true));
        var item = await ClaimAsync(store, id, owner);
        Assert.IsType<ExecutionResumed>(Assert.Single(item.Messages).Event);

        var resumed = await CommitAsync(store, owner, new OrchestrationCommit(id, 2, [item.Messages[0].Id], [item.Messages[0].Event], ExecutionStatus.Running));
        Assert.Equal(CommitOutcome.Committed, resumed.Outcome);
        var running = await store.GetAsync(org, id);
        Assert.Equal((ExecutionStatus.Running, (DateTimeOffset?)null, 3L), (running!.Status, running.CompletedAt, running.LastSequence));
    }

    // ---- Commits ---------------------------------------------------------------------------

    [Fact]
    public async Task Commit_AppendsEventsInSequence_AndHistoryReadsBackWithTypesAndTimestamps()
    {
        var store = await CreateStoreAsync();
        var org = NewId("org");
        var owner = NewId("owner");
        var id = await StartNewAsync(store, org);
        var item = await ClaimAsync(store, id, owner);
        var explicitTime = new DateTimeOffset(2024, 5, 6, 7, 8, 9, 123, TimeSpan.FromHours(2)).AddTicks(4567);
        var before = Now();

        var result = await CommitAsync(store, owner, new OrchestrationCommit(id, 0, [item.Messages[0].Id],
        [
            item.Messages[0].Event,
            new StepScheduled("s1", "n1", "http.request", 1, new JsonObject { ["a"] = "b" }),
            new TimerCreated("t1", explicitTime, TimerPurpose.Delay, "s2") { Timestamp = explicitTime },
        ], ExecutionStatus.Running));
        var after = Now();

        Assert.Equal(CommitOutcome.Committed, result.Outcome);
        Assert.Empty(result.LeasedActivities);
        var execution = await store.GetAsync(org, id);
        Assert.Equal((ExecutionStatus.Running, 3L), (execution!.Status, execution.LastSequence));
        AssertWithin(before, after, execution.UpdatedAt);

        var history = await store.GetHistoryAsync(id);
        Assert.Collection(history,
            e => Assert.Equal(item.Messages[0].Event.Timestamp, Assert.IsType<ExecutionStarted>(e).Timestamp),
            e =>
            {
                var scheduled = Assert.IsType<StepScheduled>(e);
                Assert.Equal(("s1", "n1", "http.request", 1), (scheduled.StepKey, scheduled.NodeId, scheduled.NodeType, scheduled.Attempt));
                Assert.True(JsonNode.DeepEquals(new JsonObject { ["a"] = "b" }, scheduled.Input));
                AssertWithin(before, after, scheduled.Timestamp); // a default timestamp is stamped at append
            },
            e =>
            {
                var timer = Assert.IsType<TimerCreated>(e);
                Assert.Equal(explicitTime, timer.Timestamp); // an explicit timestamp is kept, to the tick
                Assert.Equal((explicitTime, TimerPurpose.Delay), (timer.FireAt, timer.Purpose));
            });
        Assert.IsType<TimerCreated>(Assert.Single(await store.GetHistoryAsync(id, afterSequence: 2)));
    }

    [Fact]
    public async Task Commit_ReleasesTheLease_SoTheNextMessageIsClaimableByAnyone()
    {
        var store = await CreateStoreAsync();
        var org = NewId("org");
        var id = await StartRunningAsync(store, org, NewId("owner"));

        Assert.True(await store.SendAsync(org, id, new EventRaised("go", null), Now()));

        Assert.NotNull(await TryClaimAsync(store, id, NewId("owner"), Now()));
    }

    [Fact]
    public async Task Commit_WithStaleSequence_IsConflictAndWritesNothing_WhileOthersInTheBatchApply()
    {
        var store = await CreateStoreAsync();
        var org = NewId("org");
        var owner = NewId("owner");
        var stale = await StartRunningAsync(store, org, owner);
        var other = await StartRunningAsync(store, org, owner);
        var recipient = await StartRunningAsync(store, org, owner);
        var childId = NewId("child");
        var stalePending = await TryClaimAsync(store, stale, owner, Now());
        Assert.Null(stalePending); // nothing due: the conflicting commit below must not add anything either

        var results = await store.CommitOrchestrationsAsync(owner,
        [
            new OrchestrationCommit(stale, 0, [], [new StepScheduled("s1", "n1", "http.request", 1, null)], ExecutionStatus.Completed,
                Output: new JsonObject { ["x"] = 1 },
                Activities: [Activity(stale, org, "s1")], ActivityLeaseOwner: owner,
                Messages: [new ScheduledMessage(recipient, new EventRaised("from-stale", null), Now())],
                Children: [new NewExecution(childId, org, "wf_child", 1, null, ParentExecutionId: stale, ParentStepKey: "s1")]),
            new OrchestrationCommit(other, 1, [], [new StepScheduled("s1", "n1", "http.request", 1, null)], ExecutionStatus.Running,
                Activities: [Activity(other, org, "s1")], ActivityLeaseOwner: owner),
        ]);

        Assert.Equal([CommitOutcome.Conflict, CommitOutcome.Committed], results.Select(r => r.Outcome));
        Assert.Empty(results[0].LeasedActivities);
        Assert.Single(results[1].LeasedActivities);

        var unchanged = await store.GetAsync(org, stale);
        Assert.Equal((ExecutionStatus.Running, 1L, (DateTimeOffset?)null), (unchanged!.Status, unchanged.LastSequence, unchanged.CompletedAt));
        Assert.Null(unchanged.Output);
        Assert.Single(await store.GetHistoryAsync(stale));
        Assert.Null(await store.GetForEngineAsync(childId));
        Assert.Null(await TryClaimAsync(store, recipient, owner, Now()));
        Assert.Empty(await ClaimActivitiesOfAsync(store, stale, NewId("worker"), Now().AddHours(1)));

        Assert.Equal(2L, (await store.GetAsync(org, other))!.LastSequence);
        Assert.Equal(2, (await store.GetHistoryAsync(other)).Count);
    }

    [Fact]
    public async Task Commit_SecondCommitOfTheSameTurn_IsConflict()
    {
        var store = await CreateStoreAsync();
        var owner = NewId("owner");
        var id = await StartNewAsync(store, NewId("org"));
        var item = await ClaimAsync(store, id, owner);
        var turn = new OrchestrationCommit(id, 0, [item.Messages[0].Id], [item.Messages[0].Event], ExecutionStatus.Running);

        var results = await store.CommitOrchestrationsAsync(owner, [turn, turn]);

        Assert.Equal([CommitOutcome.Committed, CommitOutcome.Conflict], results.Select(r => r.Outcome));
        Assert.Single(await store.GetHistoryAsync(id));
    }

    [Fact]
    public async Task Commit_WhenAConsumedMessageIsAlreadyGone_IsConflict()
    {
        var store = await CreateStoreAsync();
        var org = NewId("org");
        var owner = NewId("owner");
        var id = await StartNewAsync(store, org);
        var item = await ClaimAsync(store, id, owner);
        var startedId = item.Messages[0].Id;
        await CommitAsync(store, owner, new OrchestrationCommit(id, 0, [startedId], [item.Messages[0].Event], ExecutionStatus.Running));

        // Right sequence, but the message was consumed by the commit above.
        var again = await CommitAsync(store, owner, new OrchestrationCommit(id, 1, [startedId], [new EventRaised("dup", null)], ExecutionStatus.Running));

        Assert.Equal(CommitOutcome.Conflict, again.Outcome);
        Assert.Equal(1L, (await store.GetAsync(org, id))!.LastSequence);
        Assert.Single(await store.GetHistoryAsync(id));
    }

    [Fact]
    public async Task Commit_ConsumingAnotherExecutionsMessage_IsConflict()
    {
        var store = await CreateStoreAsync();
        var org = NewId("org");
        var owner = NewId("owner");
        var id = await StartRunningAsync(store, org, owner);
        var otherId = await StartNewAsync(store, org);
        var otherMessage = (await ClaimAsync(store, otherId, owner)).Messages[0].Id;

        var result = await CommitAsync(store, owner, new OrchestrationCommit(id, 1, [otherMessage], [new EventRaised("x", null)], ExecutionStatus.Running));

        Assert.Equal(CommitOutcome.Conflict, result.Outcome);
        Assert.NotNull(await TryClaimAsync(store, otherId, owner, Now())); // still in the other inbox
    }

    [Fact]
    public async Task Commit_OfUnknownExecution_IsConflict()
    {
        var store = await CreateStoreAsync();
        var result = await CommitAsync(store, NewId("owner"), new OrchestrationCommit(NewId("ex"), 0, [], [new EventRaised("x", null)], ExecutionStatus.Running));
        Assert.Equal(CommitOutcome.Conflict, result.Outcome);
    }

    [Fact]
    public async Task Commit_TerminalTurnCompletingAnActivityAndConsumingAMessage_DropsTheExecutionsOtherActivitiesAndMessages()
    {
        // A turn that sends nothing (the usual last step: its result in, the run completed), so a backend's one-turn
        // form takes it: the clean-up must spare the rows the turn consumes itself and take every other row of the run.
        var store = await CreateStoreAsync();
        var org = NewId("org");
        var owner = NewId("owner");
        var worker = NewId("worker");
        var other = await StartRunningAsync(store, org, owner);
        var id = await StartRunningAsync(store, org, owner);
        await CommitAsync(store, owner, new OrchestrationCommit(id, 1, [], [new StepScheduled("s1", "n1", "http.request", 1, null), new StepScheduled("s2", "n2", "http.request", 1, null)],
            ExecutionStatus.Running, Activities: [Activity(id, org, "s1"), Activity(id, org, "s2")]));
        await CommitAsync(store, owner, new OrchestrationCommit(other, 1, [], [new StepScheduled("s1", "n1", "http.request", 1, null)], ExecutionStatus.Running,
            Activities: [Activity(other, org, "s1")]));
        var s1 = (await ClaimActivitiesOfAsync(store, id, worker, Now())).Single(a => a.Request.StepKey == "s1");
        Assert.True(await store.SendAsync(org, id, new EventRaised("go", null), Now()));
        Assert.True(await store.SendAsync(org, id, new TimerFired("later"), Now().AddMinutes(10)));
        var due = await ClaimAsync(store, id, owner);
        var completed = new StepCompleted("s1", "n1", "http.request", 1, new JsonObject { ["ok"] = true }, "main");

        var result = await CommitAsync(store, owner, new OrchestrationCommit(id, 3, [due.Messages.Single().Id], [completed, new EventRaised("go", null), new ExecutionCompleted(null)],
            ExecutionStatus.Completed, CompletedActivities: [new ActivityCompletion(s1.Id, worker, id, completed)]));

        Assert.Equal(CommitOutcome.Committed, result.Outcome);
        Assert.Equal(ExecutionStatus.Completed, (await store.GetAsync(org, id))!.Status);
        Assert.Equal(6, (await store.GetHistoryAsync(id)).Count);
        // Every lease taken above has run out an hour later: what is claimable then is what is left.
        var left = await store.ClaimActivitiesAsync(NewId("worker"), ClaimAll, TimeSpan.FromSeconds(10), Now().AddHours(1));
        Assert.DoesNotContain(left, a => a.Request.ExecutionId == id);
        Assert.Single(left, a => a.Request.ExecutionId == other); // the other run keeps its activity
        Assert.Null(await TryClaimAsync(store, id, owner, Now().AddHours(1)));
    }

    [Fact]
    public async Task Commit_TerminalStatus_RecordsOutcomeAndDropsPendingActivitiesAndInbox_ButKeepsMessagesToOthers()
    {
        var store = await CreateStoreAsync();
        var org = NewId("org");
        var owner = NewId("owner");
        var parent = await StartRunningAsync(store, org, owner);
        var id = await StartRunningAsync(store, org, owner);
        await CommitAsync(store, owner, new OrchestrationCommit(id, 1, [], [new StepScheduled("s1", "n1", "http.request", 1, null)], ExecutionStatus.Running,
            Activities: [Activity(id, org, "s1")]));
        Assert.True(await store.SendAsync(org, id, new TimerFired("later"), Now().AddMinutes(10)));
        var output = new JsonObject { ["done"] = true };
        var before = Now();

        var result = await CommitAsync(store, owner, new OrchestrationCommit(id, 2, [], [new ExecutionCompleted(output)], ExecutionStatus.Completed,
            Output: output,
            Activities: [Activity(id, org, "s2")], ActivityLeaseOwner: owner,
            Messages:
            [
                new ScheduledMessage(parent, new ChildCompleted("sub", id, output), Now()),
                new ScheduledMessage(id, new TimerFired("self"), Now()),
            ]));

        Assert.Equal(CommitOutcome.Committed, result.Outcome);
        Assert.Empty(result.LeasedActivities);
        var done = await store.GetAsync(org, id);
        Assert.Equal(ExecutionStatus.Completed, done!.Status);
        Assert.True(JsonNode.DeepEquals(output, done.Output));
        AssertWithin(before, Now(), done.CompletedAt!.Value);
        Assert.Empty(await ClaimActivitiesOfAsync(store, id, NewId("worker"), Now().AddHours(1)));
        Assert.Null(await TryClaimAsync(store, id, owner, Now().AddHours(1)));

        var parentItem = await ClaimAsync(store, parent, owner);
        var childDone = Assert.IsType<ChildCompleted>(Assert.Single(parentItem.Messages).Event);
        Assert.Equal(("sub", id), (childDone.StepKey, childDone.ChildExecutionId));
        Assert.True(JsonNode.DeepEquals(output, childDone.Output));
    }

    [Fact]
    public async Task Commit_Failed_RecordsError()
    {
        var store = await CreateStoreAsync();
        var org = NewId("org");
        var owner = NewId("owner");
        var id = await StartRunningAsync(store, org, owner);

        await CommitAsync(store, owner, new OrchestrationCommit(id, 1, [], [new ExecutionFailed("step s1 failed", "s1")], ExecutionStatus.Failed, Error: "step s1 failed"));

        var failed = await store.GetAsync(org, id);
        Assert.Equal((ExecutionStatus.Failed, "step s1 failed"), (failed!.Status, failed.Error));
        Assert.NotNull(failed.CompletedAt);
    }

    [Fact]
    public async Task Commit_Children_AreCreatedPendingAndClaimable()
    {
        var store = await CreateStoreAsync();
        var org = NewId("org");
        var owner = NewId("owner");
        var parent = await StartRunningAsync(store, org, owner);
        var childId = NewId("child");
        var input = new JsonObject { ["item"] = 7 };

        await CommitAsync(store, owner, new OrchestrationCommit(parent, 1, [], [new ChildRequested("sub", "n_sub", childId, "wf_child", input)], ExecutionStatus.Waiting,
            Children: [new NewExecution(childId, org, "wf_child", 2, input, ParentExecutionId: parent, ParentStepKey: "sub")]));

        var child = await store.GetAsync(org, childId);
        Assert.Equal((ExecutionStatus.Pending, parent, "wf_child", 2), (child!.Status, child.ParentExecutionId, child.WorkflowId, child.Version));
        var item = await ClaimAsync(store, childId, owner);
        var started = Assert.IsType<ExecutionStarted>(Assert.Single(item.Messages).Event);
        Assert.Equal((parent, "sub"), (started.ParentExecutionId, started.ParentStepKey));
        Assert.True(JsonNode.DeepEquals(input, started.TriggerData));
        Assert.Equal(ExecutionStatus.Waiting, (await store.GetAsync(org, parent))!.Status);
    }

    [Fact]
    public async Task Commit_MessageToAnotherExecution_LandsInItsInboxAtFireTime()
    {
        var store = await CreateStoreAsync();
        var org = NewId("org");
        var owner = NewId("owner");
        var target = await StartRunningAsync(store, org, owner);
        var sender = await StartRunningAsync(store, org, owner);
        var fireAt = Now().AddMinutes(3);

        await CommitAsync(store, owner, new OrchestrationCommit(sender, 1, [], [new EventRaised("sent", null)], ExecutionStatus.Running,
            Messages: [new ScheduledMessage(target, new EventRaised("ping", new JsonObject { ["from"] = sender }), fireAt)]));

        Assert.Null(await TryClaimAsync(store, target, owner, Now()));
        var item = await ClaimAsync(store, target, owner, fireAt);
        var ping = Assert.IsType<EventRaised>(Assert.Single(item.Messages).Event);
        Assert.Equal("ping", ping.Name);
        Assert.Equal(fireAt, item.Messages[0].VisibleAt);
    }

    // ---- Activities ------------------------------------------------------------------------

    [Fact]
    public async Task Commit_WithLeaseOwner_ReturnsLeasedActivities_NotClaimableByOthersUntilLeaseExpires()
    {
        var store = await CreateStoreAsync();
        var org = NewId("org");
        var owner = NewId("owner");
        var id = await StartRunningAsync(store, org, owner);
        var before = Now();

        var result = await CommitAsync(store, owner, new OrchestrationCommit(id, 1, [],
            [new StepScheduled("a", "node_a", "http.request", 1, null), new StepScheduled("b", "node_b", "http.request", 1, null)], ExecutionStatus.Running,
            Activities: [Activity(id, org, "a", timeout: TimeSpan.FromSeconds(30)), Activity(id, org, "b", timeout: TimeSpan.FromSeconds(60))],
            ActivityLeaseOwner: owner, ActivityLeaseGrace: TimeSpan.FromSeconds(10)));
        var after = Now();

        Assert.Equal(2, result.LeasedActivities.Count);
        Assert.Equal(2, result.LeasedActivities.Select(a => a.Id).Distinct().Count());
        Assert.All(result.LeasedActivities, a => Assert.Equal(1, a.ClaimCount));
        var a = result.LeasedActivities.Single(x => x.Request.StepKey == "a");
        var b = result.LeasedActivities.Single(x => x.Request.StepKey == "b");
        AssertWithin(before.AddSeconds(40), after.AddSeconds(40), a.LeaseExpires);
        AssertWithin(before.AddSeconds(70), after.AddSeconds(70), b.LeaseExpires);

        var worker = NewId("worker");
        Assert.Empty(await ClaimActivitiesOfAsync(store, id, worker, after));
        var reclaimed = Assert.Single(await ClaimActivitiesOfAsync(store, id, worker, a.LeaseExpires.AddSeconds(1)));
        Assert.Equal((a.Id, 2), (reclaimed.Id, reclaimed.ClaimCount));
        Assert.Equal(a.LeaseExpires.AddSeconds(1 + 30 + 10), reclaimed.LeaseExpires);
    }

    [Fact]
    public async Task Commit_WithoutLeaseOwner_InsertsClaimableActivities_ThatRoundTripTheirRequest()
    {
        var store = await CreateStoreAsync();
        var org = NewId("org");
        var owner = NewId("owner");
        var id = await StartRunningAsync(store, org, owner);
        var request = Activity(id, org, "fetch", attempt: 3, timeout: TimeSpan.FromMilliseconds(2500));

        var result = await CommitAsync(store, owner, new OrchestrationCommit(id, 1, [], [new StepScheduled("fetch", "node_fetch", "http.request", 3, request.Input)],
            ExecutionStatus.Running, Activities: [request]));
        Assert.Empty(result.LeasedActivities);

        var now = Now();
        var claimed = Assert.Single(await ClaimActivitiesOfAsync(store, id, NewId("worker"), now, TimeSpan.FromSeconds(5)));
        Assert.Equal(1, claimed.ClaimCount);
        Assert.Equal(now.AddSeconds(7.5), claimed.LeaseExpires);
        var r = claimed.Request;
        Assert.Equal((id, org, "fetch", "node_fetch", "http.request", 3, TimeSpan.FromMilliseconds(2500)), (r.ExecutionId, r.OrgId, r.StepKey, r.NodeId, r.NodeType, r.Attempt, r.Timeout));
        Assert.True(JsonNode.DeepEquals(request.Input, r.Input));
        Assert.Equal($"{id}:fetch:3", r.IdempotencyKey);
    }

    [Fact]
    public async Task Commit_DuplicateActivityAttempt_IsIgnored_ButANewAttemptIsQueued()
    {
        var store = await CreateStoreAsync();
        var org = NewId("org");
        var owner = NewId("owner");
        var id = await StartRunningAsync(store, org, owner);
        var first = await CommitAsync(store, owner, new OrchestrationCommit(id, 1, [], [new StepScheduled("s", "node_s", "http.request", 1, null)], ExecutionStatus.Running,
            Activities: [Activity(id, org, "s")], ActivityLeaseOwner: owner));
        Assert.Single(first.LeasedActivities);

        var second = await CommitAsync(store, owner, new OrchestrationCommit(id, 2, [], [new StepScheduled("s", "node_s", "http.request", 2, null)], ExecutionStatus.Running,
            Activities: [Activity(id, org, "s", attempt: 1), Activity(id, org, "s", attempt: 2)], ActivityLeaseOwner: owner));

        Assert.Equal(CommitOutcome.Committed, second.Outcome);
        Assert.Equal(2, Assert.Single(second.LeasedActivities).Request.Attempt);
        var all = await ClaimActivitiesOfAsync(store, id, NewId("worker"), Now().AddHours(1));
        Assert.Equal([1, 2], all.Select(a => a.Request.Attempt).Order());
    }

    [Fact]
    public async Task Commit_WithCompletedActivities_DeletesThemWithTheTurn_ButAnotherOwnersIsAConflict()
    {
        var store = await CreateStoreAsync();
        var org = NewId("org");
        var owner = NewId("owner");
        var id = await StartRunningAsync(store, org, owner);
        var worker = NewId("worker");
        var leased = Assert.Single((await CommitAsync(store, owner, new OrchestrationCommit(id, 1, [], [new StepScheduled("s", "node_s", "http.request", 1, null)],
            ExecutionStatus.Running, Activities: [Activity(id, org, "s")], ActivityLeaseOwner: worker))).LeasedActivities);
        var result = new StepCompleted("s", "node_s", "http.request", 1, new JsonObject { ["ok"] = true }, "main");

        // A result handed over in memory by someone who does not hold the lease: nothing is written.
        var stale = (await store.CommitOrchestrationsAsync(owner, [new OrchestrationCommit(id, 2, [], [result], ExecutionStatus.Running,
            CompletedActivities: [new ActivityCompletion(leased.Id, NewId("other"), id, result)])]))[0];
        Assert.Equal(CommitOutcome.Conflict, stale.Outcome);
        Assert.Equal(2, (await store.GetForEngineAsync(id))!.LastSequence);

        // The lease holder's result is committed with the turn, and the activity is gone.
        var applied = (await store.CommitOrchestrationsAsync(owner, [new OrchestrationCommit(id, 2, [], [result], ExecutionStatus.Running,
            CompletedActivities: [new ActivityCompletion(leased.Id, worker, id, result)])]))[0];
        Assert.Equal(CommitOutcome.Committed, applied.Outcome);
        Assert.IsType<StepCompleted>((await store.GetHistoryAsync(id))[^1]);
        Assert.Empty(await ClaimActivitiesOfAsync(store, id, NewId("worker"), Now().AddHours(1)));
        Assert.Equal(0, await store.CompleteActivitiesAsync([new ActivityCompletion(leased.Id, worker, id, result)], Now()));
    }

    [Fact]
    public async Task CompleteActivities_ByLeaseOwner_PutsResultInInbox_ByStaleOwnerIsIgnored()
    {
        var store = await CreateStoreAsync();
        var org = NewId("org");
        var owner = NewId("owner");
        var id = await StartRunningAsync(store, org, owner);
        var staleWorker = NewId("worker");
        var leased = Assert.Single((await CommitAsync(store, owner, new OrchestrationCommit(id, 1, [], [new StepScheduled("s", "node_s", "http.request", 1, null)],
            ExecutionStatus.Running, Activities: [Activity(id, org, "s", timeout: TimeSpan.FromSeconds(1))], ActivityLeaseOwner: staleWorker))).LeasedActivities);
        // The first worker's lease expires and another worker takes the activity over.
        var currentWorker = NewId("worker");
        var reclaimed = Assert.Single(await ClaimActivitiesOfAsync(store, id, currentWorker, leased.LeaseExpires.AddSeconds(1)));
        Assert.Equal(leased.Id, reclaimed.Id);
        var now = Now();

        Assert.Equal(0, await store.CompleteActivitiesAsync([new ActivityCompletion(leased.Id, staleWorker, id, new StepCompleted("s", "node_s", "http.request", 1, new JsonObject { ["by"] = "stale" }, "main"))], now));
        Assert.Null(await TryClaimAsync(store, id, owner, now));

        Assert.Equal(1, await store.CompleteActivitiesAsync([new ActivityCompletion(leased.Id, currentWorker, id, new StepCompleted("s", "node_s", "http.request", 1, new JsonObject { ["by"] = "current" }, "main"))], now));
        var item = await ClaimAsync(store, id, owner, now);
        var completed = Assert.IsType<StepCompleted>(Assert.Single(item.Messages).Event);
        Assert.True(JsonNode.DeepEquals(new JsonObject { ["by"] = "current" }, completed.Output));
        Assert.Equal(now, completed.Timestamp); // stamped with the completion time
        Assert.Empty(await ClaimActivitiesOfAsync(store, id, NewId("worker"), now.AddHours(1)));

        // Completing twice applies once.
        Assert.Equal(0, await store.CompleteActivitiesAsync([new ActivityCompletion(leased.Id, currentWorker, id, completed)], now));
    }

    [Fact]
    public async Task CompleteActivities_AppliesEachCompletionOfABatchOnItsOwn()
    {
        var store = await CreateStoreAsync();
        var org = NewId("org");
        var owner = NewId("owner");
        var id = await StartRunningAsync(store, org, owner);
        var worker = NewId("worker");
        var leased = (await CommitAsync(store, owner, new OrchestrationCommit(id, 1, [], [new EventRaised("x", null)], ExecutionStatus.Running,
            Activities: [Activity(id, org, "a"), Activity(id, org, "b")], ActivityLeaseOwner: worker))).LeasedActivities;
        Assert.Equal(2, leased.Count);

        var applied = await store.CompleteActivitiesAsync(
        [
            new ActivityCompletion(leased[0].Id, worker, id, new StepCompleted(leased[0].Request.StepKey, "n", "t", 1, null, "main")),
            new ActivityCompletion(leased[1].Id, NewId("not-the-owner"), id, new StepCompleted(leased[1].Request.StepKey, "n", "t", 1, null, "main")),
        ], Now());

        Assert.Equal(1, applied);
        var item = await ClaimAsync(store, id, owner);
        Assert.Equal(leased[0].Request.StepKey, Assert.IsType<StepCompleted>(Assert.Single(item.Messages).Event).StepKey);
    }

    [Fact]
    public async Task ReleaseActivities_MakesThemClaimableAtOnce_AndDoesNotCountAsAFailedClaim()
    {
        var store = await CreateStoreAsync();
        var org = NewId("org");
        var owner = NewId("owner");
        var id = await StartRunningAsync(store, org, owner);
        var worker = NewId("worker");
        var leased = (await CommitAsync(store, owner, new OrchestrationCommit(id, 1, [], [new EventRaised("x", null)], ExecutionStatus.Running,
            Activities: [Activity(id, org, "a"), Activity(id, org, "b")], ActivityLeaseOwner: worker))).LeasedActivities;
        var a = leased.Single(x => x.Request.StepKey == "a");

        await store.ReleaseActivitiesAsync(worker, [a.Id]);

        var other = NewId("worker");
        var claimed = Assert.Single(await ClaimActivitiesOfAsync(store, id, other, Now()));
        Assert.Equal((a.Id, 1), (claimed.Id, claimed.ClaimCount));

        await store.ReleaseActivitiesAsync(worker);
        Assert.Equal("b", Assert.Single(await ClaimActivitiesOfAsync(store, id, other, Now())).Request.StepKey);
    }

    // ---- Send ------------------------------------------------------------------------------

    [Fact]
    public async Task Send_RefusesUnknownExecutionsAndOtherOrganisations()
    {
        var store = await CreateStoreAsync();
        var org = NewId("org");
        var id = await StartNewAsync(store, org);

        Assert.False(await store.SendAsync(NewId("org"), id, new EventRaised("x", null), Now()));
        Assert.False(await store.SendAsync(org, NewId("ex"), new EventRaised("x", null), Now()));

        var item = await ClaimAsync(store, id, NewId("owner"));
        Assert.IsType<ExecutionStarted>(Assert.Single(item.Messages).Event);
    }

    [Fact]
    public async Task Send_RefusesFinishedExecutions_UnlessTerminalIsAllowed()
    {
        var store = await CreateStoreAsync();
        var org = NewId("org");
        var owner = NewId("owner");
        var id = await StartRunningAsync(store, org, owner);
        await CommitAsync(store, owner, new OrchestrationCommit(id, 1, [], [new ExecutionCancelled("stop")], ExecutionStatus.Cancelled));

        Assert.False(await store.SendAsync(org, id, new EventRaised("late", null), Now()));
        Assert.Null(await TryClaimAsync(store, id, owner, Now()));

        Assert.True(await store.SendAsync(org, id, new ExecutionResumed(), Now(), allowTerminal: true));
        Assert.NotNull(await TryClaimAsync(store, id, owner, Now()));
    }

    [Fact]
    public async Task Send_KeepsAnExplicitEventTimestamp()
    {
        var store = await CreateStoreAsync();
        var org = NewId("org");
        var owner = NewId("owner");
        var id = await StartRunningAsync(store, org, owner);
        var raisedAt = Now().AddMinutes(-5);
        var now = Now();

        Assert.True(await store.SendAsync(org, id, new EventRaised("e", new JsonObject { ["ok"] = true }) { Timestamp = raisedAt }, now));

        var message = Assert.Single((await ClaimAsync(store, id, owner, now)).Messages);
        Assert.Equal((raisedAt, now), (message.Event.Timestamp, message.VisibleAt));
    }

    // ---- Queries ---------------------------------------------------------------------------

    [Fact]
    public async Task Get_IsScopedToTheOrganisation_ButTheEngineSeesEverything()
    {
        var store = await CreateStoreAsync();
        var org = NewId("org");
        var id = await StartNewAsync(store, org);

        Assert.NotNull(await store.GetAsync(org, id));
        Assert.Null(await store.GetAsync(NewId("org"), id));
        Assert.Equal(org, (await store.GetForEngineAsync(id))!.OrgId);
        Assert.Null(await store.GetForEngineAsync(NewId("ex")));
    }

    [Fact]
    public async Task List_FiltersByWorkflowStatusAndSince_NewestFirst_WithPaging()
    {
        var store = await CreateStoreAsync();
        var org = NewId("org");
        var owner = NewId("owner");
        // The pauses keep creation times distinct even on a coarse clock.
        var a1 = await StartNewAsync(store, org, "wf_a");
        await Task.Delay(5);
        var a2 = await StartNewAsync(store, org, "wf_a");
        await Task.Delay(5);
        var since = Now();
        await Task.Delay(5);
        var b1 = await StartRunningAsync(store, org, owner); // workflow wf_test
        await Task.Delay(5);
        var a3 = await StartNewAsync(store, org, "wf_a");
        await StartNewAsync(store, NewId("org"), "wf_a"); // another organisation

        var all = await store.ListAsync(org, new ExecutionQuery(null, null, null, 1, 10));
        Assert.Equal(4, all.Total);
        Assert.Equal([a3, b1, a2, a1], all.Items.Select(e => e.Id));

        var page2 = await store.ListAsync(org, new ExecutionQuery("wf_a", null, null, 2, 2));
        Assert.Equal(3, page2.Total);
        Assert.Equal([a1], page2.Items.Select(e => e.Id));

        var running = await store.ListAsync(org, new ExecutionQuery(null, ExecutionStatus.Running, null, 1, 10));
        Assert.Equal([b1], running.Items.Select(e => e.Id));
        Assert.Equal(1, running.Total);

        var recent = await store.ListAsync(org, new ExecutionQuery("wf_a", ExecutionStatus.Pending, since, 1, 10));
        Assert.Equal([a3], recent.Items.Select(e => e.Id));
    }

    // ---- Purge and scheduling --------------------------------------------------------------

    [Fact]
    public async Task Purge_DeletesOnlyFinishedExecutionsOfTheOrganisation()
    {
        var store = await CreateStoreAsync();
        var org = NewId("org");
        var owner = NewId("owner");
        var id = await StartRunningAsync(store, org, owner);

        Assert.False(await store.PurgeAsync(org, id));
        await CommitAsync(store, owner, new OrchestrationCommit(id, 1, [], [new ExecutionCompleted(null)], ExecutionStatus.Completed));
        Assert.False(await store.PurgeAsync(NewId("org"), id));
        Assert.False(await store.PurgeAsync(org, NewId("ex")));

        Assert.True(await store.PurgeAsync(org, id));

        Assert.Null(await store.GetForEngineAsync(id));
        Assert.Empty(await store.GetHistoryAsync(id));
        Assert.False(await store.PurgeAsync(org, id));
    }

    [Fact]
    public async Task PurgeFinishedBefore_DeletesOnlyExecutionsFinishedBeforeTheCutoff()
    {
        var store = await CreateStoreAsync();
        var org = NewId("org");
        var owner = NewId("owner");
        var finished = await StartRunningAsync(store, org, owner);
        var running = await StartRunningAsync(store, org, owner);
        var beforeFinish = Now();
        await CommitAsync(store, owner, new OrchestrationCommit(finished, 1, [], [new ExecutionCompleted(null)], ExecutionStatus.Completed));

        await store.PurgeFinishedBeforeAsync(beforeFinish, ClaimAll);
        Assert.NotNull(await store.GetAsync(org, finished));

        Assert.True(await store.PurgeFinishedBeforeAsync(Now().AddSeconds(1), ClaimAll) >= 1);
        Assert.Null(await store.GetAsync(org, finished));
        Assert.Empty(await store.GetHistoryAsync(finished));
        Assert.NotNull(await store.GetAsync(org, running));
        Assert.Equal(0, await store.PurgeFinishedBeforeAsync(Now().AddSeconds(1), 0));
    }

    [Fact]
    public async Task NextDue_IsNoLaterThanAPendingTimer()
    {
        var store = await CreateStoreAsync();
        var org = NewId("org");
        var id = await StartRunningAsync(store, org, NewId("owner"));
        var fireAt = Now().AddMinutes(7);
        Assert.True(await store.SendAsync(org, id, new TimerFired("t"), fireAt));

        var next = await store.NextDueAsync();

        // The store may hold other tests' work, so only an upper bound holds here.
        Assert.NotNull(next);
        Assert.True(next <= fireAt);
    }
}
