using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace FlowForge.Server.Egress;

/// <summary>The <c>Egress</c> configuration section.</summary>
internal sealed class EgressOptions
{
    /// <summary>
    /// Host names always allowed, whatever they resolve to (<c>crm.internal</c>, <c>*.corp.example</c>). Set as a list
    /// (<c>Egress__AllowedHosts__0</c>, ...) or as one comma-separated string (<c>Egress__AllowedHosts=a.example,b.example</c>).
    /// </summary>
    public List<string> AllowedHosts { get; set; } = [];

    /// <summary>
    /// The configuration binder ignores a plain string where a list is expected; this reads the comma-separated
    /// form and splits any comma-separated list entry, so <c>Egress__AllowedHosts=127.0.0.1</c> is not silently lost.
    /// </summary>
    public void AddCommaSeparatedHosts(string? value)
    {
        var entries = AllowedHosts.Append(value ?? "")
            .SelectMany(e => e.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .ToList();
        AllowedHosts = entries;
    }

    /// <summary>Allow private, loopback and link-local destinations (local fakes, an internal CRM). Off by default.</summary>
    public bool AllowPrivateNetworks { get; set; }
}

/// <summary>Refused by the egress policy: never retried, the destination will not change its mind.</summary>
internal sealed class EgressDeniedException(string message) : Exception(message);

/// <summary>
/// Where outbound requests may go. Workflow authors choose URLs, so without this a workflow could read
/// cloud metadata or internal services (SSRF). The check runs on the addresses a name resolves to, at
/// connect time, for every connection, including each redirect hop: DNS rebinding and encodings such as
/// <c>http://2130706433/</c> or <c>[::ffff:127.0.0.1]</c> end up as the same checked address.
/// </summary>
internal sealed class EgressPolicy(IOptionsMonitor<EgressOptions> options)
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
        if (options.CurrentValue.AllowPrivateNetworks && reason != Unspecified) return null;
        return $"Egress to {host} ({address}) is refused: it is {reason}. Allow it with Egress__AllowedHosts or Egress__AllowPrivateNetworks.";
    }

    /// <summary>
    /// What kind of non-public address this is, or null for a public one. Everything in the IANA IPv4 and IPv6
    /// special-purpose address registries counts as non-public (documentation, benchmarking, reserved, shared,
    /// protocol assignments...): a host can have its own interface in such a range, and it is never a public service.
    /// Addresses that carry an IPv4 address inside (IPv4-mapped, NAT64, 6to4) are judged by that address.
    /// </summary>
    public static string? Classify(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        return address.AddressFamily == AddressFamily.InterNetworkV6 ? ClassifyV6(address.GetAddressBytes()) : ClassifyV4(address.GetAddressBytes());
    }

    private static string? ClassifyV4(byte[] b) => b switch
    {
        [0, ..] => Unspecified,
        [127, ..] => "a loopback address",
        [10, ..] or [172, >= 16 and <= 31, ..] or [192, 168, ..] => "a private address",
        [169, 254, ..] => "a link-local or cloud metadata address",
        [100, >= 64 and <= 127, ..] => "a shared (carrier-grade NAT) address",
        [192, 0, 2, _] or [198, 51, 100, _] or [203, 0, 113, _] => "a documentation (TEST-NET) address",
        [198, 18 or 19, ..] => "a reserved (benchmarking) address",
        // IETF protocol assignments, AS112, AMT, the deprecated 6to4 relay anycast.
        [192, 0, 0, _] or [192, 31, 196, _] or [192, 52, 193, _] or [192, 88, 99, _] or [192, 175, 48, _] => "a reserved (special-purpose) address",
        [>= 224 and <= 239, ..] => Unspecified,
        [255, 255, 255, 255] => Unspecified,
        [>= 240, ..] => "a reserved address",
        _ => null,
    };

    private static string? ClassifyV6(byte[] b)
    {
        // ::/96 (IPv4-compatible, deprecated), :: and ::1.
        if (b[..12].All(x => x == 0))
        {
            if (b[12..15].All(x => x == 0) && b[15] <= 1) return b[15] == 0 ? Unspecified : "a loopback address";
            return "a reserved (IPv4-compatible) address";
        }
        // NAT64 well-known prefix 64:ff9b::/96: judge the IPv4 address inside; 64:ff9b:1::/48 is for local use only.
        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b)
        {
            if (b[4..12].All(x => x == 0)) return ClassifyV4(b[12..16]);
            return b[4] == 0 && b[5] == 1 ? "a local-use NAT64 address" : "a reserved address";
        }
        // 6to4 (2002::/16): the IPv4 address of the tunnel endpoint follows the prefix.
        if (b[0] == 0x20 && b[1] == 0x02) return ClassifyV4(b[2..6]);
        if (b[0] == 0xff) return Unspecified;
        if ((b[0] & 0xfe) == 0xfc) return "a private (unique local) address";
        if (b[0] == 0xfe && (b[1] & 0xc0) is 0x80 or 0xc0) return "a link-local address";
        // Only 2000::/3 is global unicast; everything else (100::/64 discard-only, ...) is reserved.
        if ((b[0] & 0xe0) != 0x20) return "a reserved address";
        // 2001::/23: IETF protocol assignments, Teredo (2001::/32, which hides any IPv4 address) included.
        if (b[0] == 0x20 && b[1] == 0x01 && b[2] <= 0x01) return "a reserved (special-purpose) address";
        if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return "a documentation address";
        // 3fff::/20, the newer documentation prefix, lies inside 2000::/3.
        if (b[0] == 0x3f && b[1] == 0xff && (b[2] & 0xf0) == 0) return "a documentation address";
        return null;
    }

    private const string Unspecified = "an unspecified or multicast address";
}
