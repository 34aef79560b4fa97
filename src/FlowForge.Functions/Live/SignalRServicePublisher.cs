using FlowForge.Core.Engine.History;
using FlowForge.Core.Storage;
using FlowForge.Server.Engine;
using FlowForge.Server.Live;
using Microsoft.Extensions.Logging;

namespace FlowForge.Functions.Live;

/// <summary>
/// Live progress through Azure SignalR Service: the server's <see cref="ProgressMapper"/> turns the recorded turn into
/// the same events the server's hub sends (same names, same payloads), posted to the groups the hub would route them
/// to (<see cref="LiveGroups"/>), in order. Best effort, like the server's broadcaster: a failure is logged and the
/// turn goes on (clients resync from the execution detail). Step durations need the step's start in the same turn
/// (the publisher keeps no state between turns, which may run on different instances): otherwise they are left out.
/// </summary>
internal sealed class SignalRServicePublisher(SignalRServiceRest rest, ILogger<SignalRServicePublisher> logger, TimeProvider time) : IProgressPublisher
{
    public async Task PublishAsync(ExecutionRecord execution, long afterSequence, IReadOnlyList<HistoryEvent> events, CancellationToken ct = default)
    {
        var progress = new ExecutionProgress(execution.Id, execution.OrgId, execution.WorkflowId, execution.Status, afterSequence + 1, events,
            time.GetUtcNow(), execution.CreatedAt);
        IReadOnlyList<ProgressEvent> live;
        try
        {
            live = ProgressMapper.Map(progress, new Dictionary<string, DateTimeOffset>());
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LiveLogs.MapFailed(logger, e, execution.Id);
            return;
        }
        foreach (var e in live)
        {
            try
            {
                await rest.SendToGroupAsync(LiveGroups.Execution(e.ExecutionId), e.Name, e.Serialized.Utf8, ct);
                if (e.Lifecycle)
                {
                    await rest.SendToGroupAsync(LiveGroups.Workflow(e.OrgId, e.WorkflowId), e.Name, e.Serialized.Utf8, ct);
                    await rest.SendToGroupAsync(LiveGroups.Organization(e.OrgId), e.Name, e.Serialized.Utf8, ct);
                }
            }
            catch (Exception x) when (x is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                // The rest of the turn would most likely fail the same way: one log line, and clients resync.
                LiveLogs.PublishFailed(logger, x, execution.Id, e.Sequence);
                return;
            }
        }
    }
}

/// <summary>Without Azure SignalR Service configured, live progress goes nowhere (clients poll the execution detail).</summary>
internal sealed class NullProgressPublisher : IProgressPublisher
{
    public Task PublishAsync(ExecutionRecord execution, long afterSequence, IReadOnlyList<HistoryEvent> events, CancellationToken ct = default) => Task.CompletedTask;
}
