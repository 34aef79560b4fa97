using FlowForge.Server.Egress;
using FlowForge.Server.Nodes;
using FlowForge.Server.Nodes.Ai;
using FlowForge.Server.Providers;
using FlowForge.Server.Providers.BotCore;
using FlowForge.Server.Providers.OpenAI;

namespace FlowForge.Server.Hosting;

internal static class AiRegistration
{
    /// <summary>
    /// The AI agents and utilities, their provider clients (BotCore, OpenAI-compatible, custom endpoints, all through
    /// egress clients) and the provider choice from <c>Providers:Default|BotCore|OpenAI</c>.
    /// </summary>
    public static IServiceCollection AddFlowForgeAi(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSettings<AiProvidersOptions>(configuration, "Providers");
        services.AddSingleton<AiProviderResolver>();
        services.AddEgressHttpClient(BotCoreClient.ClientName);
        services.AddEgressHttpClient(OpenAIChatClient.ClientName);
        services.AddEgressHttpClient(CustomUtilityHandler.ClientName);
        services.AddSingleton<BotCoreClient>();
        services.AddSingleton<OpenAIChatClient>();
        services.AddSingleton<AiNodeSupport>();

        services.AddSingleton<INodeHandler, ConversationalAgentHandler>();
        services.AddSingleton<INodeHandler, DecisionAgentHandler>();
        services.AddSingleton<INodeHandler, ReasoningAgentHandler>();
        services.AddSingleton<INodeHandler, TextGenerationHandler>();
        services.AddSingleton<INodeHandler, SentimentHandler>();
        services.AddSingleton<INodeHandler, IntentHandler>();
        services.AddSingleton<INodeHandler, VulnerabilityHandler>();
        services.AddSingleton<INodeHandler, ReasonHandler>();
        services.AddSingleton<INodeHandler, CustomUtilityHandler>();
        return services;
    }
}
