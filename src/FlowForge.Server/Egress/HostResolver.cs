using System.Net;

namespace FlowForge.Server.Egress;

/// <summary>
/// Turns a host name into the addresses to connect to. The egress check runs on what this returns, so tests
/// can stand in a name server that answers what an attacker's would (a private address, or a rebinding one).
/// </summary>
internal interface IHostResolver
{
    Task<IPAddress[]> ResolveAsync(string host, CancellationToken ct);
}

/// <summary>The operating system's resolver; literal addresses are taken as they are.</summary>
internal sealed class SystemHostResolver : IHostResolver
{
    public async Task<IPAddress[]> ResolveAsync(string host, CancellationToken ct) =>
        IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, ct);
}
