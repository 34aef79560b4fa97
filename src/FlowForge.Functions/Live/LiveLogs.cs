using Microsoft.Extensions.Logging;

namespace FlowForge.Functions.Live;

/// <summary>Log messages of the live-progress publisher (event ids 2250–2299 belong to az-store's parts).</summary>
internal static partial class LiveLogs
{
    [LoggerMessage(2250, LogLevel.Warning, "Publishing live progress of execution {ExecutionId} to Azure SignalR Service failed at sequence {Sequence}; clients resync from the execution detail")]
    public static partial void PublishFailed(ILogger logger, Exception e, string executionId, long sequence);

    [LoggerMessage(2251, LogLevel.Error, "Mapping the recorded turn of execution {ExecutionId} to live events threw; nothing was published")]
    public static partial void MapFailed(ILogger logger, Exception e, string executionId);
}
