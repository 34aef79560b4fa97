using FlowForge.Core.Storage;
using FlowForge.Functions.Schedules;
using FlowForge.Functions.Tests.Contract;
using FlowForge.Server.Triggers;
using Microsoft.Extensions.DependencyInjection;

namespace FlowForge.Functions.Tests.Schedules;

/// <summary>The every-minute timer function: due schedule triggers start once per tick, however many instances fire it.</summary>
public sealed class ScheduleFunctionTests(TwoHostsFixture hosts) : IClassFixture<TwoHostsFixture>
{
    private ScheduleFunction Function => hosts.Functions.Services.GetRequiredService<ScheduleFunction>();

    [Fact]
    public async Task A_due_tick_fired_by_two_instances_starts_one_execution()
    {
        var (workflow, _) = await hosts.CreateAndPublishAsync(Workflows.Schedule("every-minute", "* * * * *"));
        var triggers = hosts.Functions.Services.GetRequiredService<ITriggerStore>();
        var schedule = (await triggers.ListForWorkflowAsync("org-a", workflow)).Single();
        var tick = schedule.NextFireAt!.Value;
        hosts.ScheduleClock.Set(tick.AddSeconds(1));

        Assert.True(await Function.FireAsync(hosts.Functions.Client, CancellationToken.None) >= 1);
        // A second instance that read the schedule row before the first advanced it: the row is put back to the tick
        // the first one fired, and the second fires it again.
        var advanced = (await triggers.ListForWorkflowAsync("org-a", workflow)).Single().NextFireAt!.Value;
        Assert.True(advanced > tick);
        Assert.True(await triggers.AdvanceScheduleAsync(schedule.Id, advanced, tick, null));
        Assert.True(await Function.FireAsync(hosts.Functions.Client, CancellationToken.None) >= 1);

        var runs = await hosts.Log.SearchAsync("org-a", new ExecutionSearch(WorkflowId: workflow));
        var run = Assert.Single(runs.Items);
        var key = TriggerIntake.IdempotencyKey(schedule, "schedule:" + tick.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'"));
        Assert.Equal(run.Id, (await hosts.Log.FindByIdempotencyKeyAsync("org-a", key))?.Id);
        // And its orchestration was scheduled once, under the execution's id.
        Assert.NotNull(await hosts.Functions.Client.GetInstanceAsync(run.Id));
    }

    [Fact]
    public async Task Two_instances_firing_at_once_start_one_execution_for_the_tick()
    {
        var (workflow, _) = await hosts.CreateAndPublishAsync(Workflows.Schedule("concurrent", "* * * * *"));
        var triggers = hosts.Functions.Services.GetRequiredService<ITriggerStore>();
        var tick = (await triggers.ListForWorkflowAsync("org-a", workflow)).Single().NextFireAt!.Value;
        hosts.ScheduleClock.Set(tick.AddSeconds(1));

        await Task.WhenAll(Function.FireAsync(hosts.Functions.Client, CancellationToken.None), Function.FireAsync(hosts.Functions.Client, CancellationToken.None));

        var runs = await hosts.Log.SearchAsync("org-a", new ExecutionSearch(WorkflowId: workflow));
        Assert.Single(runs.Items);
    }
}
