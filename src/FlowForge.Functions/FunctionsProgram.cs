using FlowForge.Core.Storage;
using FlowForge.Functions.Api;
using FlowForge.Functions.ExecutionLog;
using FlowForge.Functions.Live;
using FlowForge.Functions.Orchestration;
using FlowForge.Server.Auth;
using FlowForge.Server.Health;
using FlowForge.Server.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FlowForge.Functions;

/// <summary>The isolated worker's entry point (a named class: the server's own <c>Program</c> is visible to this assembly).</summary>
internal static class FunctionsProgram
{
    public static void Main(string[] args)
    {
        var builder = FunctionsApplication.CreateBuilder(args);
        builder.ConfigureFunctionsWebApplication();
        builder.Services.AddFlowForgeFunctionsApp(builder.Configuration);
        builder.Build().Run();
    }

    /// <summary>
    /// Everything the app registers: the execution log on Table storage, live progress to SignalR Service (or
    /// nowhere), and <see cref="AddFlowForgeFunctions"/>. The contract test's stand-in host registers exactly this.
    /// </summary>
    public static IServiceCollection AddFlowForgeFunctionsApp(this IServiceCollection services, IConfiguration configuration) =>
        services.AddFlowForgeTableLog(configuration).AddFlowForgeLive(configuration).AddFlowForgeFunctions(configuration);

    /// <summary>
    /// The Functions app's services (also what the contract test's stand-in host registers): the server's endpoint
    /// services without its loops (stores for definitions, triggers, keys and credentials; the node catalog and
    /// handlers; egress; Data Protection; quotas; the starter; JSON options), executions on the execution log and
    /// Durable Task (<see cref="DurableExecutionClientStore"/>), the orchestration's activities, and the server's API-key
    /// authentication. The execution log (<c>IExecutionLog</c>) and the progress publisher come from their own
    /// registrations (<see cref="AddFlowForgeFunctionsApp"/>).
    /// </summary>
    public static IServiceCollection AddFlowForgeFunctions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<DurableClientSlot>();
        // Before the shared registration, whose TryAdd then keeps it: the handlers, the starter and the hooks take this half.
        services.AddSingleton<IExecutionClientStore, DurableExecutionClientStore>();
        services.AddFlowForgeEndpointServices(configuration, loops: false);
        services.AddFlowForgeOrchestration();
        // The schedule service reports its ticks to the heartbeats (the server's liveness check reads them; nothing does here).
        services.AddSingleton<LoopHeartbeats>();
        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        return services;
    }
}
