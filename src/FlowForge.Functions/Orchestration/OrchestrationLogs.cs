using Microsoft.Extensions.Logging;

namespace FlowForge.Functions.Orchestration;

/// <summary>The orchestration's log messages (event ids 2200–2249). The orchestrator logs through the replay-safe logger only.</summary>
internal static partial class OrchestrationLogs
{
    [LoggerMessage(EventId = 2200, Level = LogLevel.Information, Message = "Execution {ExecutionId} finished {Status} after {Events} history events.")]
    public static partial void Finished(ILogger logger, string executionId, string status, long events);

    [LoggerMessage(EventId = 2201, Level = LogLevel.Warning, Message = "Execution {ExecutionId} did not start: {Reason}")]
    public static partial void NotStarted(ILogger logger, string executionId, string? reason);

    [LoggerMessage(EventId = 2202, Level = LogLevel.Warning, Message = "Execution {ExecutionId}: step {StepKey} could not be run by the activity host after its retries: {Reason}")]
    public static partial void HostFailed(ILogger logger, string executionId, string stepKey, string reason);

    [LoggerMessage(EventId = 2203, Level = LogLevel.Warning, Message = "Execution {ExecutionId}: live progress could not be published (the turn is recorded; clients resync).")]
    public static partial void PublishFailed(ILogger logger, Exception exception, string executionId);
}
