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
    // Public by the policy's classification, and owned by nobody who will answer here: a connection to it fails or hangs.
    private static readonly IPAddress Public = IPAddress.Parse("192.0.3.1");

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
    /// DNS rebinding: the name answers a public address first and the internal one afterwards. The first connection
    /// goes (or tries to go) to the public address only; the next one is refused, and nothing reaches the internal service.
    /// </summary>
    [Fact]
    public async Task DnsRebinding_ToAPrivateAddress_IsRefusedAtConnectTime()
    {
        var resolver = new ScriptedResolver(Public, IPAddress.Loopback, IPAddress.Loopback);
        using var client = Client(resolver);
        var url = new Uri($"http://rebind.attacker.example:{InternalPort}/secret");

        // The public answer passes the policy; its connection fails or times out, not an egress refusal.
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2)))
        {
            var first = await Assert.ThrowsAnyAsync<Exception>(() => client.GetAsync(url, timeout.Token));
            Assert.Null(EgressHttp.DeniedBy(first));
        }
        Assert.False(_internal.Pending(), "The connection that passed the check on the public address reached the internal one.");

        var second = await Assert.ThrowsAnyAsync<Exception>(() => client.GetAsync(url));
        var denied = EgressHttp.DeniedBy(second);
        Assert.NotNull(denied);
        Assert.Contains("rebind.attacker.example (127.0.0.1)", denied.Message);
        Assert.False(_internal.Pending());
    }

    private static HttpClient Client(IHostResolver resolver)
    {
        var policy = new EgressPolicy(new FixedEgressOptions(new EgressOptions { AllowPrivateNetworks = false }));
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
