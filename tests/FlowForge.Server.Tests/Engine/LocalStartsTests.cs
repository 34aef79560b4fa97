using FlowForge.Core.Storage;
using FlowForge.Server.Engine;
using Microsoft.Extensions.Options;

namespace FlowForge.Server.Tests.Engine;

/// <summary>
/// The hand-off of leased starts is bounded: past <see cref="LocalStarts.MaxWaiting"/> starts waiting for this
/// process's dispatcher, new starts get no lease (the starter then inserts them unleased, for any dispatcher to claim),
/// and they get one again as soon as the dispatcher takes one. A closed hand-off leases nothing and takes nothing.
/// </summary>
public sealed class LocalStartsTests
{
    private static readonly TimeSpan LeaseFor = TimeSpan.FromSeconds(30);

    private static LocalStarts Open(EngineSignals? signals = null)
    {
        var starts = new LocalStarts(signals ?? new EngineSignals(), new ActivityQueue(Options.Create(new EngineOptions())), TimeProvider.System);
        starts.Start();
        return starts;
    }

    private static OrchestrationWorkItem Item(int n)
    {
        var now = DateTimeOffset.UtcNow;
        return new OrchestrationWorkItem(new ExecutionRecord($"ex_{n}", "org", "wf", 1, "running", null, null, null, null, null, now, null, now, 1), []);
    }

    [Fact]
    public void ClosedHandOff_LeasesNothing_AndTakesNothing()
    {
        var starts = new LocalStarts(new EngineSignals(), new ActivityQueue(Options.Create(new EngineOptions())), TimeProvider.System);
        Assert.Null(starts.Lease(LeaseFor));
        Assert.False(starts.TryPost(Item(0)));

        starts.Start();
        Assert.NotNull(starts.Lease(LeaseFor));
        starts.Stop();
        Assert.Null(starts.Lease(LeaseFor));
        Assert.False(starts.TryPost(Item(1)));
        Assert.Equal(0, starts.Waiting);
    }

    [Fact]
    public void Lease_NamesThisProcessesWorkers_AndLastsTheGivenTime()
    {
        var starts = Open();
        var before = DateTimeOffset.UtcNow;
        var lease = starts.Lease(LeaseFor)!;
        Assert.Equal(starts.Owner, lease.Owner);
        Assert.InRange(lease.Expires, before + LeaseFor, DateTimeOffset.UtcNow + LeaseFor);
    }

    [Fact]
    public void FullBacklog_LeasesNoMoreStarts_UntilTheDispatcherTakesOne()
    {
        var signals = new EngineSignals();
        var starts = Open(signals);
        for (var i = 0; i < LocalStarts.MaxWaiting; i++)
        {
            Assert.NotNull(starts.Lease(LeaseFor)); // every start up to the bound is leased …
            Assert.True(starts.TryPost(Item(i)));
        }
        Assert.Equal(LocalStarts.MaxWaiting, starts.Waiting);
        Assert.Null(starts.Lease(LeaseFor)); // … the next one is not: it is inserted unleased, for any dispatcher
        // A post wakes the dispatcher in memory only: the store has nothing new for it to look at.
        Assert.False(signals.TakeInboxWork());

        Assert.True(starts.TryRead(out var first));
        Assert.Equal("ex_0", first.Execution.Id); // in the order they were started
        Assert.Equal(LocalStarts.MaxWaiting - 1, starts.Waiting);
        Assert.NotNull(starts.Lease(LeaseFor));
    }

    [Fact]
    public void WaitingStart_IsMarked_UntilTheDispatcherTakesIt()
    {
        var starts = Open();
        Assert.True(starts.TryPost(Item(7)));
        Assert.True(starts.IsWaiting("ex_7"));
        Assert.False(starts.IsWaiting("ex_8"));

        Assert.True(starts.TryRead(out var item));
        Assert.Equal("ex_7", item.Execution.Id);
        Assert.False(starts.IsWaiting("ex_7"));
        Assert.False(starts.TryRead(out _));
        Assert.Equal(0, starts.Waiting);
    }
}
