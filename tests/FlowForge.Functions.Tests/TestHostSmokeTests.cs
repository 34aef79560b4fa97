using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;

namespace FlowForge.Functions.Tests;

/// <summary>The in-process Durable Task backend the orchestration tests run on: starts, replays and completes.</summary>
public sealed class TestHostSmokeTests
{
    [Fact]
    public async Task An_orchestration_calls_an_activity_and_completes()
    {
        await using var host = await DurableTaskTestHost.StartAsync(r =>
        {
            r.AddOrchestratorFunc<string, string>("Echo", async (ctx, input) => await ctx.CallActivityAsync<string>("Upper", input));
            r.AddActivityFunc<string, string>("Upper", (_, input) => input.ToUpperInvariant());
        });
        var id = await host.Client.ScheduleNewOrchestrationInstanceAsync("Echo", "hello");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var done = await host.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, cts.Token);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Equal("HELLO", done.ReadOutputAs<string>());
    }
}
