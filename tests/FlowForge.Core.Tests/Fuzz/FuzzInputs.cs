using System.Text.Json;
using System.Text.Json.Nodes;
using FlowForge.Core.Catalog;
using FlowForge.Core.Model;
using FsCheck;
using FsCheck.Fluent;

namespace FlowForge.Core.Tests.Fuzz;

/// <summary>
/// Generators for the fuzz suite: JSON values, templates, conditions and whole workflows. Biased towards
/// inputs that get deep into the code (mostly well-formed configs and reachable graphs, with hostile
/// strings, odd numbers and broken pieces mixed in), so a property run does not stop at the first check.
/// </summary>
internal static class FuzzInputs
{
    private static readonly string[] Strings =
    [
        "", "a", "Ada", "vip", "items", "failed", "error", "héllo wörld", "日本語", "\u202Eevil\u202C", "\u0000nul", "line\nbreak",
        "{{", "}}", "{{}}", "{{ }}", "{{trigger.name}}", "{{trigger}}", "{{vars.item}}", "{{vars.index}}", "{{steps.t.name}}",
        "{{steps.missing.x}}", "{{message_text}}", "{{trigger.items[0]}}", "{{trigger.items[99]}}", "{{trigger..x}}", "{{{{x}}}}",
        "{{trigger.name}} and {{vars.item}}", "1e308", "-0", "null", "true", "https://example.com/", "5s", "1d", "366d", "9999-01-01T00:00:00Z",
        new string('x', 300),
    ];

    private static readonly string[] Conditions =
    [
        "{{trigger.vip}} == true", "{{trigger.name}} == 'Ada'", "{{x}} > 1 AND NOT {{y}} < 2", "({{a}} == 1) OR ({{b}} != 'z')",
        "{{trigger.name}} contains 'A'", "{{trigger.name}} starts_with", "{{q}} is_empty", "{{q}} exists", "NOT NOT NOT true",
        "((((", "))", "== ==", "'unterminated", "{{a}} > 'x'", "1 < 2 < 3", "{{trigger.items}} contains 2", "", "AND", "{{a}} >= -1e309",
    ];

    private static readonly string[] Ports = ["out", "true", "false", "item", "done", "error", "approved", "rejected", "timeout", "a", "b", "zzz"];

    public static Gen<string> Text { get; } = Gen.OneOf(Gen.Elements(Strings), ArbMap.Default.GeneratorFor<string>().Where(s => s is not null));

    public static Gen<string> Condition { get; } = Gen.Frequency((3, Gen.Elements(Conditions)), (1, Text));

    private static Gen<JsonNode?> Scalar { get; } = Gen.OneOf(
        Gen.Constant<JsonNode?>(null),
        Gen.Elements(true, false).Select(b => (JsonNode?)JsonValue.Create(b)),
        Gen.Choose(-1000, 1000).Select(i => (JsonNode?)JsonValue.Create(i)),
        Gen.Elements(0.5, -1e300, 1e300, double.Epsilon).Select(d => (JsonNode?)JsonValue.Create(d)),
        Text.Select(s => (JsonNode?)JsonValue.Create(s)));

    /// <summary>A JSON value at most <paramref name="depth"/> levels deep.</summary>
    public static Gen<JsonNode?> Json(int depth) => depth <= 0
        ? Scalar
        : Gen.Frequency(
            (3, Scalar),
            (1, Gen.Choose(0, 4).SelectMany(n => Gen.Zip(Gen.Elements(Strings), Json(depth - 1)).ArrayOf(n))
                .Select(pairs =>
                {
                    var o = new JsonObject();
                    foreach (var (k, v) in pairs) o[k] = v;
                    return (JsonNode?)o;
                })),
            (1, Gen.Choose(0, 4).SelectMany(n => Json(depth - 1).ArrayOf(n)).Select(items => (JsonNode?)new JsonArray([.. items]))));

    public static Gen<JsonObject> TriggerData { get; } = Json(3).Select(j => j as JsonObject ?? new JsonObject { ["value"] = j?.DeepClone() })
        .SelectMany(o => Gen.Choose(0, 3).Select(n =>
        {
            o["items"] = new JsonArray([.. Enumerable.Range(0, n).Select(i => (JsonNode?)JsonValue.Create(i))]);
            return o;
        }));

    private static Gen<JsonObject> Config(string type) => (type switch
    {
        "logic_set_variable" => Gen.Choose(0, 3).SelectMany(n => Gen.Zip(Gen.Elements("a", "b", "failed", "order"), Json(2)).ArrayOf(n))
            .Select(vars =>
            {
                var v = new JsonObject();
                foreach (var (k, value) in vars) v[k] = value;
                return new JsonObject { ["variables"] = v };
            }),
        "logic_condition" => Condition.Select(c => new JsonObject { ["condition"] = c }),
        "logic_delay" => Gen.Elements("1s", "5m", "1d", "0s", "400d", "{{trigger.wait}}").Select(d => new JsonObject { ["duration"] = d }),
        "logic_loop" => Gen.Elements<JsonNode?>("{{trigger.items}}", new JsonArray(1, 2, 3), "{{vars.item}}", new JsonArray())
            .SelectMany(items => Gen.Elements("sequential", "parallel").Select(mode => new JsonObject { ["items"] = items?.DeepClone(), ["mode"] = mode, ["maxIterations"] = 50 })),
        "logic_ab_split" => Gen.Constant(new JsonObject { ["variants"] = new JsonArray(new JsonObject { ["name"] = "a", ["weight"] = 1 }, new JsonObject { ["name"] = "b", ["weight"] = 2 }) }),
        "logic_approval" => Gen.Elements("1h", "7d").Select(t => new JsonObject { ["message"] = "ok? {{trigger.name}}", ["timeout"] = t }),
        "logic_subworkflow" => Gen.Elements(true, false).Select(w => new JsonObject { ["workflowId"] = "wf_child", ["waitForCompletion"] = w, ["input"] = new JsonObject { ["x"] = "{{trigger.name}}" } }),
        "action_http" => Gen.Elements("https://example.com/{{trigger.name}}", "{{trigger.url}}", "not a url").Select(u => new JsonObject
        {
            ["url"] = u, ["method"] = "POST", ["body"] = new JsonObject { ["n"] = "{{vars.item}}" },
            ["retry"] = new JsonObject { ["maxAttempts"] = 3, ["initialInterval"] = "1s", ["backoffCoefficient"] = 2 },
        }),
        "utility_sentiment" => Gen.Elements("{{trigger.name}}", "{{message_text}}").Select(t => new JsonObject { ["text"] = t, ["onError"] = "continue" }),
        _ => Gen.Constant(new JsonObject()),
    }).SelectMany(config => Gen.Frequency(
        (8, Gen.Constant(config)),
        // A broken config now and then: a random field or a random value where the config was.
        (1, Gen.Zip(Gen.Elements(Strings), Json(2)).Select(extra => { config[extra.Item1] = extra.Item2; return config; })),
        (1, Json(2).Select(j => j as JsonObject ?? new JsonObject()))));

    private static readonly string[] Types =
    [
        "logic_set_variable", "logic_condition", "logic_delay", "logic_loop", "logic_ab_split", "logic_approval", "logic_subworkflow",
        "action_http", "utility_sentiment", "no_such_type",
    ];

    /// <summary>
    /// A workflow: a trigger first (almost always), then steps each hung off an earlier step by one of its ports,
    /// plus now and then an extra edge that may point anywhere (back edges, unknown nodes and ports, duplicates).
    /// </summary>
    public static Gen<WorkflowGraph> Workflow { get; } =
        from count in Gen.Choose(1, 8)
        from trigger in Gen.Frequency((9, Gen.Constant("trigger_manual")), (1, Gen.Constant("logic_set_variable")))
        from types in Gen.Frequency((30, Gen.Elements(Types[..^1])), (1, Gen.Constant(Types[^1]))).ArrayOf(count)
        from configs in Gen.CollectToArray(types.Select(Config))
        from parents in Gen.Choose(0, 1000).ArrayOf(count)
        from portPicks in Gen.Choose(0, 1000).ArrayOf(count)
        from extraCount in Gen.Frequency((3, Gen.Constant(0)), (1, Gen.Choose(1, 2)))
        from extras in (from a in Gen.Choose(0, count) from b in Gen.Choose(0, count) from p in Gen.Elements(Ports) select (a, b, p)).ArrayOf(extraCount)
        select Build(trigger, types, [.. configs], parents, portPicks, extras);

    private static WorkflowGraph Build(string trigger, string[] types, JsonObject[] configs, int[] parents, int[] portPicks, (int, int, string)[] extras)
    {
        var nodes = new List<NodeDefinition> { new("t", trigger, Element(new JsonObject())) };
        var edges = new List<EdgeDefinition>();
        for (var i = 0; i < types.Length; i++)
        {
            var node = new NodeDefinition($"n{i}", types[i], Element(configs[i]));
            var parent = nodes[parents[i] % nodes.Count];
            var ports = NodeCatalog.Default.Find(parent.Type) is { } type ? type.PortsFromConfig?.Invoke(parent) ?? type.OutputPorts : ["out"];
            var port = ports.Count == 0 ? null : ports[portPicks[i] % ports.Count];
            edges.Add(new EdgeDefinition($"e{i}", parent.Id, node.Id, port == NodeTypeDescriptor.DefaultPort ? null : port));
            nodes.Add(node);
        }
        // Every port that must lead somewhere (a condition's true and false, a loop's item and done…) gets an end step.
        var end = 0;
        foreach (var node in nodes.ToList())
        {
            if (NodeCatalog.Default.Find(node.Type) is not { RequiresOutgoingEdge: true } type) continue;
            foreach (var port in type.PortsFromConfig?.Invoke(node) ?? type.OutputPorts)
            {
                if (edges.Any(e => e.Source == node.Id && (e.SourceHandle ?? NodeTypeDescriptor.DefaultPort) == port)) continue;
                var id = $"end{end++}";
                nodes.Add(new NodeDefinition(id, "logic_set_variable", Element(new JsonObject { ["variables"] = new JsonObject { ["end"] = id } })));
                edges.Add(new EdgeDefinition($"e_{id}", node.Id, id, port == NodeTypeDescriptor.DefaultPort ? null : port));
            }
        }
        foreach (var (from, to, port) in extras)
        {
            edges.Add(new EdgeDefinition($"x{edges.Count}", from == 0 ? "t" : from > types.Length ? "ghost" : $"n{from - 1}", to == 0 ? "t" : $"n{Math.Min(to, types.Length) - 1}", port));
        }
        return new WorkflowGraph(nodes, edges);
    }

    public static JsonElement Element(JsonNode node) => JsonDocument.Parse(node.ToJsonString()).RootElement.Clone();
}
