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

    /// <summary>A manual trigger, then an approval whose approved, rejected and timeout ports each set <c>route</c>.</summary>
    public static string Approval(string timeout = "1h", string name = "approval") => $$$"""
        { "name": "{{{name}}}", "nodes": [
            { "id": "t", "type": "trigger_manual" },
            { "id": "approve", "type": "logic_approval", "config": { "message": "Refund?", "timeout": "{{{timeout}}}" } },
            { "id": "ok", "type": "logic_set_variable", "config": { "variables": { "route": "approved" } } },
            { "id": "no", "type": "logic_set_variable", "config": { "variables": { "route": "rejected" } } },
            { "id": "late", "type": "logic_set_variable", "config": { "variables": { "route": "timeout" } } } ],
          "edges": [ { "source": "t", "target": "approve" },
                     { "source": "approve", "target": "ok", "sourceHandle": "approved" },
                     { "source": "approve", "target": "no", "sourceHandle": "rejected" },
                     { "source": "approve", "target": "late", "sourceHandle": "timeout" } ] }
        """;
}
