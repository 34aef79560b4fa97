using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace FlowForge.Server.Tests.Deployment;

/// <summary>
/// Reads the deployment files (Dockerfile, docker-compose.yml, infra/k8s) the way their tools would, as far as that
/// can be done offline: no container daemon or cluster exists here, so the tests check what the files claim against
/// the server itself.
/// </summary>
internal static partial class DeploymentFiles
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string PathOf(string relative) => Path.Combine(RepoRoot, relative);

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "FlowForge.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("FlowForge.sln was not found above " + AppContext.BaseDirectory);
    }

    /// <summary>One Dockerfile instruction (continuation lines joined), with the stage it belongs to.</summary>
    public sealed record Instruction(string Stage, string Keyword, string Arguments);

    public static IReadOnlyList<Instruction> Dockerfile(string? text = null)
    {
        text ??= File.ReadAllText(PathOf("Dockerfile"));
        var result = new List<Instruction>();
        var stage = "";
        var pending = new StringBuilder();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (pending.Length == 0 && (line.TrimStart().StartsWith('#') || line.Trim().Length == 0)) continue;
            if (line.EndsWith('\\'))
            {
                pending.Append(line[..^1]).Append(' ');
                continue;
            }
            pending.Append(line);
            var full = pending.ToString().Trim();
            pending.Clear();
            var space = full.IndexOf(' ');
            var keyword = (space < 0 ? full : full[..space]).ToUpperInvariant();
            var arguments = space < 0 ? "" : full[(space + 1)..].Trim();
            if (keyword == "FROM")
            {
                var alias = Regex.Match(arguments, @"\bAS\s+(\S+)$", RegexOptions.IgnoreCase);
                stage = alias.Success ? alias.Groups[1].Value : arguments;
            }
            result.Add(new Instruction(stage, keyword, arguments));
        }
        return result;
    }

    /// <summary>The last stage's instructions: what the image runs.</summary>
    public static IReadOnlyList<Instruction> RuntimeStage(IReadOnlyList<Instruction> all) =>
        all.Where(i => i.Stage == all[^1].Stage).ToList();

    /// <summary>ENV instructions of a stage as key → value (both the <c>k=v k2=v2</c> and the quoted forms).</summary>
    public static Dictionary<string, string> Environment(IEnumerable<Instruction> stage)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var i in stage.Where(i => i.Keyword == "ENV"))
        {
            foreach (Match m in EnvPair().Matches(i.Arguments)) env[m.Groups["k"].Value] = m.Groups["v"].Value.Trim('"');
        }
        return env;
    }

    [GeneratedRegex("(?<k>[A-Za-z_][A-Za-z0-9_]*)=(?<v>\"[^\"]*\"|\\S*)")]
    private static partial Regex EnvPair();

    /// <summary>An exec-form (JSON array) argument list, e.g. ENTRYPOINT's or HEALTHCHECK's CMD.</summary>
    public static string[] ExecForm(string arguments)
    {
        var start = arguments.IndexOf('[');
        return JsonSerializer.Deserialize<string[]>(arguments[start..]) ?? [];
    }

    /// <summary>
    /// The environment entries of docker-compose.yml's FlowForge services, in the order written: every
    /// <c>environment:</c> mapping except the database's. A line reader, not a YAML parser (none restores here): the
    /// compose file keeps to plain <c>Key: value</c> lines, which this reads exactly.
    /// </summary>
    public static List<KeyValuePair<string, string>> ComposeFlowForgeEnvironment(string? text = null)
    {
        text ??= File.ReadAllText(PathOf("docker-compose.yml"));
        var result = new List<KeyValuePair<string, string>>();
        var top = "";     // the top-level key the current lines belong to (services, x-flowforge, volumes)
        var service = ""; // under services: the service
        var envIndent = -1;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Trim().Length == 0 || line.TrimStart().StartsWith('#')) continue;
            var indent = line.Length - line.TrimStart().Length;
            var content = line.Trim();
            if (indent <= envIndent) envIndent = -1;
            if (indent == 0) (top, service) = (content.Split(':')[0], "");
            else if (indent == 2 && top == "services" && content.EndsWith(':')) service = content.TrimEnd(':');
            if (envIndent >= 0)
            {
                if (content.StartsWith("<<", StringComparison.Ordinal)) continue; // a merge of the anchored block, read where it is written
                var colon = content.IndexOf(':');
                result.Add(new(content[..colon].Trim(), content[(colon + 1)..].Trim().Trim('"')));
                continue;
            }
            if ((content == "environment:" || content.StartsWith("environment: &", StringComparison.Ordinal)) && service != "postgres")
                envIndent = indent;
        }
        return result;
    }

    /// <summary><c>kubectl kustomize</c> on a folder under infra/k8s, as JSON objects (converted offline by <c>kubectl label --local</c>).</summary>
    public static List<JsonElement> Kustomize(string folder)
    {
        var yaml = Run("kubectl", ["kustomize", PathOf(folder)], stdin: null);
        // `label --local` decodes the objects client-side, without a server, and prints them as JSON.
        var json = Run("kubectl", ["label", "--local", "-f", "-", "-o", "json", "flowforge.test/rendered=true"], stdin: yaml);
        var objects = new List<JsonElement>();
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json), new JsonReaderOptions { AllowMultipleValues = true });
        while (reader.Read())
        {
            using var doc = JsonDocument.ParseValue(ref reader);
            var element = doc.RootElement.Clone();
            if (element.TryGetProperty("kind", out var kind) && kind.GetString() == "List")
                objects.AddRange(element.GetProperty("items").EnumerateArray());
            else objects.Add(element);
        }
        return objects;
    }

    public static string Run(string file, IEnumerable<string> args, string? stdin, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(file, args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? RepoRoot,
        };
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {file}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
            process.StandardInput.Close();
        }
        if (!process.WaitForExit(TimeSpan.FromMinutes(10))) process.Kill(entireProcessTree: true);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', info.ArgumentList)} exited {process.ExitCode}:\n{error.Result}\n{output.Result}");
        return output.Result;
    }
}
