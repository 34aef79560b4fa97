using System.Collections;
using System.Reflection;
using System.Text.RegularExpressions;
using FlowForge.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FlowForge.Server.Tests.Deployment;

/// <summary>
/// What the server itself says its settings are: the options types it binds (every <c>AddSettings</c> registration,
/// found in the real server's service collection) and the settings the README's Configuration table documents. A
/// variable the deployment files set is real when it binds to a property of one of those types or is documented.
/// </summary>
internal static partial class ServerSettings
{
    /// <summary>Read by ASP.NET Core and the .NET runtime themselves, not by FlowForge.</summary>
    private static readonly HashSet<string> Framework = new(StringComparer.Ordinal)
    {
        "ASPNETCORE_URLS", "ASPNETCORE_HTTP_PORTS", "DOTNET_EnableDiagnostics",
    };

    private static readonly Lazy<(List<(string Section, Type Type)> Sections, List<string> Routes)> Server = new(Inspect);
    private static readonly Lazy<HashSet<string>> Documented = new(ReadDocumented);

    /// <summary>The route patterns of every endpoint the server maps (e.g. <c>/health</c>).</summary>
    public static IReadOnlyList<string> Routes => Server.Value.Routes;

    /// <summary>Null when <paramref name="key"/> (environment form, <c>Engine__ShutdownGrace</c>) is a setting, else why not.</summary>
    public static string? WhyNotASetting(string key)
    {
        if (Framework.Contains(key) || Documented.Value.Contains(key)) return null;
        var segments = key.Split("__");
        foreach (var (section, type) in Server.Value.Sections)
        {
            var sectionSegments = section.Split(':');
            if (segments.Length <= sectionSegments.Length) continue;
            if (!sectionSegments.Select((s, i) => string.Equals(s, segments[i], StringComparison.OrdinalIgnoreCase)).All(b => b)) continue;
            if (Binds(type, segments.AsSpan(sectionSegments.Length))) return null;
        }
        return $"{key} is neither a property of the server's settings ({string.Join(", ", Server.Value.Sections.Select(s => s.Section))}) nor documented in README.md's Configuration";
    }

    /// <summary>The start-up validation's failures for these values (what `FlowForge cannot start:` would print), none when valid.</summary>
    public static string? ValidationFailure(IReadOnlyDictionary<string, string> environment)
    {
        var dir = Path.Combine(Path.GetTempPath(), "flowforge-deploy-settings", Guid.NewGuid().ToString("N"));
        var values = new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = $"Data Source={Path.Combine(dir, "flowforge.db")}",
            ["DataProtection:KeyPath"] = Path.Combine(dir, "keys"),
        };
        foreach (var (k, v) in environment)
        {
            if (Framework.Contains(k)) continue;
            // The files' paths (/data/keys) are the container's; only whether the value is accepted matters here.
            if (k is "DataProtection__KeyPath") continue;
            values[k.Replace("__", ":", StringComparison.Ordinal)] = v;
        }
        try
        {
            // Built, never started: nothing connects (a PostgreSQL connection string is only parsed), the settings are
            // bound and validated exactly as at start-up.
            var app = ServerApp.Build([], b => b.Configuration.AddInMemoryCollection(values));
            try
            {
                app.Services.GetRequiredService<IStartupValidator>().Validate();
                return null;
            }
            finally
            {
                ((IDisposable)app).Dispose();
            }
        }
        catch (Exception e)
        {
            return SettingsRegistration.DescribeFailure(e) ?? e.Message;
        }
    }

    private static bool Binds(Type type, ReadOnlySpan<string> segments)
    {
        if (segments.Length == 0) return true;
        var property = type.GetProperty(segments[0], BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
        if (property is null || !property.CanWrite && !typeof(IEnumerable).IsAssignableFrom(property.PropertyType)) return false;
        return BindsValue(property.PropertyType, segments[1..]);
    }

    private static bool BindsValue(Type type, ReadOnlySpan<string> rest)
    {
        if (rest.Length == 0) return true;
        if (type == typeof(string) || type.IsValueType) return false; // a scalar has no children
        if (type.IsGenericType && type.GetGenericArguments() is [var key, var value] && typeof(IDictionary).IsAssignableFrom(type) && key == typeof(string))
            return BindsValue(value, rest[1..]);
        if (type.IsGenericType && type.GetGenericArguments() is [var item] && typeof(IEnumerable).IsAssignableFrom(type))
            return int.TryParse(rest[0], out _) && BindsValue(item, rest[1..]);
        if (type.IsArray) return int.TryParse(rest[0], out _) && BindsValue(type.GetElementType()!, rest[1..]);
        return Binds(type, rest);
    }

    private static (List<(string, Type)>, List<string>) Inspect()
    {
        IServiceCollection? services = null;
        var dir = Path.Combine(Path.GetTempPath(), "flowforge-deploy-settings", Guid.NewGuid().ToString("N"));
        var app = ServerApp.Build([], b =>
        {
            services = b.Services;
            b.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Storage:ConnectionString"] = $"Data Source={Path.Combine(dir, "flowforge.db")}",
                ["DataProtection:KeyPath"] = Path.Combine(dir, "keys"),
            });
        });
        try
        {
            var sections = new List<(string, Type)>
            {
                // Read with ReadSettings (it decides which stores are registered), so it has no validator registration.
                ("Storage", typeof(StorageOptions)),
            };
            foreach (var d in services!)
            {
                if (d.ServiceType.IsGenericType && d.ServiceType.GetGenericTypeDefinition() == typeof(IValidateOptions<>)
                    && d.ImplementationInstance?.GetType() is { IsGenericType: true } t && t.GetGenericTypeDefinition() == typeof(SettingsValidator<>))
                {
                    var path = (string)t.GetProperty(nameof(SettingsValidator<object>.SectionPath))!.GetValue(d.ImplementationInstance)!;
                    sections.Add((path, t.GetGenericArguments()[0]));
                }
            }
            var routes = ((IEndpointRouteBuilder)app).DataSources.SelectMany(s => s.Endpoints).OfType<RouteEndpoint>()
                .Select(e => "/" + e.RoutePattern.RawText?.TrimStart('/')).Distinct().ToList();
            return (sections, routes);
        }
        finally
        {
            ((IDisposable)app).Dispose();
        }
    }

    private static HashSet<string> ReadDocumented()
    {
        var readme = File.ReadAllText(DeploymentFiles.PathOf("README.md"));
        // Table rows of the Configuration section start with the setting in backticks: | `DataProtection__KeyPath` | …
        var configuration = readme[readme.IndexOf("## Configuration", StringComparison.Ordinal)..];
        configuration = configuration[..configuration.IndexOf("\n## ", 3, StringComparison.Ordinal)];
        return DocumentedSetting().Matches(configuration).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
    }

    [GeneratedRegex(@"^\|\s*`([A-Za-z][A-Za-z0-9]*(?:__[A-Za-z0-9]+)+)`", RegexOptions.Multiline)]
    private static partial Regex DocumentedSetting();
}
