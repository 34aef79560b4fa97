using FlowForge.Core.Engine;
using FlowForge.Core.Engine.History;
using FlowForge.Core.Model;

namespace FlowForge.Functions.Orchestration;

/// <summary>
/// What the LoadWorkflow activity answers: the pinned version's graph and the host's engine limits, both recorded in the
/// orchestration's history so every replay decides with the same graph and limits. <see cref="Error"/> when the version
/// (or, for a sub-workflow, any published version) cannot be found: the execution fails with it.
/// </summary>
/// <param name="Version">The version run: the pinned one, or for a sub-workflow the one published when it started.</param>
/// <param name="Created">False when the workflow could not be found and no log row was written (a sub-workflow of a missing workflow).</param>
internal sealed record LoadedWorkflow(int Version, WorkflowGraph? Graph, EngineLimitsData Limits, string? Error, bool Created);

/// <summary><see cref="EngineLimits"/> without its per-turn allowance, in a shape the Durable Task serializer round-trips.</summary>
internal sealed record EngineLimitsData(long MaxStepOutputBytes, int MaxSubworkflowDepth, int MaxStepsPerExecution)
{
    public EngineLimits ToLimits() => new(MaxStepOutputBytes, MaxSubworkflowDepth, MaxStepsPerExecution: MaxStepsPerExecution);
}

/// <summary>
/// One attempt's outcome from the RunNode activity: a <see cref="StepCompleted"/> or <see cref="StepFailed"/>. Wrapped so the
/// event is serialized through its declared base type (with its type discriminator) whatever serializer the host uses.
/// </summary>
internal sealed record StepResult(HistoryEvent Event);

/// <summary>
/// One decider turn for the RecordTurn activity: <paramref name="Events"/> (accepted inbox messages, then decisions) numbered
/// from <paramref name="AfterSequence"/> + 1, and the execution's status after them. <paramref name="Now"/> is orchestration time.
/// </summary>
internal sealed record TurnRecord(string ExecutionId, long AfterSequence, IReadOnlyList<HistoryEvent> Events, string Status, DateTimeOffset Now);

/// <summary>
/// What an execution's orchestration returns: its terminal status with its output or error, as recorded in the log. A
/// failed or cancelled execution still completes its Durable instance (with this outcome) rather than faulting it: the log
/// is the record of the failure, and a parent reads the outcome into <see cref="ChildFailed"/> as the server's dispatcher does.
/// </summary>
/// <param name="Started">False when the execution never started (its workflow could not be found): a parent reports the reason alone.</param>
internal sealed record RunOutcome(string ExecutionId, string Status, System.Text.Json.Nodes.JsonNode? Output, string? Error, bool Started = true);
