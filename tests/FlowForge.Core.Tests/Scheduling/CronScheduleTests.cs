using FlowForge.Core.Scheduling;

namespace FlowForge.Core.Tests.Scheduling;

public class CronScheduleTests
{
    [Theory]
    [InlineData("0 9 * * *", "0 0 9 * * ?")]
    [InlineData("*/5 * * * *", "0 */5 * * * ?")]
    [InlineData("0 9 * * 1-5", "0 0 9 ? * 2-6")]
    [InlineData("0 9 * * 0", "0 0 9 ? * 1")]
    [InlineData("0 9 * * 7", "0 0 9 ? * 1")]
    [InlineData("0 9 * * 5-7", "0 0 9 ? * 6-7,1")]
    [InlineData("0 9 * * MON-FRI", "0 0 9 ? * MON-FRI")]
    [InlineData("0 0 1 * *", "0 0 0 1 * ?")]
    [InlineData("30 0 9 * * MON", "30 0 9 ? * MON")]
    [InlineData("0 0 12 ? * 2", "0 0 12 ? * 2")]
    public void FiveFieldClassicCronBecomesQuartz(string cron, string quartz)
    {
        Assert.True(CronSchedule.TryToQuartz(cron, out var converted, out var error), error);
        Assert.Equal(quartz, converted);
        Assert.True(CronSchedule.TryParse(cron, "UTC", out _, out error), error);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("* * *", "5 fields")]
    [InlineData("61 * * * *", "not a valid cron")]
    [InlineData("0 9 1 * 1", "both")]
    [InlineData("0 9 * * 8", "out of range")]
    public void BadExpressionsAreRefusedWithAReason(string cron, string reason)
    {
        Assert.False(CronSchedule.TryParse(cron, null, out _, out var error));
        Assert.Contains(reason, error);
    }

    [Fact]
    public void NextRunsFollowTheTimeZone()
    {
        Assert.True(CronSchedule.TryParse("0 9 * * *", "America/New_York", out var schedule, out _));
        var next = schedule!.Next(new DateTimeOffset(2030, 7, 1, 0, 0, 0, TimeSpan.Zero), 2);
        Assert.Equal(new DateTimeOffset(2030, 7, 1, 13, 0, 0, TimeSpan.Zero), next[0].ToUniversalTime()); // EDT, UTC-4
        Assert.Equal(new DateTimeOffset(2030, 7, 2, 13, 0, 0, TimeSpan.Zero), next[1].ToUniversalTime());
        Assert.False(CronSchedule.TryParse("0 9 * * *", "Nowhere/City", out _, out var error));
        Assert.Contains("time zone", error);
    }
}
