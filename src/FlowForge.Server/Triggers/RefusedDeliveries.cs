using System.Collections.Concurrent;
using System.Globalization;
using FlowForge.Core.Storage;

namespace FlowForge.Server.Triggers;

/// <summary>
/// Logs webhook calls refused for their credentials in the trigger event log, so the triggers page can tell a sender
/// why its calls fail. Refusals cost no database write of their own: at most one is logged per endpoint per
/// <see cref="Interval"/> (with how many were refused since the last one logged), so a flood of bad calls cannot become
/// a flood of inserts. The windows are per process and keyed by endpoints that exist, so they stay as few as the
/// active webhooks. The log itself is pruned by the trigger events' retention.
/// </summary>
internal sealed class RefusedDeliveries(ITriggerStore store, TimeProvider time, ILogger<RefusedDeliveries> logger)
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, Window> _windows = new(StringComparer.Ordinal);

    private sealed class Window
    {
        public long LoggedAtTicks = long.MinValue;
        public int Unlogged;
    }

    public async Task RecordAsync(TriggerEndpoint endpoint, string reason, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var window = _windows.GetOrAdd(endpoint.Id, _ => new Window());
        int unlogged;
        lock (window)
        {
            if (window.LoggedAtTicks != long.MinValue && now.UtcTicks - window.LoggedAtTicks < Interval.Ticks)
            {
                window.Unlogged++;
                return;
            }
            window.LoggedAtTicks = now.UtcTicks;
            unlogged = window.Unlogged;
            window.Unlogged = 0;
        }
        var detail = unlogged == 0
            ? reason
            : string.Create(CultureInfo.InvariantCulture, $"{reason} ({unlogged} more refused since the previous one logged.)");
        try
        {
            await store.RecordEventAsync(new TriggerEventRecord(0, endpoint.OrgId, endpoint.WorkflowId, endpoint.StepId, endpoint.Type,
                TriggerOutcome.Refused, null, null, detail, now), ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The caller is owed its 401 whatever happens to the log: a database hiccup must not turn it into a 500.
            Logs.RefusedDeliveryNotLogged(logger, endpoint.WorkflowId, endpoint.StepId, e);
        }
    }
}
