using System.Text.Json;
using System.Text.Json.Nodes;

namespace FlowForge.Functions.Tests.Contract;

/// <summary>
/// Compares two JSON answers by shape: the same property names at every level, values of the same JSON kind, array
/// elements of the same shape. Values themselves (ids, times, durations) are not compared: each host has its own. A
/// null on either side matches any kind (a nullable property that one run filled and the other did not).
/// </summary>
internal static class JsonShape
{
    /// <param name="extraOnFunctions">Paths (like <c>links.statusQueryGetUri</c>) only the Functions host may add.</param>
    public static void AssertSame(JsonNode? server, JsonNode? functions, params string[] extraOnFunctions)
    {
        var differences = new List<string>();
        Compare(server, functions, "$", new HashSet<string>(extraOnFunctions.Select(p => "$." + p), StringComparer.Ordinal), differences);
        Assert.True(differences.Count == 0,
            $"The hosts' answers differ in shape:\n{string.Join("\n", differences)}\nserver:    {server?.ToJsonString()}\nfunctions: {functions?.ToJsonString()}");
    }

    private static void Compare(JsonNode? s, JsonNode? f, string path, HashSet<string> extra, List<string> differences)
    {
        if (s is null || f is null) return;
        switch (s, f)
        {
            case (JsonObject so, JsonObject fo):
                foreach (var (name, value) in so)
                {
                    if (!fo.ContainsKey(name)) differences.Add($"{path}.{name}: only on the server");
                    else Compare(value, fo[name], $"{path}.{name}", extra, differences);
                }
                foreach (var (name, _) in fo)
                {
                    if (!so.ContainsKey(name) && !extra.Contains($"{path}.{name}")) differences.Add($"{path}.{name}: only on the Functions host");
                }
                break;
            case (JsonArray sa, JsonArray fa):
                // Element by element (the tests make both hosts hold the same items: step logs, one execution each).
                if (sa.Count != fa.Count) differences.Add($"{path}: {sa.Count} item(s) on the server, {fa.Count} on the Functions host");
                for (var i = 0; i < Math.Min(sa.Count, fa.Count); i++) Compare(sa[i], fa[i], $"{path}[{i}]", extra, differences);
                break;
            case (JsonValue sv, JsonValue fv):
                if (Kind(sv) != Kind(fv)) differences.Add($"{path}: {Kind(sv)} on the server, {Kind(fv)} on the Functions host");
                break;
            default:
                differences.Add($"{path}: {s.GetValueKind()} on the server, {f.GetValueKind()} on the Functions host");
                break;
        }
    }

    private static string Kind(JsonValue value) => value.GetValueKind() switch
    {
        JsonValueKind.True or JsonValueKind.False => "boolean",
        var kind => kind.ToString().ToLowerInvariant(),
    };
}
