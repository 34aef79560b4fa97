using FlowForge.Server.Tests.Engine;
using FlowForge.Server.Tests.Infrastructure;

namespace FlowForge.Server.Tests.Live;

/// <summary>A server with a small subscription limit, plus a fake outside service.</summary>
public sealed class LiveFixture : FakeServiceFixture
{
    public const int MaxSubscriptions = 5;

    public LiveFixture() : base(new Dictionary<string, string?>
    {
        ["Engine:PollInterval"] = "00:00:00.200",
        ["Live:MaxSubscriptionsPerConnection"] = MaxSubscriptions.ToString(System.Globalization.CultureInfo.InvariantCulture),
    })
    {
    }
}
