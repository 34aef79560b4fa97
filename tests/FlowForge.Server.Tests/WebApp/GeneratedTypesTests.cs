using System.Diagnostics;
using System.Net;
using FlowForge.Server.Tests.Infrastructure;

namespace FlowForge.Server.Tests.WebApp;

/// <summary>
/// The web app's API types (web/src/api/schema.d.ts) are generated from the server's OpenAPI document: when an endpoint
/// or a body changes and the types are not regenerated, the app and the API drift apart silently. This builds the
/// document in-process, runs the same generator as <c>npm run gen:api</c> and compares.
/// </summary>
public class GeneratedTypesTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task CheckedInSchemaTypes_MatchTheServersDocument()
    {
        var web = WebDirectory();
        var generator = Path.Combine(web, "node_modules", ".bin", OperatingSystem.IsWindows() ? "openapi-typescript.cmd" : "openapi-typescript");
        // Not a skip: a missing generator would let stale types through unnoticed.
        Assert.True(File.Exists(generator),
            $"{generator} is missing: install the web app's packages with `bash infra/setup.sh` (or `cd web && npm ci`).");

        var response = await server.Client(key: null).GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var temp = Path.Combine(server.Directory, "openapi");
        Directory.CreateDirectory(temp);
        var document = Path.Combine(temp, "v1.json");
        await File.WriteAllTextAsync(document, await response.Content.ReadAsStringAsync());
        var generated = Path.Combine(temp, "schema.d.ts");

        var info = new ProcessStartInfo(generator, [document, "-o", generated])
        {
            WorkingDirectory = web,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        Assert.True(process.ExitCode == 0, $"openapi-typescript failed ({process.ExitCode}):\n{await output}\n{await error}");

        var expected = Normalize(await File.ReadAllTextAsync(generated));
        var checkedIn = Normalize(await File.ReadAllTextAsync(Path.Combine(web, "src", "api", "schema.d.ts")));
        if (expected == checkedIn) return;
        Assert.Fail("web/src/api/schema.d.ts is stale: it no longer matches the server's OpenAPI document. " +
            "Regenerate it with `cd web && npm run gen:api` and commit it with the API change.\n" + FirstDifference(checkedIn, expected));
    }

    private static string Normalize(string text) => text.ReplaceLineEndings("\n").TrimEnd();

    private static string FirstDifference(string checkedIn, string expected)
    {
        var a = checkedIn.Split('\n');
        var b = expected.Split('\n');
        for (var i = 0; i < Math.Max(a.Length, b.Length); i++)
        {
            var left = i < a.Length ? a[i] : "(end of file)";
            var right = i < b.Length ? b[i] : "(end of file)";
            if (left != right) return $"First difference at line {i + 1}:\n  checked in: {left.Trim()}\n  generated:  {right.Trim()}";
        }
        return "";
    }

    /// <summary>web/ of this checkout, found above the test binaries.</summary>
    private static string WebDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "FlowForge.sln"))) return Path.Combine(dir.FullName, "web");
        }
        throw new InvalidOperationException("FlowForge.sln was not found above " + AppContext.BaseDirectory);
    }
}
