using System.Net;
using System.Net.Sockets;

namespace FlowForge.Server.Egress;

/// <summary>HTTP clients whose every connection passes the <see cref="EgressPolicy"/>.</summary>
internal static class EgressHttp
{
    /// <summary>Registers a named client for outbound calls made on a workflow's behalf (HTTP action, AI providers, messaging).</summary>
    public static IHttpClientBuilder AddEgressHttpClient(this IServiceCollection services, string name) =>
        services.AddHttpClient(name, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(sp => CreateHandler(sp.GetRequiredService<EgressPolicy>(), sp.GetRequiredService<IHostResolver>()));

    public static SocketsHttpHandler CreateHandler(EgressPolicy policy, IHostResolver resolver) => new()
    {
        UseProxy = false,
        AllowAutoRedirect = true,
        MaxAutomaticRedirections = 5,
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        // Called for every new connection, redirects included, after DNS: the only place the real destination is known.
        ConnectCallback = async (context, ct) =>
        {
            var host = context.DnsEndPoint.Host;
            var addresses = await resolver.ResolveAsync(host, ct);
            string? refusal = null;
            foreach (var address in addresses)
            {
                var reason = policy.Check(host, address);
                if (reason is not null)
                {
                    refusal ??= reason;
                    continue;
                }
                // Stryker disable once Initializer,Boolean : Nagle off is latency only, nothing a test of the policy can observe.
                var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    // Stryker disable once Statement : a leak only (the finalizer closes it), not a change of destination.
                    socket.Dispose();
                    if (address == addresses[^1]) throw;
                }
            }
            throw new EgressDeniedException(refusal ?? $"No address of {host} could be reached.");
        },
    };

    /// <summary>The egress refusal behind an HTTP failure, if that is what it was.</summary>
    public static EgressDeniedException? DeniedBy(Exception e)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is EgressDeniedException denied) return denied;
        }
        return null;
    }
}
