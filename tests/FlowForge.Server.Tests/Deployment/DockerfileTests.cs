using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace FlowForge.Server.Tests.Deployment;

/// <summary>
/// The Dockerfile cannot be built here (no daemon, no base images): these check what it claims against the repository
/// and the server — the port said once, settings that exist, a restore stage that sees every project.
/// </summary>
public sealed class DockerfileTests
{
    private static readonly IReadOnlyList<DeploymentFiles.Instruction> All = DeploymentFiles.Dockerfile();
    private static readonly IReadOnlyList<DeploymentFiles.Instruction> Runtime = DeploymentFiles.RuntimeStage(All);

    /// <summary>The port of the runtime image: from ASPNETCORE_URLS, the address the server listens on.</summary>
    internal static int ListenPort()
    {
        var urls = DeploymentFiles.Environment(Runtime)["ASPNETCORE_URLS"];
        return int.Parse(Regex.Match(urls, @"^http://\+:(\d+)$").Groups[1].Value);
    }

    [Fact]
    public void Port_IsTheSameInUrlsExposeAndHealthcheck()
    {
        var port = ListenPort();
        var expose = Runtime.Single(i => i.Keyword == "EXPOSE").Arguments;
        Assert.Equal(port.ToString(), expose);
        var healthcheck = string.Join(' ', DeploymentFiles.ExecForm(Runtime.Single(i => i.Keyword == "HEALTHCHECK").Arguments));
        Assert.Contains($"/dev/tcp/127.0.0.1/{port} ", healthcheck);
        // The base image's ASPNETCORE_HTTP_PORTS=8080 would otherwise be a second, silently ignored, port setting.
        Assert.Equal("", DeploymentFiles.Environment(Runtime)["ASPNETCORE_HTTP_PORTS"]);
    }

    [Fact]
    public void Runtime_RunsAsNonRootFromThePublishOutput()
    {
        Assert.Equal("$APP_UID", Runtime.Last(i => i.Keyword == "USER").Arguments);
        Assert.Contains(Runtime, i => i.Keyword == "COPY" && i.Arguments == "--from=build /app/publish .");
        Assert.StartsWith("mcr.microsoft.com/dotnet/aspnet:10.0", Runtime[0].Arguments);
        Assert.Equal(["dotnet", "flowforge.dll"], DeploymentFiles.ExecForm(Runtime.Single(i => i.Keyword == "ENTRYPOINT").Arguments));
        // The SQLite file (and the key ring next to it) in the volume, not in the image's read-only /app.
        var connection = DeploymentFiles.Environment(Runtime)["Storage__ConnectionString"];
        var volume = Runtime.Single(i => i.Keyword == "VOLUME").Arguments;
        Assert.StartsWith($"Data Source={volume}/", connection);
    }

    [Fact]
    public void Environment_SetsOnlyRealValidSettings()
    {
        var env = DeploymentFiles.Environment(Runtime);
        Assert.All(env.Keys, key => Assert.Null(ServerSettings.WhyNotASetting(key)));
        Assert.Null(ServerSettings.ValidationFailure(env));
    }

    [Fact]
    public void RestoreStage_CopiesEveryProjectTheServerBuildsFrom()
    {
        // Restore runs on the project files alone: one missing here fails `dotnet restore` in the image build.
        var copied = All.Where(i => i.Stage == "build" && i.Keyword == "COPY" && !i.Arguments.StartsWith("--from", StringComparison.Ordinal))
            .SelectMany(i => i.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)[..^1]).ToHashSet();
        foreach (var project in ServerProjects()) Assert.Contains(project, copied);
        Assert.Contains("Directory.Build.props", copied);
        Assert.Contains("Directory.Packages.props", copied);
        Assert.Contains("src/FlowForge.Server/WebApp.targets", copied);
    }

    [Fact]
    public void DockerIgnore_KeepsWhatTheBuildCopies()
    {
        var ignored = File.ReadAllLines(DeploymentFiles.PathOf(".dockerignore"))
            .Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        var sources = All.Where(i => i.Keyword == "COPY" && !i.Arguments.StartsWith("--from", StringComparison.Ordinal))
            .SelectMany(i => i.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)[..^1]);
        foreach (var source in sources)
        {
            Assert.True(File.Exists(DeploymentFiles.PathOf(source)) || Directory.Exists(DeploymentFiles.PathOf(source)), $"COPY {source}: not in the repository");
            Assert.DoesNotContain(ignored, pattern => !pattern.StartsWith("**", StringComparison.Ordinal) && source.StartsWith(pattern.TrimEnd('/'), StringComparison.Ordinal));
        }
        // Local state never goes into the image: a developer's database, keys or built app.
        Assert.Contains("**/data/", ignored);
        Assert.Contains("**/node_modules/", ignored);
        Assert.Contains("src/FlowForge.Server/wwwroot/", ignored);
    }

    /// <summary>The server's project file and every project it references, transitively, relative to the repository.</summary>
    internal static IEnumerable<string> ServerProjects()
    {
        var seen = new HashSet<string>();
        var queue = new Queue<string>([Path.GetFullPath(DeploymentFiles.PathOf("src/FlowForge.Server/FlowForge.Server.csproj"))]);
        while (queue.TryDequeue(out var project))
        {
            if (!seen.Add(project)) continue;
            foreach (var reference in XDocument.Load(project).Descendants("ProjectReference"))
                queue.Enqueue(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(project)!, reference.Attribute("Include")!.Value.Replace('\\', '/'))));
        }
        return seen.Select(p => Path.GetRelativePath(DeploymentFiles.RepoRoot, p).Replace('\\', '/'));
    }
}
