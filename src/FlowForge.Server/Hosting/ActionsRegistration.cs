using FlowForge.Core.Storage;
using FlowForge.Server.Credentials;
using FlowForge.Server.Egress;
using FlowForge.Server.Nodes;
using FlowForge.Server.Nodes.Actions;

namespace FlowForge.Server.Hosting;

internal static class ActionsRegistration
{
    /// <summary>
    /// Messaging and business actions (WhatsApp, email, call, CRM), their provider settings (<c>Providers:*</c>),
    /// and per-organisation credentials encrypted with Data Protection. The send ledger, outbox and credential
    /// stores come from the storage provider (<see cref="StorageRegistration.AddFlowForgeStorage"/>); also needs the egress policy.
    /// </summary>
    public static IServiceCollection AddFlowForgeActions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<CredentialService>();
        services.AddSingleton<ICredentialResolver>(sp => sp.GetRequiredService<CredentialService>());

        services.AddSettings<WhatsAppOptions>(configuration, "Providers:WhatsApp");
        services.AddSettings<SmtpOptions>(configuration, "Providers:Smtp");
        services.AddSettings<VoiceOptions>(configuration, "Providers:Voice");
        services.AddSettings<CrmOptions>(configuration, "Providers:Crm");

        services.AddSingleton<ActionSupport>();
        services.AddEgressHttpClient(WhatsAppActionHandler.ClientName);
        services.AddEgressHttpClient(CallActionHandler.ClientName);
        services.AddEgressHttpClient(CrmActionHandler.ClientName);
        services.AddSingleton<INodeHandler, WhatsAppActionHandler>();
        services.AddSingleton<INodeHandler, EmailActionHandler>();
        services.AddSingleton<INodeHandler, CallActionHandler>();
        services.AddSingleton<INodeHandler, CrmActionHandler>();
        return services;
    }
}
