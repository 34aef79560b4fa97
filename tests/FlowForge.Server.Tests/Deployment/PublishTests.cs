using System.Diagnostics;

using FlowForge.Server.Tests.Infrastructure;

namespace FlowForge.Server.Tests.Deployment;

/// <summary>
/// The image's build and runtime stages without the image: the Dockerfile's own <c>dotnet publish</c> command (web app
/// included, as the image builds it), then its ENTRYPOINT and ENV run from the publish folder, and its HEALTHCHECK
/// command asked of that process. Slow: a Release publish with the web app's build.
/// </summary>
[Trait("Category", "Slow")]
public sealed class PublishTests
{
    private static readonly IReadOnlyList<DeploymentFiles.Instruction> All = DeploymentFiles.Dockerfile();
    private static readonly IReadOnlyList<DeploymentFiles.Instruction> Runtime = DeploymentFiles.RuntimeStage(All);

    // One publish per test run, into one folder per checkout: publishing again is incremental (obj/Release and the web app's stamp).
    private static readonly Lazy<string> Published = new(Publish);

    private static string Publish()
    {
        // Under this checkout's test output, not a shared temp folder: another checkout's newer files would survive an
        // incremental publish here and mix two builds.
        var output = Path.Combine(AppContext.BaseDirectory, "deploy-publish");
        var run = All.Single(i => i.Stage == "build" && i.Keyword == "RUN" && i.Arguments.StartsWith("dotnet publish", StringComparison.Ordinal)).Arguments;
        var command = run[..run.IndexOf("&&", StringComparison.Ordinal)].Trim();
        var args = command.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToList();
        var outputIndex = args.IndexOf("-o");
        Assert.Equal("/app/publish", args[outputIndex + 1]);
        args[outputIndex + 1] = output;
        // The image restores in a layer of its own; here the tests' build has restored the same projects.
        DeploymentFiles.Run("dotnet", args, stdin: null);
        return output;
    }

    [Fact]
    public void Publish_HoldsWhatTheImageCopiesAndRuns()
    {
        var output = Published.Value;
        var entrypoint = DeploymentFiles.ExecForm(Runtime.Single(i => i.Keyword == "ENTRYPOINT").Arguments);
        Assert.Equal("dotnet", entrypoint[0]);
        var dll = entrypoint[1];
        Assert.True(File.Exists(Path.Combine(output, dll)), $"ENTRYPOINT runs {dll}, which the publish output lacks");
        Assert.True(File.Exists(Path.Combine(output, Path.ChangeExtension(dll, ".runtimeconfig.json"))));
        Assert.True(File.Exists(Path.Combine(output, "appsettings.json")));
        // The Dockerfile's own guard names the same file: the web app is in the image.
        Assert.Contains(All, i => i.Keyword == "RUN" && i.Arguments.Contains("test -f /app/publish/wwwroot/index.html", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(output, "wwwroot", "index.html")), "the web app was not published (is Node.js 20+ installed?)");
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(output, "wwwroot", "assets")));
        // Nothing local goes into the image: no database, no key ring.
        Assert.Empty(Directory.GetFiles(output, "*.db", SearchOption.AllDirectories));
        Assert.False(Directory.Exists(Path.Combine(output, "data")));
    }

    [Fact]
    public async Task PublishedServer_WithTheImagesEnvironment_PassesTheImagesHealthcheck()
    {
        var output = Published.Value;
        var port = ServerProcess.FreePort();
        var data = Path.Combine(Path.GetTempPath(), "flowforge-deploy-run", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(data);
        var entrypoint = DeploymentFiles.ExecForm(Runtime.Single(i => i.Keyword == "ENTRYPOINT").Arguments);
        var info = new ProcessStartInfo(entrypoint[0], entrypoint[1..])
        {
            WorkingDirectory = output, // the image's WORKDIR /app holds the publish output
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var volume = Runtime.Single(i => i.Keyword == "VOLUME").Arguments;
        foreach (var (k, v) in DeploymentFiles.Environment(Runtime))
        {
            // The image's paths and port, moved to this test's folder and a free port.
            info.Environment[k] = v.Replace(volume, data, StringComparison.Ordinal).Replace($":{DockerfileTests.ListenPort()}", $":{port}", StringComparison.Ordinal);
        }
        info.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        info.Environment["Samples__Enabled"] = "false";
        using var process = Process.Start(info)!;
        var log = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var healthcheck = DeploymentFiles.ExecForm(Runtime.Single(i => i.Keyword == "HEALTHCHECK").Arguments);
            var args = healthcheck[1..].Select(a => a.Replace($"/dev/tcp/127.0.0.1/{DockerfileTests.ListenPort()}", $"/dev/tcp/127.0.0.1/{port}", StringComparison.Ordinal)).ToArray();
            var deadline = DateTime.UtcNow.AddSeconds(60);
            var healthy = false;
            while (!healthy && DateTime.UtcNow < deadline && !process.HasExited)
            {
                healthy = Exit(healthcheck[0], args) == 0;
                if (!healthy) await Task.Delay(250);
            }
            string text;
            lock (log) text = log.ToString();
            Assert.True(healthy, "the image's HEALTHCHECK never passed against the published server:\n" + text);
            // The SQLite file and the key ring where the image's volume is.
            Assert.True(File.Exists(Path.Combine(data, "flowforge.db")));
            Assert.True(Directory.Exists(Path.Combine(data, "keys")));
            // And the healthcheck does fail: nothing listens once the server is gone.
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Assert.NotEqual(0, Exit(healthcheck[0], args));
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Directory.Delete(data, recursive: true);
        }
    }

    private static int Exit(string file, string[] args)
    {
        using var p = Process.Start(new ProcessStartInfo(file, args) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true })!;
        p.WaitForExit(10_000);
        return p.HasExited ? p.ExitCode : -1;
    }
}
