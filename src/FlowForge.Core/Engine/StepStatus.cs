namespace FlowForge.Core.Engine;

/// <summary>
/// A step's status as people see it (the execution API and the live feed): derived here and nowhere else,
/// from the step's phase and whether onError settled it.
/// </summary>
public static class StepStatus
{
    public const string Running = "running";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Retrying = "retrying";
    public const string Waiting = "waiting";

    public static string Of(StepPhase phase, bool settledByOnError) => phase switch
    {
        StepPhase.Completed => settledByOnError ? Failed : Completed,
        StepPhase.FailedTerminal => Failed,
        StepPhase.AttemptFailed or StepPhase.RetryWaiting or StepPhase.RetryDue => Retrying,
        StepPhase.Delaying or StepPhase.Waiting or StepPhase.ChildRunning => Waiting,
        _ => Running,
    };

    public static string Of(StepState step) => Of(step.Phase, step.SettledByOnError);
}
