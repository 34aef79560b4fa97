using FlowForge.Core.Storage;
using FlowForge.Server.Engine;

namespace FlowForge.Server.Tests.Engine;

/// <summary>
/// Engine__StuckAfter as a pure rule over (status, last progress, now), so its boundary is checked exactly, without
/// waiting on a clock (the end-to-end test only waits for the flag to appear: WorkerFailureSuite).
/// </summary>
public sealed class StuckThresholdTests
{
    private static readonly DateTimeOffset Progress = new(2030, 1, 7, 10, 0, 0, TimeSpan.Zero);
    private static readonly EngineOptions Options = new() { StuckAfter = TimeSpan.FromMinutes(10) };

    [Theory]
    [InlineData(ExecutionStatus.Pending)]
    [InlineData(ExecutionStatus.Running)]
    public void Unfinished_IsStuckOnlyAfterTheThresholdHasPassed(string status)
    {
        Assert.False(Options.IsStuck(status, Progress, Progress));
        Assert.False(Options.IsStuck(status, Progress, Progress + TimeSpan.FromMinutes(10)));
        Assert.True(Options.IsStuck(status, Progress, Progress + TimeSpan.FromMinutes(10) + TimeSpan.FromTicks(1)));
    }

    [Theory]
    [InlineData(ExecutionStatus.Waiting)]
    [InlineData(ExecutionStatus.Completed)]
    [InlineData(ExecutionStatus.Failed)]
    [InlineData(ExecutionStatus.Cancelled)]
    public void WaitingOrFinished_IsNeverStuck(string status) =>
        Assert.False(Options.IsStuck(status, Progress, Progress + TimeSpan.FromDays(365)));
}
