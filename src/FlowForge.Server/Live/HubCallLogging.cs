using Microsoft.AspNetCore.SignalR;

namespace FlowForge.Server.Live;

/// <summary>
/// Logs hub calls that fail. A refusal (<see cref="HubException"/>: not found, too many subscriptions) is the client's
/// mistake: one warning line, no stack, so a client cannot flood the log with error reports. Anything else is a fault
/// and keeps its stack. The exception is rethrown either way, so the client still gets SignalR's error completion with
/// the refusal's message. SignalR's own report of every failed call (an error with a stack) is turned off in
/// <see cref="LiveRegistration"/> because this filter replaces it.
/// </summary>
internal sealed class HubCallLogging(ILogger<HubCallLogging> logger) : IHubFilter
{
    /// <summary>The category SignalR reports failed hub calls under (event 8, FailedInvokingHubMethod, at Error).</summary>
    public const string DispatcherCategory = "Microsoft.AspNetCore.SignalR.Internal.DefaultHubDispatcher";

    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        try
        {
            return await next(invocationContext);
        }
        catch (HubException e)
        {
            Logs.HubCallRefused(logger, invocationContext.HubMethodName, invocationContext.Context.ConnectionId, e.Message);
            throw;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Logs.HubCallFailed(logger, e, invocationContext.HubMethodName, invocationContext.Context.ConnectionId);
            throw;
        }
    }
}
