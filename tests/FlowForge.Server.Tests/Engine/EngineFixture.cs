using FlowForge.Server.Tests.Infrastructure;

namespace FlowForge.Server.Tests.Engine;

/// <summary>A server plus a fake outside service, shared by a test class, on <typeparamref name="TStorage"/>.</summary>
public class EngineFixture<TStorage> : FakeServiceFixture
    where TStorage : ServerStorage, new()
{
    public EngineFixture() : base(new Dictionary<string, string?>
    {
        ["Engine:PollInterval"] = "00:00:00.200",
    }, new TStorage())
    {
    }
}

/// <summary>The engine fixture on SQLite, for tests about the server rather than the backend (and those that damage SQLite rows).</summary>
public sealed class EngineFixture : EngineFixture<SqliteStorage>;
