namespace FlowForge.Server.Tests.Infrastructure;

/// <summary>Workflow bodies used across tests.</summary>
public static class Workflows
{
    /// <summary>A valid two-step workflow: a manual trigger and a set-variable step.</summary>
    public static string Simple(string name = "Simple") => $$$"""
        {
          "name": "{{{name}}}",
          "description": "two steps",
          "nodes": [
            { "id": "start", "type": "trigger_manual", "config": {}, "position": { "x": 0, "y": 0 } },
            { "id": "set", "type": "logic_set_variable", "config": { "variables": { "greeting": "hi {{trigger.name}}" } }, "position": { "x": 200, "y": 0 } }
          ],
          "edges": [ { "id": "e1", "source": "start", "target": "set" } ],
          "canvas": { "zoom": 1, "x": 0, "y": 0 }
        }
        """;

    /// <summary>A workflow that saves fine but does not validate: no trigger.</summary>
    public static string NoTrigger(string name = "Broken") => $$"""
        {
          "name": "{{name}}",
          "nodes": [ { "id": "set", "type": "logic_set_variable", "config": { "variables": { "a": 1 } } } ],
          "edges": []
        }
        """;
}
