using System.Net;
using System.Net.Sockets;
using FlowForge.Server.Egress;

namespace FlowForge.Server.Tests.Engine;

/// <summary>
/// The egress check on host names: what a name resolves to is checked, for every connection, and the address
/// checked is the one connected to. A stand-in name server answers what an attacker's would.
/// </summary>
public sealed class EgressResolutionTests : IDisposable
{
    // A loopback listener standing for an internal service: any connection it accepts is a breach.
    private readonly TcpListener _internal = new(IPAddress.Loopback, 0);

    public EgressResolutionTests() => _internal.Start();

    public void Dispose() => _internal.Stop();

    private int InternalPort => ((IPEndPoint)_internal.LocalEndpoint).Port;

    [Fact]
    public async Task AHostNameResolvingToAPrivateAddress_IsRefused()
    {
        var resolver = new ScriptedResolver(IPAddress.Loopback);
        using var client = Client(resolver);

        var error = await Assert.ThrowsAnyAsync<Exception>(() => client.GetAsync(new Uri($"http://internal.attacker.example:{InternalPort}/secret")));

        var denied = EgressHttp.DeniedBy(error);
        Assert.NotNull(denied);
        Assert.Contains("internal.attacker.example (127.0.0.1)", denied.Message);
        Assert.False(_internal.Pending());
    }

    /// <summary>
    /// DNS rebinding: the name answers an address the policy allows first and an internal one afterwards. The connection
    /// goes to the address that was checked, never to a second lookup's answer, and the next connection's lookup is
    /// checked again and refused. No test sends a packet off this machine, so the allowed address is a second loopback
    /// listener under AllowPrivateNetworks, and the internal answer is 0.0.0.0: refused even then, and on Linux a
    /// connection to it lands on the loopback service (the "0.0.0.0 day" browsers had to close).
    /// </summary>
    [Fact]
    public async Task DnsRebinding_ToAPrivateAddress_IsRefusedAtConnectTime()
    {
        var checkedAddress = IPAddress.Parse("127.0.0.2");
        using var allowed = new TcpListener(checkedAddress, InternalPort);
        allowed.Start();
        var resolver = new ScriptedResolver(checkedAddress, IPAddress.Any, IPAddress.Any);
        using var client = Client(resolver, allowPrivateNetworks: true);
        var url = new Uri($"http://rebind.attacker.example:{InternalPort}/secret");

        // The checked address's listener never answers: the request is abandoned once it has accepted the connection,
        // or fails by the client's timeout if the connection went elsewhere.
        using (var abandon = new CancellationTokenSource())
        {
            var first = client.GetAsync(url, abandon.Token);
            var accept = allowed.AcceptTcpClientAsync();
            Assert.Same(accept, await Task.WhenAny(accept, first));
            using var accepted = await accept;
            abandon.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        }
        Assert.False(_internal.Pending(), "The connection that passed the check on one address reached another.");

        var second = await Assert.ThrowsAnyAsync<Exception>(() => client.GetAsync(url));
        var denied = EgressHttp.DeniedBy(second);
        Assert.NotNull(denied);
        Assert.Contains("rebind.attacker.example (0.0.0.0)", denied.Message);
        Assert.False(_internal.Pending());
    }

    private static HttpClient Client(IHostResolver resolver, bool allowPrivateNetworks = false)
    {
        var policy = new EgressPolicy(new FixedEgressOptions(new EgressOptions { AllowPrivateNetworks = allowPrivateNetworks }));
        return new HttpClient(EgressHttp.CreateHandler(policy, resolver)) { Timeout = TimeSpan.FromSeconds(10) };
    }

    /// <summary>Answers each lookup with the next address of its script, the last one for ever after.</summary>
    private sealed class ScriptedResolver(params IPAddress[] answers) : IHostResolver
    {
        private int _calls;

        public Task<IPAddress[]> ResolveAsync(string host, CancellationToken ct)
        {
            var index = Math.Min(Interlocked.Increment(ref _calls) - 1, answers.Length - 1);
            return Task.FromResult(new[] { answers[index] });
        }
    }

    private sealed class FixedEgressOptions(EgressOptions value) : Microsoft.Extensions.Options.IOptionsMonitor<EgressOptions>
    {
        public EgressOptions CurrentValue => value;

        public EgressOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<EgressOptions, string?> listener) => null;
    }
}

/// <summary>A wildcard allow-list entry covers the subdomains of its domain and nothing that merely ends the same way.</summary>
public class EgressWildcardTests
{
    private static readonly EgressPolicy Policy = new(new FixedOptions(new EgressOptions { AllowedHosts = ["*.corp.example"] }));

    [Theory]
    [InlineData("crm.corp.example")]
    [InlineData("a.b.corp.example")]
    [InlineData("CRM.Corp.Example")]
    public void Subdomains_AreAllowListed(string host) => Assert.True(Policy.IsHostAllowListed(host));

    [Theory]
    [InlineData("evilcorp.example")]
    [InlineData("corp.example.attacker.example")]
    [InlineData("corp.example")]
    [InlineData("xcorp.example")]
    public void LookalikeHosts_AreNot(string host)
    {
        Assert.False(Policy.IsHostAllowListed(host));
        Assert.NotNull(Policy.Check(host, IPAddress.Parse("10.0.0.5")));
    }

    private sealed class FixedOptions(EgressOptions value) : Microsoft.Extensions.Options.IOptionsMonitor<EgressOptions>
    {
        public EgressOptions CurrentValue => value;

        public EgressOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<EgressOptions, string?> listener) => null;
    }
}
