namespace FlowForge.Core.Engine;

/// <summary>The node type names and ports the engine itself interprets.</summary>
public static class NodeTypes
{
    public const string Condition = "logic_condition";
    public const string Delay = "logic_delay";
    public const string Loop = "logic_loop";
    public const string AbSplit = "logic_ab_split";
    public const string SetVariable = "logic_set_variable";
    public const string Subworkflow = "logic_subworkflow";
    public const string Approval = "logic_approval";
    public const string HttpAction = "action_http";

    public const string LoopItemPort = "item";
    public const string LoopDonePort = "done";

    public const string TriggerPrefix = "trigger_";

    public static bool IsTrigger(string type) => type.StartsWith(TriggerPrefix, StringComparison.Ordinal);
}
