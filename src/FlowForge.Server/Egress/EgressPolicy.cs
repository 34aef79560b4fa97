using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace FlowForge.Server.Egress;

/// <summary>The <c>Egress</c> configuration section.</summary>
public sealed class EgressOptions
{
    /// <summary>Host names always allowed, whatever they resolve to (<c>crm.internal</c>, <c>*.corp.example</c>).</summary>
    public List<string> AllowedHosts { get; set; } = [];

    /// <summary>Allow private, loopback and link-local destinations (local fakes, an internal CRM). Off by default.</summary>
    public bool AllowPrivateNetworks { get; set; }
}

/// <summary>Refused by the egress policy: never retried, the destination will not change its mind.</summary>
public sealed class EgressDeniedException(string message) : Exception(message);

/// <summary>
/// Where outbound requests may go. Workflow authors choose URLs, so without this a workflow could read
/// cloud metadata or internal services (SSRF). The check runs on the addresses a name resolves to, at
/// connect time, for every connection, including each redirect hop: DNS rebinding and encodings such as
/// <c>http://2130706433/</c> or <c>[::ffff:127.0.0.1]</c> end up as the same checked address.
/// </summary>
public sealed class EgressPolicy(IOptionsMonitor<EgressOptions> options)
{
    public bool IsHostAllowListed(string host)
    {
        foreach (var allowed in options.CurrentValue.AllowedHosts)
        {
            if (string.Equals(allowed, host, StringComparison.OrdinalIgnoreCase)) return true;
            if (allowed.StartsWith("*.", StringComparison.Ordinal) && host.EndsWith(allowed[1..], StringComparison.OrdinalIgnoreCase)) return true;
        }
        return false;
    }

    /// <summary>Null when <paramref name="address"/> may be connected to, else why not.</summary>
    public string? Check(string host, IPAddress address)
    {
        if (IsHostAllowListed(host)) return null;
        var reason = Classify(address);
        if (reason is null) return null;
        if (options.CurrentValue.AllowPrivateNetworks && reason != "an unspecified or multicast address") return null;
        return $"Egress to {host} ({address}) is refused: it is {reason}. Allow it with Egress__AllowedHosts or Egress__AllowPrivateNetworks.";
    }

    /// <summary>What kind of non-public address this is, or null for a public one.</summary>
    public static string? Classify(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var bytes6 = address.GetAddressBytes();
            // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) carry an IPv4 address inside: judge that one.
            if (bytes6[0] == 0x00 && bytes6[1] == 0x64 && bytes6[2] == 0xff && bytes6[3] == 0x9b && bytes6[4..12].All(b => b == 0))
            {
                return Classify(new IPAddress(bytes6[12..16]));
            }
            if (bytes6[0] == 0x20 && bytes6[1] == 0x02) return Classify(new IPAddress(bytes6[2..6]));
            if (address.Equals(IPAddress.IPv6Loopback)) return "a loopback address";
            if (address.Equals(IPAddress.IPv6Any) || address.IsIPv6Multicast) return "an unspecified or multicast address";
            if (address.IsIPv6LinkLocal || address.IsIPv6SiteLocal) return "a link-local address";
            if ((bytes6[0] & 0xfe) == 0xfc) return "a private (unique local) address";
            return null;
        }
        var b = address.GetAddressBytes();
        return b switch
        {
            [0, ..] => "an unspecified or multicast address",
            [127, ..] => "a loopback address",
            [10, ..] => "a private address",
            [172, >= 16 and <= 31, ..] => "a private address",
            [192, 168, ..] => "a private address",
            [169, 254, ..] => "a link-local or cloud metadata address",
            [100, >= 64 and <= 127, ..] => "a shared (carrier-grade NAT) address",
            [192, 0, 0, _] => "a reserved address",
            [198, 18 or 19, ..] => "a reserved (benchmarking) address",
            [>= 224, ..] => "an unspecified or multicast address",
            _ => null,
        };
    }
}
