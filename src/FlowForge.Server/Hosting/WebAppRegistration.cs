using System.IO.Compression;
using Microsoft.AspNetCore.ResponseCompression;
using Microsoft.Extensions.FileProviders;

namespace FlowForge.Server.Hosting;

/// <summary>
/// Serves the web app (web/, built by the server's build into its web root) at <c>/</c>, with the client routes
/// (<c>/workflows/…</c>) falling back to <c>index.html</c>. The API, hooks, hub, document and health keep their paths:
/// an unknown path under them is a 404, never the app. Without a built app (Node was missing at build time)
/// <c>/</c> says what to install instead.
/// </summary>
internal static class WebAppRegistration
{
    /// <summary>Paths that belong to the server, not to the app's client-side router.</summary>
    private static readonly string[] ServerPrefixes = ["/api", "/hooks", "/hubs", "/openapi", "/docs", "/health", "/metrics"];

    /// <summary>
    /// Where the built app is: the content root's <c>wwwroot</c> (the default, and what a test or an operator sets with
    /// <c>--contentRoot</c>/<c>--webroot</c>), else the <c>wwwroot</c> next to the binary, which the build and publish
    /// place there. The content root is the working directory, so without the fallback
    /// <c>dotnet bin/…/flowforge.dll</c> started from anywhere else would serve the "not built" page.
    /// </summary>
    public static void UseFlowForgeWebRoot(this WebApplicationBuilder builder)
    {
        var environment = builder.Environment;
        if (environment.WebRootPath is { } configured && Directory.Exists(configured)) return;
        var besideBinary = Path.Combine(AppContext.BaseDirectory, "wwwroot");
        if (!File.Exists(Path.Combine(besideBinary, "index.html"))) return;
        environment.WebRootPath = besideBinary;
        environment.WebRootFileProvider = new PhysicalFileProvider(besideBinary);
    }

    /// <summary>
    /// Compression for the app's own files (HTML, JavaScript, CSS, SVG): the editor's bundle shrinks about threefold on
    /// the wire. API and hub responses are left alone: compressing responses that mix secrets with attacker-influenced
    /// text invites BREACH-style attacks, and they are small.
    /// </summary>
    public static IServiceCollection AddFlowForgeWebApp(this IServiceCollection services)
    {
        services.AddResponseCompression(o =>
        {
            o.EnableForHttps = true;
            o.Providers.Add<BrotliCompressionProvider>();
            o.Providers.Add<GzipCompressionProvider>();
            o.MimeTypes = ["text/html", "text/javascript", "application/javascript", "text/css", "image/svg+xml"];
        });
        // Fastest: hashed assets are compressed once per new client (browsers keep them a year), never on a hot path.
        services.Configure<BrotliCompressionProviderOptions>(o => o.Level = CompressionLevel.Fastest);
        services.Configure<GzipCompressionProviderOptions>(o => o.Level = CompressionLevel.Optimal);
        return services;
    }

    public static WebApplication UseFlowForgeWebApp(this WebApplication app)
    {
        app.UseWhen(http => !IsServerPath(http.Request.Path), branch => branch.UseResponseCompression());
        app.UseDefaultFiles();
        app.UseStaticFiles(new StaticFileOptions
        {
            // Hashed asset names change with their content: cache them for a year; index.html is always revalidated.
            OnPrepareResponse = ctx => ctx.Context.Response.Headers.CacheControl =
                ctx.Context.Request.Path.StartsWithSegments("/assets") ? "public, max-age=31536000, immutable" : "no-cache",
        });
        return app;
    }

    private static bool IsServerPath(PathString path) => ServerPrefixes.Any(p => path.StartsWithSegments(p));

    public static void MapFlowForgeWebApp(this WebApplication app)
    {
        app.MapFallback(async (HttpContext http) =>
        {
            var path = http.Request.Path;
            if (IsServerPath(path) || !HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method))
            {
                return Results.NotFound();
            }
            var index = app.Environment.WebRootFileProvider.GetFileInfo("index.html");
            http.Response.Headers.CacheControl = "no-cache";
            return index.Exists
                ? Results.Stream(index.CreateReadStream(), "text/html; charset=utf-8")
                : Results.Content(NotBuiltPage, "text/html; charset=utf-8");
        }).ExcludeFromDescription().AllowAnonymous();
    }

    private const string NotBuiltPage = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>FlowForge</title>
        <style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;line-height:1.5;color:#15181e}code{background:#f1f3f6;padding:.1rem .3rem;border-radius:4px}</style></head>
        <body>
        <h1>FlowForge is running, but its web app was not built</h1>
        <p>The server built without <strong>Node.js</strong>, so the workflow builder is missing. The API works:
        see <a href="/docs">the API reference</a>.</p>
        <p>To get the web app, install Node.js 20 or newer (with npm), for example <code>sudo apt-get install nodejs npm</code>
        or from <a href="https://nodejs.org">nodejs.org</a>, then build and start the server again:
        <code>dotnet run --project src/FlowForge.Server</code>.</p>
        </body></html>
        """;
}
