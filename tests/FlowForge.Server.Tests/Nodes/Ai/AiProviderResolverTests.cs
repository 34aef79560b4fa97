using System.Text.Json.Nodes;
using FlowForge.Server.Credentials;
using FlowForge.Server.Nodes;
using FlowForge.Server.Providers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FlowForge.Server.Tests.Nodes.Ai;

/// <summary>Provider choice: credential, node, Providers:Default, then the first configured.</summary>
public class AiProviderResolverTests
{
    private sealed class Credentials : ICredentialResolver
    {
        public Task<JsonObject?> ResolveAsync(string orgId, string name, CancellationToken ct) => Task.FromResult(name switch
        {
            "mine" when orgId == "org-a" => new JsonObject { ["kind"] = "openai", ["baseUrl"] = "https://llm.example/v1", ["apiKey"] = "k1", ["model"] = "m1" },
            "bare" => new JsonObject { ["baseUrl"] = "https://bot.example" },
            _ => null,
        });
    }

    private static AiProviderResolver Resolver(AiProvidersOptions options, bool withCredentials = true)
    {
        var services = new ServiceCollection();
        if (withCredentials) services.AddSingleton<ICredentialResolver, Credentials>();
        var monitor = new OptionsMonitorStub(options);
        return new AiProviderResolver(monitor, services.BuildServiceProvider());
    }

    private sealed class OptionsMonitorStub(AiProvidersOptions value) : IOptionsMonitor<AiProvidersOptions>
    {
        public AiProvidersOptions CurrentValue => value;
        public AiProvidersOptions Get(string? name) => value;
        public IDisposable? OnChange(Action<AiProvidersOptions, string?> listener) => null;
    }

    private static NodeRunContext Context(string org = "org-a") => new("ex_1", org, "s", "s", "utility_sentiment", 1, null, "ex_1:s:1", RunMode.Execution);

    private static AiProvidersOptions Both(string? @default = null) => new()
    {
        Default = @default,
        OpenAI = new OpenAIOptions { BaseUrl = "https://openai.example/v1", ApiKey = "ok", Model = "gpt" },
        BotCore = new BotCoreOptions { BaseUrl = "https://botcore.example", ApiKey = "bk" },
    };

    [Fact]
    public async Task FirstConfigured_IsOpenAI_ThenBotCore_ThenBuiltIn()
    {
        Assert.Equal("openai", (await Resolver(Both()).ResolveAsync(Context(), [], default))!.Kind);
        Assert.Equal("botcore", (await Resolver(new AiProvidersOptions { BotCore = new BotCoreOptions { BaseUrl = "https://b.example" } }).ResolveAsync(Context(), [], default))!.Kind);
        Assert.Null(await Resolver(new AiProvidersOptions()).ResolveAsync(Context(), [], default));
    }

    [Fact]
    public async Task Default_ThenNode_OverrideTheChoice()
    {
        Assert.Equal("botcore", (await Resolver(Both("botcore")).ResolveAsync(Context(), [], default))!.Kind);
        Assert.Null(await Resolver(Both("builtin")).ResolveAsync(Context(), [], default));
        Assert.Equal("openai", (await Resolver(Both("botcore")).ResolveAsync(Context(), new JsonObject { ["provider"] = "openai" }, default))!.Kind);
        var unknown = await Assert.ThrowsAsync<NodeFailure>(() => Resolver(Both("nope")).ResolveAsync(Context(), [], default));
        Assert.False(unknown.Retryable);
    }

    [Fact]
    public async Task Credential_WinsOverEverything()
    {
        var p = (await Resolver(Both("botcore")).ResolveAsync(Context(), new JsonObject { ["credential"] = "mine" }, default))!;
        Assert.Equal(("openai", "https://llm.example/v1", "k1", "m1"), (p.Kind, p.BaseUrl.ToString(), p.ApiKey, p.Model));
        Assert.DoesNotContain("k1", p.ToString());
        // A credential without a kind takes the node's provider.
        var bare = (await Resolver(Both()).ResolveAsync(Context(), new JsonObject { ["credential"] = "bare", ["provider"] = "botcore" }, default))!;
        Assert.Equal("botcore", bare.Kind);
        Assert.Null(bare.ApiKey);
        // Another organisation's credential is not there.
        var missing = await Assert.ThrowsAsync<NodeFailure>(() => Resolver(Both()).ResolveAsync(Context("org-b"), new JsonObject { ["credential"] = "mine" }, default));
        Assert.Contains("No credential named 'mine'", missing.Message);
        var noStore = await Assert.ThrowsAsync<NodeFailure>(() => Resolver(Both(), withCredentials: false).ResolveAsync(Context(), new JsonObject { ["credential"] = "mine" }, default));
        Assert.Contains("no credential store", noStore.Message);
    }
}
