using FlowForge.Server.Tests.Infrastructure;

namespace FlowForge.Server.Tests.Engine;

/// <summary>A server plus a fake outside service, shared by a test class.</summary>
public sealed class EngineFixture : ServerFixture
{
    public EngineFixture() : base(new Dictionary<string, string?>
    {
        ["Engine:PollInterval"] = "00:00:00.200",
    })
    {
    }

    public FakeService Fake { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        Fake = await FakeService.StartAsync();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Fake.DisposeAsync();
    }
}
