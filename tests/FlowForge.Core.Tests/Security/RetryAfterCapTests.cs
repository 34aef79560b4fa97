using FlowForge.Core.Tests.Engine;
using static FlowForge.Core.Tests.Engine.DeciderHarness;

namespace FlowForge.Core.Tests.Security;

/// <summary>
/// A provider's Retry-After is an outsider's number: honoured up to a day, so a hostile header cannot park a step for
/// years. The server suite checks the same end to end (ExecutionSemanticsSuite.HostileRetryAfter_IsCappedAtOneDay);
/// this pins the cap's boundary in the decider itself.
/// </summary>
public sealed class RetryAfterCapTests
{
    [Theory]
    [InlineData(3 * 365 * 24 * 3600, 24 * 3600)]
    [InlineData(24 * 3600 + 1, 24 * 3600)]
    [InlineData(24 * 3600, 24 * 3600)]
    [InlineData(24 * 3600 - 1, 24 * 3600 - 1)]
    public void RetryAfter_IsHonouredUpToOneDay(int hintSeconds, int waitSeconds)
    {
        var h = For(DeciderFailureTests.Retrying);
        h.Start();
        h.Answer("a", s => Ok(s));

        h.Answer("flaky", s => Fail(s) with { RetryAfter = TimeSpan.FromSeconds(hintSeconds) });

        Assert.Equal([TimeSpan.FromSeconds(waitSeconds)], h.PendingTimers().Select(t => t.FireAt - h.Now));
    }
}
