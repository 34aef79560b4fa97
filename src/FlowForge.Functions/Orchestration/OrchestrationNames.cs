namespace FlowForge.Functions.Orchestration;

/// <summary>The names the Durable Task runtime knows FlowForge's orchestration, activities and events by.</summary>
internal static class OrchestrationNames
{
    /// <summary>The orchestrator: one instance per execution, instance id = execution id.</summary>
    public const string RunWorkflow = "RunWorkflow";

    /// <summary>The activity running one attempt of one step with the node's handler.</summary>
    public const string RunNode = "RunNode";

    /// <summary>The activity appending one decider turn to the execution log (and publishing live progress).</summary>
    public const string RecordTurn = "RecordTurn";

    /// <summary>The activity loading the pinned workflow version (so replay sees the version the run started with).</summary>
    public const string LoadWorkflow = "LoadWorkflow";

    /// <summary>The external event that cancels an execution (its payload: the reason, or null).</summary>
    public const string CancelEvent = "flowforge.cancel";
}
