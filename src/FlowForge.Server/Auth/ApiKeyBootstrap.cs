using FlowForge.Core.Storage;
using Microsoft.Extensions.Options;

namespace FlowForge.Server.Auth;

/// <summary>
/// Ensures the configured keys exist at start-up. When no key exists at all, creates one for the
/// organisation <c>default</c> and prints it once: it is never shown again.
/// </summary>
internal sealed class ApiKeyBootstrap(ITenantStore tenants, IOptions<AuthOptions> options, ILogger<ApiKeyBootstrap> logger)
{
    public const string DefaultOrg = "default";

    public async Task RunAsync(CancellationToken ct)
    {
        var auth = options.Value;
        await tenants.EnsureOrganizationAsync(DefaultOrg, "Default organisation", ct);
        if (!string.IsNullOrWhiteSpace(auth.BootstrapApiKey))
        {
            await Ensure(DefaultOrg, auth.BootstrapApiKey.Trim(), "bootstrap", ct);
        }
        foreach (var configured in auth.Keys.Where(k => !string.IsNullOrWhiteSpace(k.Organization) && !string.IsNullOrWhiteSpace(k.Key)))
        {
            await tenants.EnsureOrganizationAsync(configured.Organization, configured.Organization, ct);
            await Ensure(configured.Organization, configured.Key.Trim(), "configured", ct);
        }
        if (!await tenants.AnyApiKeyAsync(ct))
        {
            var key = ApiKeys.Generate();
            await Ensure(DefaultOrg, key, "generated at first start", ct);
            // Printed to stdout (not only the log) so it is seen even with logging turned down.
            Console.WriteLine($"""

                ================================================================
                 FlowForge created an API key for the organisation 'default':
                   {key}
                 It is shown only this once. Keep it, or set Auth__BootstrapApiKey.
                ================================================================

                """);
            Logs.BootstrapKeyCreated(logger, ApiKeys.Prefix(key));
        }
    }

    private Task Ensure(string orgId, string key, string name, CancellationToken ct) =>
        tenants.AddApiKeyAsync(orgId, ApiKeys.Hash(key), ApiKeys.Prefix(key), name, ct);
}
