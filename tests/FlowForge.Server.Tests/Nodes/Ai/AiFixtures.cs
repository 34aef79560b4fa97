using FlowForge.Server.Tests.Infrastructure;

namespace FlowForge.Server.Tests.Nodes.Ai;

/// <summary>A server with both AI providers configured against one <see cref="FakeAi"/>; OpenAI is the default (first configured).</summary>
public sealed class AiFixture : ServerFixture
{
    public const string OpenAIKey = "sk-test-openai-SECRET-1234567890";
    public const string BotCoreKey = "bc-test-botcore-SECRET-0987654321";
    public const string Model = "test-model-1";

    public AiFixture() : this(FakeAi.StartAsync().GetAwaiter().GetResult())
    {
    }

    private AiFixture(FakeAi fake) : base(new Dictionary<string, string?>
    {
        ["Engine:PollInterval"] = "00:00:00.200",
        ["Providers:OpenAI:BaseUrl"] = fake.Url("/v1"),
        ["Providers:OpenAI:ApiKey"] = OpenAIKey,
        ["Providers:OpenAI:Model"] = Model,
        ["Providers:BotCore:BaseUrl"] = fake.Url("/botcore"),
        ["Providers:BotCore:ApiKey"] = BotCoreKey,
    }) => Fake = fake;

    public FakeAi Fake { get; }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Fake.DisposeAsync();
    }
}

/// <summary>A server with no AI provider: the built-in analyzer, and agents failing clearly. Custom endpoints still have a fake to call.</summary>
public sealed class NoProviderFixture : ServerFixture
{
    public NoProviderFixture() : this(FakeAi.StartAsync().GetAwaiter().GetResult())
    {
    }

    private NoProviderFixture(FakeAi fake) : base(new Dictionary<string, string?> { ["Engine:PollInterval"] = "00:00:00.200" }) => Fake = fake;

    public FakeAi Fake { get; }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Fake.DisposeAsync();
    }
}
