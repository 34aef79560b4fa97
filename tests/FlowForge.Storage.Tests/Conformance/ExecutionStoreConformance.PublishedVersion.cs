using System.Text.Json;
using FlowForge.Core.Engine.History;
using FlowForge.Core.Model;
using FlowForge.Core.Storage;

namespace FlowForge.Storage.Tests.Conformance;

// Starts that check, in their own insert, that their version is the one published (NewExecution.RequirePublishedVersion):
// a starter remembering the published version starts on it without reading the workflow, and never on one no longer published.
public abstract partial class ExecutionStoreConformance
{
    private static WorkflowDefinition Workflow(string name) => new(name, null,
        new WorkflowGraph([new NodeDefinition("trigger", "trigger_manual", JsonSerializer.SerializeToElement(new { }))], []), null);

    /// <summary>A workflow with versions 1 and 2 published in turn (2 is the published one), in an organisation of its own.</summary>
    private async Task<(string Org, WorkflowRecord Workflow, IWorkflowStore Workflows)> PublishedTwiceAsync()
    {
        var (tenants, workflows) = CreateWorkflowStores();
        var org = NewId("org");
        await tenants.EnsureOrganizationAsync(org, "Org " + org);
        var wf = await workflows.CreateAsync(org, Workflow("checked"));
        wf = (await workflows.PublishAsync(org, wf.Id, wf.Revision)).Record!;
        wf = (await workflows.UpdateAsync(org, wf.Id, Workflow("checked again"), wf.Revision)).Record!;
        wf = (await workflows.PublishAsync(org, wf.Id, wf.Revision)).Record!;
        Assert.Equal(2, wf.PublishedVersion);
        return (org, wf, workflows);
    }

    private static NewExecution Checked(string org, string workflowId, int version, string? key = null) =>
        NewExecution(org, workflowId: workflowId, idempotencyKey: key) with { Version = version, RequirePublishedVersion = true };

    [Fact]
    public async Task StartRequiringThePublishedVersion_IsWrittenOnIt_AndRefusedOnAnyOther_WritingNothing()
    {
        var store = await CreateStoreAsync();
        var (org, wf, _) = await PublishedTwiceAsync();

        var started = await store.StartAsync(Checked(org, wf.Id, 2));
        Assert.Equal((2, false), (started.Execution.Version, started.Existing));
        Assert.IsType<ExecutionStarted>(Assert.Single((await ClaimAsync(store, started.Execution.Id, NewId("owner"))).Messages).Event);

        var stale = Checked(org, wf.Id, 1);
        var refused = await Assert.ThrowsAsync<WorkflowVersionNotPublishedException>(() => store.StartAsync(stale));
        Assert.Equal((wf.Id, 1), (refused.WorkflowId, refused.Version));
        Assert.Null(await store.GetAsync(org, stale.Id));
        Assert.Null(await TryClaimAsync(store, stale.Id, NewId("owner"), Now()));

        // Without the check the same start is written: the version is the caller's to choose (a retry pins its original's).
        Assert.Equal(1, (await store.StartAsync(stale with { RequirePublishedVersion = false })).Execution.Version);
    }

    [Fact]
    public async Task StartRequiringThePublishedVersion_OfAnUnpublishedOrDeletedWorkflow_IsRefused()
    {
        var store = await CreateStoreAsync();
        var (org, wf, workflows) = await PublishedTwiceAsync();
        var other = await PublishedTwiceAsync();

        await workflows.UnpublishAsync(org, wf.Id);
        await Assert.ThrowsAsync<WorkflowVersionNotPublishedException>(() => store.StartAsync(Checked(org, wf.Id, 2)));
        await other.Workflows.DeleteAsync(other.Org, other.Workflow.Id);
        await Assert.ThrowsAsync<WorkflowVersionNotPublishedException>(() => store.StartAsync(Checked(other.Org, other.Workflow.Id, 2)));
        // Another organisation's workflow of the same id is not this one.
        await Assert.ThrowsAsync<WorkflowVersionNotPublishedException>(() => store.StartAsync(Checked(NewId("org"), wf.Id, 2)));
    }

    [Fact]
    public async Task StartRequiringThePublishedVersion_WithAFirstTurn_IsRefusedWithoutWritingTheTurn()
    {
        var store = await CreateStoreAsync();
        var (org, wf, _) = await PublishedTwiceAsync();
        var owner = NewId("owner");
        var stale = Checked(org, wf.Id, 1) with { Lease = new ExecutionLease(owner, Now() + Lease) };

        await Assert.ThrowsAsync<WorkflowVersionNotPublishedException>(() => store.StartAsync(stale with { FirstTurn = FirstTurnOf(stale, owner) }));

        Assert.Null(await store.GetAsync(org, stale.Id));
        Assert.Empty(await store.GetHistoryAsync(stale.Id));
        Assert.Empty(await ClaimActivitiesOfAsync(store, stale.Id, NewId("worker"), Now() + TimeSpan.FromHours(1)));

        var current = Checked(org, wf.Id, 2) with { Lease = new ExecutionLease(owner, Now() + Lease) };
        var written = await store.StartAsync(current with { FirstTurn = FirstTurnOf(current, owner) });
        Assert.NotNull(written.FirstTurn);
    }

    [Fact]
    public async Task StartRequiringThePublishedVersion_RepeatingAKeyAlreadyUsed_ReturnsThatExecution_WhateverTheVersion()
    {
        var store = await CreateStoreAsync();
        var (org, wf, _) = await PublishedTwiceAsync();
        var first = await store.StartAsync(Checked(org, wf.Id, 2, "key-published"));

        var repeat = await store.StartAsync(Checked(org, wf.Id, 1, "key-published"));

        Assert.True(repeat.Existing);
        Assert.Equal(first.Execution.Id, repeat.Execution.Id);
    }

    [Fact]
    public async Task StartsRequiringThePublishedVersion_ManyConcurrently_RefuseOnlyTheStaleOnes()
    {
        var store = await CreateStoreAsync();
        var (org, wf, _) = await PublishedTwiceAsync();

        // Together, so a store that batches starts writes the current ones and refuses the stale ones of one batch.
        var starts = Enumerable.Range(0, 40).Select(i => Checked(org, wf.Id, i % 2 == 0 ? 2 : 1)).ToList();
        var outcomes = await Task.WhenAll(starts.Select(e => Task.Run(async () =>
        {
            try
            {
                return (await store.StartAsync(e)).Execution.Version;
            }
            catch (WorkflowVersionNotPublishedException)
            {
                return -1;
            }
        })));

        Assert.Equal(starts.Select(e => e.Version == 2 ? 2 : -1), outcomes);
        for (var i = 1; i < starts.Count; i += 2) Assert.Null(await store.GetAsync(org, starts[i].Id));
    }
}
