using FlowForge.Server.Hosting;

using System.Text.Json;
using System.Text.Json.Nodes;
using FlowForge.Server.Credentials;
using FlowForge.Server.Nodes;
using Microsoft.Extensions.Options;

namespace FlowForge.Server.Providers;

/// <summary>The AI parts of the <c>Providers</c> configuration section (other keys of the section belong to other providers).</summary>
internal sealed class AiProvidersOptions
{
    /// <summary><c>botcore</c>, <c>openai</c> or <c>builtin</c>; empty picks the first configured of OpenAI, BotCore, else built-in.</summary>
    [OneOf("", ProviderKinds.BotCore, ProviderKinds.OpenAI, ProviderKinds.BuiltIn)]
    public string? Default { get; set; }

    public BotCoreOptions BotCore { get; set; } = new();

    public OpenAIOptions OpenAI { get; set; } = new();
}

/// <summary><c>Providers:BotCore</c>: the original platform's AI service.</summary>
internal sealed class BotCoreOptions
{
    [HttpUrl]
    public string? BaseUrl { get; set; }

    /// <summary>Sent as a bearer token when set.</summary>
    public string? ApiKey { get; set; }
}

/// <summary><c>Providers:OpenAI</c>: any OpenAI-compatible chat completions endpoint (OpenAI, Azure OpenAI, Ollama, llama.cpp).</summary>
internal sealed class OpenAIOptions
{
    /// <summary>The API root, e.g. <c>https://api.openai.com/v1</c>; requests go to <c>{BaseUrl}/chat/completions</c>.</summary>
    [HttpUrl]
    public string? BaseUrl { get; set; }

    public string? ApiKey { get; set; }

    /// <summary>The model when the node names none; <see cref="OpenAIChatClient.DefaultModel"/> when neither does.</summary>
    public string? Model { get; set; }
}

internal static class ProviderKinds
{
    public const string BotCore = "botcore";
    public const string OpenAI = "openai";
    public const string BuiltIn = "builtin";
}

/// <summary>Where one step's AI calls go. <see cref="ApiKey"/> is a secret: never put it in an output, a log or an error.</summary>
internal sealed record ProviderEndpoint(string Kind, Uri BaseUrl, string? ApiKey, string? Model, string Source)
{
    public override string ToString() => $"{Kind} at {BaseUrl} ({Source})";
}

/// <summary>
/// Chooses the provider of one step: the node's <c>credential</c> (an organisation credential
/// <c>{kind, baseUrl, apiKey?, model?}</c>), else the node's <c>provider</c>, else <c>Providers:Default</c>,
/// else the first configured of OpenAI and BotCore. Null means the built-in analyzer.
/// </summary>
internal sealed class AiProviderResolver(IOptionsMonitor<AiProvidersOptions> options, IServiceProvider services)
{
    public const string NoProviderMessage =
        "no AI provider configured (set Providers__OpenAI__BaseUrl or Providers__BotCore__BaseUrl, or name a credential)";

    public async Task<ProviderEndpoint?> ResolveAsync(NodeRunContext context, JsonObject input, CancellationToken ct)
    {
        var nodeProvider = AiInput.String(input, "provider")?.Trim().ToLowerInvariant();
        var credentialName = AiInput.String(input, "credential")?.Trim();
        if (!string.IsNullOrEmpty(credentialName)) return await FromCredentialAsync(context.OrgId, credentialName, nodeProvider, ct);

        var current = options.CurrentValue;
        var choice = !string.IsNullOrEmpty(nodeProvider) ? nodeProvider : current.Default?.Trim().ToLowerInvariant();
        var source = !string.IsNullOrEmpty(nodeProvider) ? "the node's provider" : "Providers:Default";
        return choice switch
        {
            null or "" => FromOpenAI(current.OpenAI, "configuration", required: false) ?? FromBotCore(current.BotCore, "configuration", required: false),
            ProviderKinds.OpenAI => FromOpenAI(current.OpenAI, source, required: true),
            ProviderKinds.BotCore => FromBotCore(current.BotCore, source, required: true),
            ProviderKinds.BuiltIn => null,
            _ => throw new NodeFailure($"Unknown AI provider '{choice}' ({source}); use botcore, openai or builtin.", retryable: false),
        };
    }

    private static ProviderEndpoint? FromOpenAI(OpenAIOptions o, string source, bool required)
    {
        if (string.IsNullOrWhiteSpace(o.BaseUrl))
        {
            return required ? throw new NodeFailure($"The OpenAI provider is chosen by {source} but Providers__OpenAI__BaseUrl is not set.", retryable: false) : null;
        }
        return new ProviderEndpoint(ProviderKinds.OpenAI, ParseBase(o.BaseUrl, "Providers__OpenAI__BaseUrl"), Blank(o.ApiKey), Blank(o.Model), "configuration");
    }

    private static ProviderEndpoint? FromBotCore(BotCoreOptions o, string source, bool required)
    {
        if (string.IsNullOrWhiteSpace(o.BaseUrl))
        {
            return required ? throw new NodeFailure($"The BotCore provider is chosen by {source} but Providers__BotCore__BaseUrl is not set.", retryable: false) : null;
        }
        return new ProviderEndpoint(ProviderKinds.BotCore, ParseBase(o.BaseUrl, "Providers__BotCore__BaseUrl"), Blank(o.ApiKey), null, "configuration");
    }

    private async Task<ProviderEndpoint> FromCredentialAsync(string orgId, string name, string? nodeProvider, CancellationToken ct)
    {
        // Another part of the server stores credentials; without it a node naming one cannot run.
        var resolver = services.GetService<ICredentialResolver>()
            ?? throw new NodeFailure($"The node names credential '{name}' but this server has no credential store.", retryable: false);
        var fields = await resolver.ResolveAsync(orgId, name, ct)
            ?? throw new NodeFailure($"No credential named '{name}' in this organisation.", retryable: false);
        var kind = (AiInput.String(fields, "kind") ?? nodeProvider)?.Trim().ToLowerInvariant();
        if (kind is not (ProviderKinds.OpenAI or ProviderKinds.BotCore))
        {
            throw new NodeFailure($"Credential '{name}' must have kind botcore or openai, not '{kind}'.", retryable: false);
        }
        var baseUrl = AiInput.String(fields, "baseUrl");
        if (string.IsNullOrWhiteSpace(baseUrl)) throw new NodeFailure($"Credential '{name}' has no baseUrl.", retryable: false);
        return new ProviderEndpoint(kind, ParseBase(baseUrl, $"credential '{name}'"), Blank(AiInput.String(fields, "apiKey")), Blank(AiInput.String(fields, "model")), $"credential '{name}'");
    }

    private static Uri ParseBase(string url, string where)
    {
        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new NodeFailure($"The base URL of {where} must be an absolute http(s) URL.", retryable: false);
        }
        return uri;
    }

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;
}

/// <summary>Reading resolved node configs.</summary>
internal static class AiInput
{
    public static string? String(JsonObject? o, string name) => o?[name] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonValue v => v.ToJsonString(),
        _ => null,
    };

    public static double? Number(JsonObject? o, string name) => o?[name] switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.GetValue<double>(),
        JsonValue v when v.GetValueKind() == JsonValueKind.String && double.TryParse(v.GetValue<string>(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var d) => d,
        _ => null,
    };
}
