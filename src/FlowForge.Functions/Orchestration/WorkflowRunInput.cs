using FlowForge.Core.Storage;

namespace FlowForge.Functions.Orchestration;

/// <summary>
/// The orchestration's input: the execution as the starter created it (its id is the instance id; the pinned
/// workflow version, the trigger data, and for a sub-workflow its parent and depth).
/// </summary>
internal sealed record WorkflowRunInput(NewExecution Execution);
