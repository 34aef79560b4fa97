using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;

namespace FlowForge.Functions.Orchestration;

/// <summary>
/// The Functions bindings of the orchestration and its activities: one line each onto <see cref="WorkflowOrchestration"/> and
/// <see cref="OrchestrationActivities"/>, which the in-process test host registers too (<see cref="OrchestrationRegistration"/>).
/// Plain methods, not <c>TaskActivity</c> classes: a class and a function of the same name crash the Durable Task analyzer.
/// </summary>
internal sealed class WorkflowFunctions(OrchestrationActivities activities)
{
    [Function(OrchestrationNames.RunWorkflow)]
    public static Task<RunOutcome> RunWorkflow([OrchestrationTrigger] TaskOrchestrationContext context) =>
        WorkflowOrchestration.RunAsync(context, context.GetInput<WorkflowRunInput>()!);

    [Function(OrchestrationNames.LoadWorkflow)]
    public Task<LoadedWorkflow> LoadWorkflow([ActivityTrigger] WorkflowRunInput input, FunctionContext function) =>
        activities.LoadWorkflowAsync(input, function.CancellationToken);

    [Function(OrchestrationNames.RunNode)]
    public Task<StepResult> RunNode([ActivityTrigger] FlowForge.Core.Storage.ActivityRequest request, FunctionContext function) =>
        activities.RunNodeAsync(request, function.CancellationToken);

    [Function(OrchestrationNames.RecordTurn)]
    public Task RecordTurn([ActivityTrigger] TurnRecord turn, FunctionContext function) =>
        activities.RecordTurnAsync(turn, function.CancellationToken);
}
