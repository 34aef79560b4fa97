using System.Net;
using System.Net.Sockets;
using FlowForge.Server.Egress;
using Microsoft.Extensions.Options;

namespace FlowForge.Server.Tests.Security;

/// <summary>
/// The egress connect step with a stand-in name server: which of a name's addresses is connected to, what the policy's
/// settings allow, and what the refusal says. Every address here is loopback or refused before any packet is sent.
/// </summary>
public sealed class EgressConnectTests : IDisposable
{
    // A loopback HTTP service that answers every request with 200 "ok".
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();

    public EgressConnectTests()
    {
        _listener.Start();
        _ = ServeAsync();
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
    }

    private int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    private async Task ServeAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                _ = Task.Run(async () =>
                {
                    using (client)
                    {
                        var stream = client.GetStream();
                        var buffer = new byte[4096];
                        var read = 0;
                        // Read up to the end of the request head (these tests send no bodies).
                        while (read < buffer.Length && !System.Text.Encoding.ASCII.GetString(buffer, 0, read).Contains("\r\n\r\n"))
                        {
                            var n = await stream.ReadAsync(buffer.AsMemory(read));
                            if (n == 0) return;
                            read += n;
                        }
                        await stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"u8.ToArray());
                    }
                });
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private static HttpClient Client(IHostResolver resolver, EgressOptions options) =>
        new(EgressHttp.CreateHandler(new EgressPolicy(new Fixed(options)), resolver)) { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>A name answering an address that is always refused and a loopback one: the refused one is skipped, not fatal.</summary>
    [Fact]
    public async Task ARefusedAddress_IsSkipped_ForTheNextOneOfTheName()
    {
        var resolver = new Resolver(IPAddress.Any, IPAddress.Loopback);
        using var client = Client(resolver, new EgressOptions { AllowPrivateNetworks = true });

        Assert.Equal("ok", await client.GetStringAsync($"http://service.test:{Port}/"));
        Assert.Equal(["service.test"], resolver.Asked);
    }

    /// <summary>An address that cannot be connected to (nothing listens on ::1 at this port) is followed by the next one.</summary>
    [Fact]
    public async Task AnUnreachableAddress_IsFollowedByTheNextOne()
    {
        using var client = Client(new Resolver(IPAddress.IPv6Loopback, IPAddress.Loopback), new EgressOptions { AllowPrivateNetworks = true });

        Assert.Equal("ok", await client.GetStringAsync($"http://service.test:{Port}/"));
    }

    /// <summary>When the last address cannot be connected to, the connection error is what the caller sees, not an egress refusal.</summary>
    [Fact]
    public async Task WhenNoAddressAnswers_TheConnectionErrorSurfaces()
    {
        using var client = Client(new Resolver(IPAddress.Loopback, IPAddress.IPv6Loopback), new EgressOptions { AllowPrivateNetworks = true });
        using var closed = new TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var port = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();

        var error = await Assert.ThrowsAnyAsync<HttpRequestException>(() => client.GetStringAsync($"http://service.test:{port}/"));

        Assert.Null(EgressHttp.DeniedBy(error));
        Assert.IsType<SocketException>(error.InnerException, exactMatch: false);
    }

    [Fact]
    public async Task EveryAddressRefused_GivesTheFirstRefusal()
    {
        using var client = Client(new Resolver(IPAddress.Parse("10.1.2.3"), IPAddress.Loopback), new EgressOptions());

        var error = await Assert.ThrowsAnyAsync<HttpRequestException>(() => client.GetStringAsync($"http://service.test:{Port}/"));

        var denied = EgressHttp.DeniedBy(error);
        Assert.NotNull(denied);
        Assert.Equal(
            "Egress to service.test (10.1.2.3) is refused: it is a private address. Allow it with Egress__AllowedHosts or Egress__AllowPrivateNetworks.",
            denied.Message);
    }

    [Fact]
    public async Task ANameWithNoAddress_IsRefused_SayingSo()
    {
        using var client = Client(new Resolver(), new EgressOptions());

        var error = await Assert.ThrowsAnyAsync<HttpRequestException>(() => client.GetStringAsync($"http://nowhere.test:{Port}/"));

        Assert.Equal("No address of nowhere.test could be reached.", EgressHttp.DeniedBy(error)?.Message);
    }

    /// <summary>An allow-listed name may go anywhere, loopback included, with private networks otherwise closed.</summary>
    [Fact]
    public async Task AnAllowListedName_MayResolveToAPrivateAddress()
    {
        using var client = Client(new Resolver(IPAddress.Loopback), new EgressOptions { AllowedHosts = ["crm.internal"] });

        Assert.Equal("ok", await client.GetStringAsync($"http://CRM.internal:{Port}/"));
        var other = await Assert.ThrowsAnyAsync<HttpRequestException>(() => client.GetStringAsync($"http://crm.internal.attacker.test:{Port}/"));
        Assert.NotNull(EgressHttp.DeniedBy(other));
    }

    /// <summary>
    /// The stream handed to the client owns its socket: disposing the client closes the connection (the service reads
    /// its end), instead of leaving one open descriptor per connection until a finalizer runs.
    /// </summary>
    [Fact]
    public async Task DisposingTheClient_ClosesItsConnections()
    {
        using var service = new TcpListener(IPAddress.Loopback, 0);
        service.Start();
        var port = ((IPEndPoint)service.LocalEndpoint).Port;
        var client = Client(new Resolver(IPAddress.Loopback), new EgressOptions { AllowPrivateNetworks = true });
        var request = client.GetStringAsync($"http://service.test:{port}/");
        using var accepted = await service.AcceptTcpClientAsync();
        var stream = accepted.GetStream();
        var head = new byte[4096];
        var read = 0;
        while (!System.Text.Encoding.ASCII.GetString(head, 0, read).Contains("\r\n\r\n"))
        {
            var n = await stream.ReadAsync(head.AsMemory(read));
            Assert.NotEqual(0, n);
            read += n;
        }
        // Keep-alive: the connection stays open after the answer, until the client lets it go.
        await stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"u8.ToArray());
        Assert.Equal("ok", await request);

        client.Dispose();

        using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        Assert.Equal(0, await stream.ReadAsync(head, bounded.Token));
    }

    /// <summary>Redirects are followed (each hop checked by the same callback), but not for ever, and never through a proxy.</summary>
    [Fact]
    public void TheHandler_FollowsAFewRedirects_WithoutAProxy()
    {
        using var handler = EgressHttp.CreateHandler(new EgressPolicy(new Fixed(new EgressOptions())), new Resolver());

        Assert.False(handler.UseProxy);
        Assert.True(handler.AllowAutoRedirect);
        Assert.Equal(5, handler.MaxAutomaticRedirections);
        Assert.NotNull(handler.ConnectCallback);
    }

    [Fact]
    public void DeniedBy_FindsTheRefusal_AnywhereInTheChain()
    {
        var denied = new EgressDeniedException("no");

        Assert.Same(denied, EgressHttp.DeniedBy(denied));
        Assert.Same(denied, EgressHttp.DeniedBy(new HttpRequestException("outer", new IOException("middle", denied))));
        Assert.Null(EgressHttp.DeniedBy(new HttpRequestException("outer", new IOException("middle"))));
    }

    private sealed class Resolver(params IPAddress[] answer) : IHostResolver
    {
        public List<string> Asked { get; } = [];

        public Task<IPAddress[]> ResolveAsync(string host, CancellationToken ct)
        {
            lock (Asked) Asked.Add(host);
            return Task.FromResult(answer);
        }
    }

    private sealed class Fixed(EgressOptions value) : IOptionsMonitor<EgressOptions>
    {
        public EgressOptions CurrentValue => value;

        public EgressOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<EgressOptions, string?> listener) => null;
    }
}

/// <summary>The policy's settings: the allow-list (exact and wildcard), private networks allowed, and what stays refused.</summary>
public sealed class EgressPolicySettingsTests
{
    private static EgressPolicy Policy(EgressOptions options) => new(new FixedOptions(options));

    [Theory]
    [InlineData("crm.internal", true)]
    [InlineData("CRM.Internal", true)]
    [InlineData("crm.internal.attacker.test", false)]
    [InlineData("xcrm.internal", false)]
    [InlineData("a.crm.internal", false)]
    public void AnExactEntry_MatchesThatNameOnly_IgnoringCase(string host, bool allowed) =>
        Assert.Equal(allowed, Policy(new EgressOptions { AllowedHosts = ["crm.internal"] }).IsHostAllowListed(host));

    [Fact]
    public void AnEmptyAllowList_AllowsNoName() => Assert.False(Policy(new EgressOptions()).IsHostAllowListed("localhost"));

    /// <summary>Only a leading "*." is a wildcard: "*" elsewhere, or without the dot, is a literal (and matches nothing real).</summary>
    [Theory]
    [InlineData("*corp.example", "evilcorp.example")]
    [InlineData("crm.*.example", "crm.corp.example")]
    [InlineData("*", "anything.example")]
    public void AStarThatIsNotALeadingStarDot_IsNoWildcard(string entry, string host) =>
        Assert.False(Policy(new EgressOptions { AllowedHosts = [entry] }).IsHostAllowListed(host));

    [Fact]
    public void AnAllowListedName_PassesWhateverItResolvesTo()
    {
        var policy = Policy(new EgressOptions { AllowedHosts = ["metadata.internal"] });

        Assert.Null(policy.Check("metadata.internal", IPAddress.Parse("169.254.169.254")));
        Assert.Null(policy.Check("metadata.internal", IPAddress.Any));
    }

    [Fact]
    public void PrivateNetworksAllowed_OpensPrivateAndLoopback_NotUnspecifiedOrMulticast()
    {
        var policy = Policy(new EgressOptions { AllowPrivateNetworks = true });

        Assert.Null(policy.Check("a.test", IPAddress.Loopback));
        Assert.Null(policy.Check("a.test", IPAddress.Parse("10.0.0.1")));
        Assert.Null(policy.Check("a.test", IPAddress.Parse("fd00::1")));
        Assert.Equal(
            "Egress to a.test (0.0.0.0) is refused: it is an unspecified or multicast address. Allow it with Egress__AllowedHosts or Egress__AllowPrivateNetworks.",
            policy.Check("a.test", IPAddress.Any));
        Assert.NotNull(policy.Check("a.test", IPAddress.Parse("224.0.0.1")));
    }

    [Fact]
    public void PrivateNetworksClosed_ByDefault_PublicOpen()
    {
        var policy = Policy(new EgressOptions());

        Assert.Equal(
            "Egress to a.test (127.0.0.1) is refused: it is a loopback address. Allow it with Egress__AllowedHosts or Egress__AllowPrivateNetworks.",
            policy.Check("a.test", IPAddress.Loopback));
        Assert.Null(policy.Check("a.test", IPAddress.Parse("93.184.216.34")));
    }

    [Fact]
    public void TheCommaSeparatedForm_IsSplit_TrimmedAndDeduplicated()
    {
        var options = new EgressOptions { AllowedHosts = ["a.example, b.example", "c.example"] };

        options.AddCommaSeparatedHosts(" d.example ,A.EXAMPLE,, ");

        Assert.Equal(["a.example", "b.example", "c.example", "d.example"], options.AllowedHosts);
        options.AddCommaSeparatedHosts(null);
        Assert.Equal(4, options.AllowedHosts.Count);
    }

    /// <summary>Each boundary of each range, on both sides: one address in, its neighbour out.</summary>
    [Theory]
    [InlineData("0.255.255.255", "an unspecified or multicast address")]
    [InlineData("1.0.0.0", null)]
    [InlineData("9.255.255.255", null)]
    [InlineData("10.0.0.0", "a private address")]
    [InlineData("10.255.255.255", "a private address")]
    [InlineData("11.0.0.0", null)]
    [InlineData("100.63.255.255", null)]
    [InlineData("100.64.0.0", "a shared (carrier-grade NAT) address")]
    [InlineData("100.127.255.255", "a shared (carrier-grade NAT) address")]
    [InlineData("100.128.0.0", null)]
    [InlineData("126.255.255.255", null)]
    [InlineData("127.0.0.0", "a loopback address")]
    [InlineData("127.255.255.255", "a loopback address")]
    [InlineData("128.0.0.0", null)]
    [InlineData("169.253.255.255", null)]
    [InlineData("169.254.0.0", "a link-local or cloud metadata address")]
    [InlineData("169.255.0.0", null)]
    [InlineData("172.15.255.255", null)]
    [InlineData("172.16.0.0", "a private address")]
    [InlineData("172.31.255.255", "a private address")]
    [InlineData("172.32.0.0", null)]
    [InlineData("192.0.0.0", "a reserved (special-purpose) address")]
    [InlineData("192.0.1.0", null)]
    [InlineData("192.0.2.0", "a documentation (TEST-NET) address")]
    [InlineData("192.31.196.1", "a reserved (special-purpose) address")]
    [InlineData("192.52.193.1", "a reserved (special-purpose) address")]
    [InlineData("192.88.99.1", "a reserved (special-purpose) address")]
    [InlineData("192.88.98.1", null)]
    [InlineData("192.175.48.1", "a reserved (special-purpose) address")]
    [InlineData("192.167.255.255", null)]
    [InlineData("192.168.0.0", "a private address")]
    [InlineData("192.169.0.0", null)]
    [InlineData("198.17.255.255", null)]
    [InlineData("198.18.0.0", "a reserved (benchmarking) address")]
    [InlineData("198.19.255.255", "a reserved (benchmarking) address")]
    [InlineData("198.20.0.0", null)]
    [InlineData("198.51.100.0", "a documentation (TEST-NET) address")]
    [InlineData("198.51.101.0", null)]
    [InlineData("203.0.113.0", "a documentation (TEST-NET) address")]
    [InlineData("203.0.114.0", null)]
    [InlineData("223.255.255.255", null)]
    [InlineData("224.0.0.0", "an unspecified or multicast address")]
    [InlineData("239.255.255.255", "an unspecified or multicast address")]
    [InlineData("240.0.0.0", "a reserved address")]
    [InlineData("255.255.255.254", "a reserved address")]
    [InlineData("255.255.255.255", "an unspecified or multicast address")]
    public void IPv4_Boundaries(string address, string? kind) => Assert.Equal(kind, EgressPolicy.Classify(IPAddress.Parse(address)));

    [Theory]
    [InlineData("::", "an unspecified or multicast address")]
    [InlineData("::1", "a loopback address")]
    [InlineData("::2", "a reserved (IPv4-compatible) address")]
    [InlineData("::1:0", "a reserved (IPv4-compatible) address")]
    [InlineData("::ffff:10.0.0.1", "a private address")]
    [InlineData("::ffff:8.8.8.8", null)]
    [InlineData("64:ff9b::7f00:1", "a loopback address")]
    [InlineData("64:ff9b::808:808", null)]
    [InlineData("64:ff9b:1::1", "a local-use NAT64 address")]
    [InlineData("64:ff9b:2::1", "a reserved address")]
    [InlineData("64:ff9b:0:1::1", "a reserved address")]
    [InlineData("64:ff9a::808:808", "a reserved address")]
    [InlineData("2002:a00:1::", "a private address")]
    [InlineData("2002:808:808::", null)]
    [InlineData("2003::1", null)]
    [InlineData("ff00::", "an unspecified or multicast address")]
    [InlineData("fc00::1", "a private (unique local) address")]
    [InlineData("fdff::1", "a private (unique local) address")]
    [InlineData("fe00::1", "a reserved address")]
    [InlineData("fe80::1", "a link-local address")]
    [InlineData("febf::1", "a link-local address")]
    [InlineData("fec0::1", "a link-local address")]
    [InlineData("1fff::1", "a reserved address")]
    [InlineData("4000::1", "a reserved address")]
    [InlineData("2001::1", "a reserved (special-purpose) address")]
    [InlineData("2001:1ff::1", "a reserved (special-purpose) address")]
    [InlineData("2001:200::1", null)]
    [InlineData("2001:db8::1", "a documentation address")]
    [InlineData("2001:db9::1", null)]
    [InlineData("2001:cb8::1", null)]
    [InlineData("3fff::1", "a documentation address")]
    [InlineData("3fff:fff::1", "a documentation address")]
    [InlineData("3fff:1000::1", null)]
    [InlineData("3ffe::1", null)]
    [InlineData("2000::1", null)]
    // Look-alikes of each prefix: every byte of a prefix must match, not some.
    [InlineData("2606:ff9b::1", null)]
    [InlineData("2064:ff9b::a00:1", null)]
    [InlineData("2101:db8::1", null)]
    [InlineData("2401:db8::1", null)]
    [InlineData("2001:d00::1", null)]
    public void IPv6_Boundaries(string address, string? kind) => Assert.Equal(kind, EgressPolicy.Classify(IPAddress.Parse(address)));

    private sealed class FixedOptions(EgressOptions value) : IOptionsMonitor<EgressOptions>
    {
        public EgressOptions CurrentValue => value;

        public EgressOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<EgressOptions, string?> listener) => null;
    }
}
