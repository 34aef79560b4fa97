namespace FlowForge.Server.Tests.Infrastructure;

/// <summary>
/// The real server (<see cref="ServerFixture"/>) plus a <see cref="FakeService"/> on loopback standing in for the
/// outside world; derived fixtures only say their settings (and any <see cref="ServerFixture.Configure"/>).
/// The fake starts before the server and stops after it, so no step of the server ever calls a fake that is gone.
/// </summary>
public abstract class FakeServiceFixture(Dictionary<string, string?> settings, ServerStorage storage) : ServerFixture(settings, storage)
{
    protected FakeServiceFixture(Dictionary<string, string?> settings) : this(settings, new SqliteStorage())
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
        try
        {
            await base.DisposeAsync();
        }
        finally
        {
            await Fake.DisposeAsync();
        }
    }
}
