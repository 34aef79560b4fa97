using FlowForge.Core.Engine.History;
using FlowForge.Core.Storage;
using FlowForge.Server.Engine;
using FlowForge.Server.Live;
using FlowForge.Functions.ExecutionLog;
using Microsoft.Extensions.Logging;

namespace FlowForge.Functions.Live;

/// <summary>
/// Live progress through Azure SignalR Service: the server's <see cref="ProgressMapper"/> turns the recorded turn into
/// the same events the server's hub sends (same names, same payloads), posted to the groups the hub would route them
/// to (<see cref="LiveGroups"/>), in order. Best effort, like the server's broadcaster: a failure is logged and the
/// turn goes on (clients resync from the execution detail).
/// </summary>
/// <remarks>
/// The server's mapper computes a step's <c>duration</c> from the step's start, which the server's broadcaster keeps in
/// memory between turns. Turns here may run on different instances, so the starts of steps that finish in this turn
/// but started earlier are read from the log (<paramref name="history"/>: only the start events, no outputs) and fed
/// to the mapper first. Without a history reader such durations are left out.
/// </remarks>
internal sealed class SignalRServicePublisher(
    SignalRServiceRest rest, ILogger<SignalRServicePublisher> logger, TimeProvider time, IExecutionLog? history = null) : IProgressPublisher
{
    /// <summary>The events the mapper takes a step's start from (see ProgressMapper.Started).</summary>
    private static readonly Type[] StartTypes = [typeof(StepScheduled), typeof(LoopStarted), typeof(ChildRequested), typeof(TimerCreated), typeof(WaitStarted)];

    public async Task PublishAsync(ExecutionRecord execution, long afterSequence, IReadOnlyList<HistoryEvent> events, CancellationToken ct = default)
    {
        var progress = new ExecutionProgress(execution.Id, execution.OrgId, execution.WorkflowId, execution.Status, afterSequence + 1, events,
            time.GetUtcNow(), execution.CreatedAt);
        IReadOnlyList<ProgressEvent> live;
        try
        {
            live = ProgressMapper.Map(progress, await EarlierStartsAsync(execution, events, ct));
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

    /// <summary>The starts of the steps this turn finishes without having started them, as the mapper would have seen them.</summary>
    private async Task<Dictionary<string, DateTimeOffset>> EarlierStartsAsync(ExecutionRecord execution, IReadOnlyList<HistoryEvent> events, CancellationToken ct)
    {
        var starts = new Dictionary<string, DateTimeOffset>();
        var startedHere = events.Where(e => StartTypes.Contains(e.GetType())).ToList();
        ProgressMapper.Map(new ExecutionProgress(execution.Id, execution.OrgId, execution.WorkflowId, execution.Status, 1, startedHere), starts);
        var startedEarlier = events.Any(e => e is StepCompleted { Inline: false } or StepFailed { Inline: false }
            && !starts.ContainsKey(e is StepCompleted c ? c.StepKey : ((StepFailed)e).StepKey));
        starts.Clear();
        if (history is null || !startedEarlier) return starts;

        var all = await history.GetHistoryOfTypesAsync(execution.Id, StartTypes, ct);
        // The log already holds this turn (RecordTurn appends, then publishes): its own starts are the last ones read,
        // and the mapper sees them in the turn itself.
        var earlier = all.Take(Math.Max(0, all.Count - startedHere.Count)).ToList();
        ProgressMapper.Map(new ExecutionProgress(execution.Id, execution.OrgId, execution.WorkflowId, execution.Status, 1, earlier), starts);
        return starts;
    }
}

/// <summary>Without Azure SignalR Service configured, live progress goes nowhere (clients poll the execution detail).</summary>
internal sealed class NullProgressPublisher : IProgressPublisher
{
    public Task PublishAsync(ExecutionRecord execution, long afterSequence, IReadOnlyList<HistoryEvent> events, CancellationToken ct = default) => Task.CompletedTask;
}
