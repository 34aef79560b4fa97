using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FlowForge.Bench;

/// <summary>The canonical workload graphs, and the two API calls the bench makes (create + publish, execute).</summary>
public static class Workflows
{
    /// <summary>trigger_manual → s1 … s10 (bench_noop), each adding one: the result is n + 10.</summary>
    public static (JsonArray Nodes, JsonArray Edges) HelloSequence(int steps = 10)
    {
        var nodes = new JsonArray { Node("start", "trigger_manual", new JsonObject(), 0) };
        var edges = new JsonArray();
        var previous = "start";
        for (var i = 1; i <= steps; i++)
        {
            var id = $"s{i}";
            var value = i == 1 ? "{{trigger.n}}" : $"{{{{steps.{previous}.value}}}}";
            nodes.Add(Node(id, NoopHandler.TypeName, new JsonObject { ["value"] = value }, i));
            edges.Add(Edge(previous, id));
            previous = id;
        }
        return (nodes, edges);
    }

    /// <summary>trigger → a → p1 … p10 in parallel → join (10 incoming edges): 12 activities, the result is n + 3.</summary>
    public static (JsonArray Nodes, JsonArray Edges) FanOut(int width = 10)
    {
        var nodes = new JsonArray
        {
            Node("start", "trigger_manual", new JsonObject(), 0),
            Node("a", NoopHandler.TypeName, new JsonObject { ["value"] = "{{trigger.n}}" }, 1),
            Node("join", NoopHandler.TypeName, new JsonObject { ["value"] = "{{steps.p1.value}}" }, 3),
        };
        var edges = new JsonArray { Edge("start", "a") };
        for (var i = 1; i <= width; i++)
        {
            nodes.Add(Node($"p{i}", NoopHandler.TypeName, new JsonObject { ["value"] = "{{steps.a.value}}" }, 2, i));
            edges.Add(Edge("a", $"p{i}"));
            edges.Add(Edge($"p{i}", "join"));
        }
        return (nodes, edges);
    }

    /// <summary>trigger → logic_delay (until a fixed moment) → one bench_noop: the result is n + 1.</summary>
    public static (JsonArray Nodes, JsonArray Edges) Parked(DateTimeOffset until)
    {
        var nodes = new JsonArray
        {
            Node("start", "trigger_manual", new JsonObject(), 0),
            Node("wait", "logic_delay", new JsonObject { ["until"] = until.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ") }, 1),
            Node("after", NoopHandler.TypeName, new JsonObject { ["value"] = "{{trigger.n}}" }, 2),
        };
        var edges = new JsonArray { Edge("start", "wait"), Edge("wait", "after") };
        return (nodes, edges);
    }

    public static async Task<string> CreatePublishedAsync(HttpClient http, string name, (JsonArray Nodes, JsonArray Edges) graph)
    {
        var body = new JsonObject { ["name"] = name, ["nodes"] = graph.Nodes, ["edges"] = graph.Edges };
        using var created = await http.PostAsJsonAsync("/api/workflows", body);
        var text = await created.Content.ReadAsStringAsync();
        if (!created.IsSuccessStatusCode) throw new InvalidOperationException($"Create '{name}' failed: {(int)created.StatusCode} {text}");
        var id = JsonNode.Parse(text)!["id"]!.GetValue<string>();
        using var published = await http.PostAsync($"/api/workflows/{id}/publish", null);
        if (!published.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Publish '{name}' failed: {(int)published.StatusCode} {await published.Content.ReadAsStringAsync()}");
        }
        return id;
    }

    /// <summary>POST /api/workflows/{id}/execute with trigger data <c>{n}</c>; returns the execution id once the 202 is in.</summary>
    public static async Task<string> ExecuteAsync(HttpClient http, string workflowId, long n)
    {
        using var content = new StringContent("{\"triggerData\":{\"n\":" + n.ToString(System.Globalization.CultureInfo.InvariantCulture) + "}}", System.Text.Encoding.UTF8, "application/json");
        using var response = await http.PostAsync($"/api/workflows/{workflowId}/execute", content);
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            throw new InvalidOperationException($"Execute failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        await using var stream = await response.Content.ReadAsStreamAsync();
        using var doc = await JsonDocument.ParseAsync(stream);
        return doc.RootElement.GetProperty("executionId").GetString()!;
    }

    private static JsonObject Node(string id, string type, JsonObject config, int column, int row = 0) => new()
    {
        ["id"] = id,
        ["type"] = type,
        ["config"] = config,
        ["position"] = new JsonObject { ["x"] = column * 220, ["y"] = row * 100 },
    };

    private static JsonObject Edge(string source, string target) => new()
    {
        ["id"] = $"e_{source}_{target}",
        ["source"] = source,
        ["target"] = target,
    };
}
