using System.Net;
using FlowForge.Server.Egress;
using FlowForge.Server.Tests.Infrastructure;

namespace FlowForge.Server.Tests.Engine;

public class EgressClassificationTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.1.2.3")]
    [InlineData("10.0.0.5")]
    [InlineData("172.16.0.1")]
    [InlineData("172.31.255.255")]
    [InlineData("192.168.1.1")]
    [InlineData("169.254.169.254")]
    [InlineData("100.64.0.1")]
    [InlineData("0.0.0.0")]
    [InlineData("224.0.0.1")]
    [InlineData("::1")]
    [InlineData("::")]
    [InlineData("fe80::1")]
    [InlineData("fd00::1")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("::ffff:169.254.169.254")]
    [InlineData("64:ff9b::a9fe:a9fe")]
    [InlineData("2002:7f00:1::")]
    public void NonPublicAddresses_AreClassified(string address) =>
        Assert.NotNull(EgressPolicy.Classify(IPAddress.Parse(address)));

    /// <summary>The rest of the IANA special-purpose registries: a host may own an interface address in any of them.</summary>
    [Theory]
    [InlineData("192.0.2.1")]
    [InlineData("198.51.100.7")]
    [InlineData("203.0.113.9")]
    [InlineData("192.0.0.8")]
    [InlineData("192.88.99.1")]
    [InlineData("198.19.255.1")]
    [InlineData("240.0.0.1")]
    [InlineData("255.255.255.255")]
    [InlineData("239.255.255.250")]
    [InlineData("2001:db8::1")]
    [InlineData("3fff::1")]
    [InlineData("2001:0:4136:e378:8000:63bf:3fff:fdd2")]
    [InlineData("2001:2::1")]
    [InlineData("64:ff9b::c000:201")]
    [InlineData("64:ff9b::a00:1")]
    [InlineData("64:ff9b:1::1")]
    [InlineData("2002:c000:201::1")]
    [InlineData("::ffff:192.0.2.1")]
    [InlineData("::7f00:1")]
    [InlineData("100::1")]
    [InlineData("fec0::1")]
    [InlineData("ff02::1")]
    public void SpecialPurposeAddresses_AreNotPublic(string address) =>
        Assert.NotNull(EgressPolicy.Classify(IPAddress.Parse(address)));

    [Theory]
    [InlineData("93.184.216.34")]
    [InlineData("8.8.8.8")]
    [InlineData("172.32.0.1")]
    [InlineData("2606:4700::1111")]
    [InlineData("2001:4860:4860::8888")]
    [InlineData("64:ff9b::808:808")]
    [InlineData("192.0.3.1")]
    public void PublicAddresses_AreAllowed(string address) =>
        Assert.Null(EgressPolicy.Classify(IPAddress.Parse(address)));

    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("0.1.2.3")]
    [InlineData("0.255.255.255")]
    [InlineData("224.0.0.1")]
    [InlineData("255.255.255.255")]
    [InlineData("::")]
    [InlineData("ff02::1")]
    public void UnspecifiedMulticastAndBroadcast_AllOf0Slash8Included_StayRefusedWithPrivateNetworksAllowed(string address)
    {
        var policy = new EgressPolicy(new FixedOptions(new EgressOptions { AllowPrivateNetworks = true }));
        Assert.Contains("unspecified or multicast", policy.Check("somewhere", IPAddress.Parse(address)));
        Assert.Null(policy.Check("somewhere", IPAddress.Parse("10.0.0.5")));
    }

    private sealed class FixedOptions(EgressOptions value) : Microsoft.Extensions.Options.IOptionsMonitor<EgressOptions>
    {
        public EgressOptions CurrentValue => value;

        public EgressOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<EgressOptions, string?> listener) => null;
    }
}

/// <summary>A server with the default (closed) egress policy, except for one allow-listed host name.</summary>
public sealed class ClosedEgressFixture : FakeServiceFixture
{
    public ClosedEgressFixture() : base(new Dictionary<string, string?>
    {
        ["Egress:AllowPrivateNetworks"] = "false",
        ["Egress:AllowedHosts:0"] = "localhost",
    })
    {
    }
}

public class EgressPolicyTests(ClosedEgressFixture server) : IClassFixture<ClosedEgressFixture>
{
    private readonly HttpClient _client = server.Client();

    private async Task<System.Text.Json.Nodes.JsonNode> Run(string url)
    {
        var wf = await _client.Publish($$$"""
            { "name": "egress", "nodes": [ { "id": "t", "type": "trigger_manual" },
              { "id": "call", "type": "action_http", "config": { "url": "{{{url}}}" } } ],
              "edges": [ { "source": "t", "target": "call" } ] }
            """);
        return await _client.WaitFinished(await _client.Execute(wf));
    }

    [Theory]
    [InlineData("http://127.0.0.1:{port}/ok/a")]
    [InlineData("http://[::ffff:127.0.0.1]:{port}/ok/a")]
    [InlineData("http://2130706433:{port}/ok/a")]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    public async Task PrivateDestinations_AreRefused_WithoutRetry(string template)
    {
        var done = await Run(template.Replace("{port}", server.Fake.BaseAddress.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal("failed", (string?)done["status"]);
        Assert.Contains("refused", (string?)done["errorMessage"]);
        Assert.Equal(1, (int?)done.Step("call")["attempts"]);
    }

    [Fact]
    public async Task AllowListedHost_IsReached()
    {
        var done = await Run($"http://localhost:{server.Fake.BaseAddress.Port}/ok/allowed");
        Assert.Equal("completed", (string?)done["status"]);
    }

    [Fact]
    public async Task SpecialPurposeDestination_IsRefused()
    {
        var done = await Run("http://192.0.2.1:9/never");
        Assert.Equal("failed", (string?)done["status"]);
        Assert.Contains("documentation", (string?)done["errorMessage"]);
    }

    [Fact]
    public async Task RedirectToAPrivateAddress_IsRefusedAtTheHop()
    {
        var target = Uri.EscapeDataString($"http://127.0.0.1:{server.Fake.BaseAddress.Port}/ok/secret");
        var done = await Run($"http://localhost:{server.Fake.BaseAddress.Port}/redirect?to={target}");
        Assert.Equal("failed", (string?)done["status"]);
        Assert.Contains("refused", (string?)done["errorMessage"]);
        Assert.Equal(1, server.Fake.Calls("/redirect"));
        Assert.Equal(0, server.Fake.Calls("/ok/secret"));
    }
}

/// <summary>Egress__AllowedHosts given as one comma-separated string, as an environment variable would set it.</summary>
public sealed class CommaSeparatedAllowListFixture : FakeServiceFixture
{
    public CommaSeparatedAllowListFixture() : base(new Dictionary<string, string?>
    {
        ["Egress:AllowPrivateNetworks"] = "false",
        ["Egress:AllowedHosts"] = "crm.internal, 127.0.0.1",
    })
    {
    }
}

public class EgressAllowListTests(CommaSeparatedAllowListFixture server) : IClassFixture<CommaSeparatedAllowListFixture>
{
    [Fact]
    public async Task CommaSeparatedAllowedHosts_AreHonoured()
    {
        var client = server.Client();
        var wf = await client.Publish($$$"""
            { "name": "egress", "nodes": [ { "id": "t", "type": "trigger_manual" },
              { "id": "call", "type": "action_http", "config": { "url": "http://127.0.0.1:{{{server.Fake.BaseAddress.Port}}}/ok/a" } } ],
              "edges": [ { "source": "t", "target": "call" } ] }
            """);
        var done = await client.WaitFinished(await client.Execute(wf));
        Assert.Equal("completed", (string?)done["status"]);
    }

    [Fact]
    public void ListAndCommaForms_Combine()
    {
        var options = new EgressOptions { AllowedHosts = ["a.example", "b.example,c.example"] };
        options.AddCommaSeparatedHosts(null);
        Assert.Equal(["a.example", "b.example", "c.example"], options.AllowedHosts);
    }
}
