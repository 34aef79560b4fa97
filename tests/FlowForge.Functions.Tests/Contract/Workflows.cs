using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace FlowForge.Functions.Tests.Contract;

/// <summary>Workflow bodies the Functions tests create through the server's API (the Functions app has no workflow endpoints).</summary>
internal static class Workflows
{
    public static string Simple(string name) => $$$"""
        { "name": "{{{name}}}", "nodes": [
            { "id": "start", "type": "trigger_manual", "config": {} },
            { "id": "set", "type": "logic_set_variable", "config": { "variables": { "greeting": "hi {{trigger.name}}" } } } ],
          "edges": [ { "id": "e1", "source": "start", "target": "set" } ] }
        """;

    /// <summary>A manual trigger, then an approval whose approved, rejected and timeout ports each set <c>route</c>.</summary>
    public static string Approval(string name) => $$$"""
        { "name": "{{{name}}}", "nodes": [
            { "id": "t", "type": "trigger_manual" },
            { "id": "approve", "type": "logic_approval", "config": { "message": "Refund?", "timeout": "1h" } },
            { "id": "ok", "type": "logic_set_variable", "config": { "variables": { "route": "approved" } } },
            { "id": "no", "type": "logic_set_variable", "config": { "variables": { "route": "rejected" } } },
            { "id": "late", "type": "logic_set_variable", "config": { "variables": { "route": "timeout" } } } ],
          "edges": [ { "source": "t", "target": "approve" },
                     { "source": "approve", "target": "ok", "sourceHandle": "approved" },
                     { "source": "approve", "target": "no", "sourceHandle": "rejected" },
                     { "source": "approve", "target": "late", "sourceHandle": "timeout" } ] }
        """;

    /// <summary>A webhook trigger authenticated by a Standard Webhooks signature, then a step echoing the body's name.</summary>
    public static string Webhook(string name) => $$$"""
        { "name": "{{{name}}}", "nodes": [
            { "id": "hook", "type": "trigger_webhook", "config": { "auth": "signature" } },
            { "id": "set", "type": "logic_set_variable", "config": { "variables": { "got": "{{trigger.body.name}}" } } } ],
          "edges": [ { "id": "e1", "source": "hook", "target": "set" } ] }
        """;

    public static string Schedule(string name, string cron) => $$$"""
        { "name": "{{{name}}}", "nodes": [
            { "id": "tick", "type": "trigger_schedule", "config": { "cron": "{{{cron}}}" } },
            { "id": "set", "type": "logic_set_variable", "config": { "variables": { "at": "{{trigger.scheduled_time}}" } } } ],
          "edges": [ { "id": "e1", "source": "tick", "target": "set" } ] }
        """;

    /// <summary>Creates and publishes through the server; returns the workflow id and the publish answer.</summary>
    public static async Task<(string Id, JsonNode Published)> CreateAndPublishAsync(this TwoHostsFixture hosts, string workflowJson)
    {
        using var client = hosts.Server();
        var created = await client.PostAsync("/api/workflows", new StringContent(workflowJson, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (string)(await created.Content.ReadFromJsonAsync<JsonNode>())!["id"]!;
        var published = await client.PostAsync($"/api/workflows/{id}/publish", null);
        Assert.Equal(HttpStatusCode.OK, published.StatusCode);
        return (id, (await published.Content.ReadFromJsonAsync<JsonNode>())!);
    }
}
