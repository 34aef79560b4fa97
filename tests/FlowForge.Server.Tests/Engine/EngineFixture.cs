using FlowForge.Server.Tests.Infrastructure;

namespace FlowForge.Server.Tests.Engine;

/// <summary>A server plus a fake outside service, shared by a test class.</summary>
public sealed class EngineFixture : FakeServiceFixture
{
    public EngineFixture() : base(new Dictionary<string, string?>
    {
        ["Engine:PollInterval"] = "00:00:00.200",
    })
    {
    }
}
