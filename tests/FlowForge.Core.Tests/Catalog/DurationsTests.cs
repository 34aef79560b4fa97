using FlowForge.Core.Model;

namespace FlowForge.Core.Tests.Catalog;

public class DurationsTests
{
    [Theory]
    [InlineData("500ms", 0.5)]
    [InlineData("3s", 3)]
    [InlineData("5m", 300)]
    [InlineData("2h", 7200)]
    [InlineData("2d", 172800)]
    [InlineData("1w", 604800)]
    [InlineData("1h30m", 5400)]
    [InlineData("1.5h", 5400)]
    [InlineData(" 30s ", 30)]
    [InlineData("PT5M", 300)]
    [InlineData("P2D", 172800)]
    [InlineData("P1DT2H", 93600)]
    [InlineData("pt1.5s", 1.5)]
    [InlineData("30", 30)]
    [InlineData("0.25", 0.25)]
    [InlineData("0", 0)]
    [InlineData("366d", 366 * 86400)]
    public void Parses(string text, double seconds)
    {
        Assert.True(Durations.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromSeconds(seconds), value);
        Assert.Equal(TimeSpan.FromSeconds(seconds), Durations.Parse(text));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("abc")]
    [InlineData("5 minutes")]
    [InlineData("5M")]
    [InlineData("-5s")]
    [InlineData("-30")]
    [InlineData("-PT5M")]
    [InlineData("P")]
    [InlineData("PT")]
    [InlineData("P5X")]
    [InlineData("30m1h")]
    [InlineData("5s5s")]
    [InlineData("367d")]
    [InlineData("53w")]
    [InlineData("P400D")]
    [InlineData("99999999999999999999")]
    [InlineData("NaN")]
    [InlineData("1e3")]
    public void Rejects(string? text) => Assert.False(Durations.TryParse(text, out _));

    [Fact]
    public void Parse_ExplainsTheProblem()
    {
        var bad = Assert.Throws<FormatException>(() => Durations.Parse("soon"));
        Assert.Contains("'soon' is not a valid duration", bad.Message);
        Assert.Contains("PT5M", bad.Message);

        var tooLong = Assert.Throws<FormatException>(() => Durations.Parse("400d"));
        Assert.Contains("366 days", tooLong.Message);

        var negative = Assert.Throws<FormatException>(() => Durations.Parse("-1s"));
        Assert.Contains("negative", negative.Message);
    }
}
