using System.Text.Json;
using System.Text.Json.Nodes;
using FlowForge.Server.Tests.Infrastructure;

namespace FlowForge.Server.Tests.Nodes.Ai;

/// <summary>Workflows for the AI node tests, built as JSON objects.</summary>
public static class AiWorkflows
{
    public static string Tag() => "tag" + Guid.NewGuid().ToString("N")[..10];

    /// <summary>A manual trigger followed by one node <c>ai</c> of <paramref name="type"/>.</summary>
    public static string Single(string type, object config) => Build(
        [Node("t", "trigger_manual", new { }), Node("ai", type, config)],
        [Edge("t", "ai")]);

    /// <summary>A decision agent <c>d</c> whose three ports lead to set-variable steps named after them.</summary>
    public static string Decision(object config) => Build(
        [
            Node("t", "trigger_manual", new { }),
            Node("d", "agent_decision", config),
            Node("approved", "logic_set_variable", new { variables = new { route = "approve" } }),
            Node("rejected", "logic_set_variable", new { variables = new { route = "reject" } }),
            Node("reviewed", "logic_set_variable", new { variables = new { route = "review" } }),
        ],
        [Edge("t", "d"), Edge("d", "approved", "approve"), Edge("d", "rejected", "reject"), Edge("d", "reviewed", "review")]);

    public static JsonObject Node(string id, string type, object config) =>
        new() { ["id"] = id, ["type"] = type, ["config"] = JsonSerializer.SerializeToNode(config) };

    public static JsonObject Edge(string source, string target, string? handle = null)
    {
        var edge = new JsonObject { ["source"] = source, ["target"] = target };
        if (handle is not null) edge["sourceHandle"] = handle;
        return edge;
    }

    public static string Build(JsonObject[] nodes, JsonObject[] edges) => new JsonObject
    {
        ["name"] = "ai-" + Guid.NewGuid().ToString("N")[..6],
        ["nodes"] = new JsonArray([.. nodes]),
        ["edges"] = new JsonArray([.. edges]),
    }.ToJsonString();

    /// <summary>Publishes, runs with <paramref name="trigger"/> and waits for the end; returns the execution id and its detail.</summary>
    public static async Task<(string Id, JsonNode Done)> Run(this HttpClient client, string workflow, object? trigger = null)
    {
        var wf = await client.Publish(workflow);
        var id = await client.Execute(wf, trigger);
        return (id, await client.WaitFinished(id));
    }

    public static JsonNode Output(this JsonNode done, string step = "ai") => done.Step(step)["output"]!;

    public static object FastRetry(int attempts) => new { maxAttempts = attempts, initialInterval = "10ms", maxInterval = "50ms" };
}
