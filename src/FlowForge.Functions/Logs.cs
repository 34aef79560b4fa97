using Microsoft.Extensions.Logging;

namespace FlowForge.Functions;

/// <summary>
/// Source-generated log messages of the Functions host's HTTP functions and schedules (event ids 2300–2349). The
/// orchestration (2200–2249) and the execution log and live publisher (2250–2299) keep their own in their folders.
/// </summary>
internal static partial class Logs
{
    [LoggerMessage(2300, LogLevel.Error, "Function {Function} failed; answered 500")]
    public static partial void FunctionFailed(ILogger logger, Exception e, string function);

    [LoggerMessage(2310, LogLevel.Debug, "Schedule tick: {Count} due schedule trigger(s) handled")]
    public static partial void SchedulesFired(ILogger logger, int count);

    [LoggerMessage(2311, LogLevel.Information, "Schedule tick skipped: Triggers__Schedules is false on this app")]
    public static partial void SchedulesOff(ILogger logger);
}
