namespace FlowForge.Server.Tests.Deployment;

/// <summary>docker-compose.yml: PostgreSQL and two replicas that really share one deployment's state.</summary>
public sealed class ComposeTests
{
    private static readonly List<KeyValuePair<string, string>> Env = DeploymentFiles.ComposeFlowForgeEnvironment();

    private static string Value(string key) => Env.Last(e => e.Key == key).Value;

    [Fact]
    public void Environment_SetsOnlyRealValidSettings()
    {
        Assert.NotEmpty(Env);
        Assert.All(Env, e => Assert.Null(ServerSettings.WhyNotASetting(e.Key)));
        // ${VAR:?…} is filled in by compose from the caller's environment: any value stands for it here.
        var values = Env.GroupBy(e => e.Key).ToDictionary(g => g.Key, g => System.Text.RegularExpressions.Regex.Replace(g.Last().Value, @"\$\{[^}]*\}", "x"));
        Assert.Null(ServerSettings.ValidationFailure(values));
    }

    [Fact]
    public void Replicas_ShareTheDatabaseAndTheKey()
    {
        var text = File.ReadAllText(DeploymentFiles.PathOf("docker-compose.yml"));
        // Both replicas are the one anchored definition, with their own host port.
        Assert.Contains("flowforge-1:\n    <<: *flowforge", text);
        Assert.Contains("flowforge-2:\n    <<: *flowforge", text);
        Assert.Equal("postgres", Value("Storage__Provider"));
        Assert.StartsWith("Host=postgres;", Value("Storage__ConnectionString"));
        Assert.Equal("true", Value("Live__CrossProcess"));
        Assert.StartsWith("${FLOWFORGE_API_KEY:?", Value("Auth__BootstrapApiKey"));
        // The key ring is in PostgreSQL with the rest: a per-replica folder would make each one's credentials unreadable to the other.
        Assert.DoesNotContain(Env, e => e.Key == "DataProtection__KeyPath");
    }

    [Fact]
    public void Ports_MapToTheImagesListenPort()
    {
        var text = File.ReadAllText(DeploymentFiles.PathOf("docker-compose.yml"));
        var port = DockerfileTests.ListenPort();
        var mapped = System.Text.RegularExpressions.Regex.Matches(text, "- \"(\\d+):(\\d+)\"").Select(m => int.Parse(m.Groups[2].Value)).ToList();
        Assert.Equal(2, mapped.Count);
        Assert.All(mapped, p => Assert.Equal(port, p));
    }

    [Fact]
    public void StopGracePeriod_CoversTheShutdownGrace()
    {
        var grace = TimeSpan.Parse(Value("Engine__ShutdownGrace"), System.Globalization.CultureInfo.InvariantCulture);
        var text = File.ReadAllText(DeploymentFiles.PathOf("docker-compose.yml"));
        var stop = int.Parse(System.Text.RegularExpressions.Regex.Match(text, @"stop_grace_period: (\d+)s").Groups[1].Value);
        Assert.True(stop >= grace.TotalSeconds + 10, $"stop_grace_period {stop}s leaves no room after Engine__ShutdownGrace {grace} to release leases");
    }
}
