using System.Globalization;
using System.Text.Json.Nodes;
using FlowForge.Core.Scheduling;
using FlowForge.Core.Storage;
using FlowForge.Server.Engine;
using FlowForge.Server.Health;
using Microsoft.Extensions.Options;

namespace FlowForge.Server.Triggers;

/// <summary>
/// Fires <c>trigger_schedule</c> ticks. Each schedule row holds its next tick; a due tick starts its execution with
/// the dedup key <c>schedule:&lt;tick&gt;</c> (execution idempotency key <c>trigger:&lt;workflow&gt;/&lt;step&gt;:schedule:&lt;tick&gt;</c>)
/// and then moves the row to the following tick by compare-and-set. Several processes on one database may race on
/// the same tick: the idempotency key lets one execution exist, the compare-and-set lets one advance, and a crash
/// between the two only repeats the start, which is then a no-op. A tick found later than
/// <see cref="TriggerOptions.ScheduleMisfireThreshold"/>, or several ticks found due at once (downtime), follow the
/// trigger's <c>catchUp</c>: <c>skip</c> (default) logs them as skipped, <c>once</c> runs one execution for them.
/// </summary>
internal sealed class ScheduleService(ITriggerStore store, TriggerIntake intake, TriggerClock clock, IOptions<TriggerOptions> options,
    ILogger<ScheduleService> log, LoopHeartbeats heartbeats) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // During an outage the loop backs off and logs once (then at most once a minute), not a stack every second.
        var backoff = new OutageBackoff("schedule loop", log, TimeProvider.System);
        while (!stoppingToken.IsCancellationRequested)
        {
            heartbeats.Beat(LoopHeartbeats.Schedules);
            var wait = options.Value.SchedulePollInterval;
            try
            {
                await RunDueAsync(stoppingToken);
                backoff.Succeeded();
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                var delay = backoff.Failed(e);
                if (delay > wait) wait = delay;
            }
            try
            {
                await Task.Delay(wait, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        heartbeats.Stopped(LoopHeartbeats.Schedules);
    }

    /// <summary>Fires every due tick once; returns how many schedules were handled.</summary>
    public async Task<int> RunDueAsync(CancellationToken ct)
    {
        var now = clock.Now;
        var due = await store.ListDueSchedulesAsync(now, 100, ct);
        foreach (var endpoint in due) await FireAsync(endpoint, now, ct);
        return due.Count;
    }

    private async Task FireAsync(TriggerEndpoint endpoint, DateTimeOffset now, CancellationToken ct)
    {
        var tick = endpoint.NextFireAt!.Value;
        var cron = (string?)endpoint.Config?["cron"];
        var zone = (string?)endpoint.Config?["timezone"];
        if (!CronSchedule.TryParse(cron, zone, out var schedule, out var error))
        {
            Logs.ScheduleCronInvalid(log, endpoint.WorkflowId, endpoint.StepId, error);
            await store.AdvanceScheduleAsync(endpoint.Id, tick, null, null, ct);
            return;
        }

        // Ticks after the stored one that are also due: the server missed them.
        var later = 0;
        var latest = tick;
        while (later < 100_000 && schedule!.NextAfter(latest) is { } n && n <= now)
        {
            later++;
            latest = n;
        }
        var late = later > 0 || now - tick > options.Value.ScheduleMisfireThreshold;
        var catchUpOnce = string.Equals((string?)endpoint.Config?["catchUp"], "once", StringComparison.OrdinalIgnoreCase);
        var dedup = "schedule:" + Iso(tick);

        DateTimeOffset? fired = null;
        if (!late || catchUpOnce)
        {
            fired = late ? latest : tick;
            var data = new JsonObject
            {
                ["scheduled_time"] = Iso(fired.Value),
                ["fired_at"] = Iso(now),
                ["cron"] = cron,
                ["timezone"] = string.IsNullOrEmpty(zone) ? "UTC" : zone,
            };
            if (late) data["missed_runs"] = later + 1;
            var delivery = await intake.DeliverAsync(endpoint, data, dedup, countDuplicates: false, ct);
            if (delivery.Kind == DeliveryKind.Throttled)
            {
                // A schedule cannot be asked to come back later: the run is skipped, and the log says why.
                await intake.Record(endpoint, TriggerOutcome.Skipped, dedup, null, $"Run at {Iso(fired.Value)} skipped: {delivery.Detail}", ct);
            }
        }
        else
        {
            await intake.Record(endpoint, TriggerOutcome.Skipped, dedup, null,
                $"{later + 1} run(s) from {Iso(tick)} to {Iso(latest)} missed while the server was down or behind; skipped (catchUp: skip).", ct);
        }
        await store.AdvanceScheduleAsync(endpoint.Id, tick, schedule!.NextAfter(now), fired, ct);
    }

    /// <summary>
    /// The next <paramref name="count"/> runs of a schedule trigger, for the API: counted from its stored next tick when
    /// that is ahead (the run this service will fire next, whatever the cron says now), else from <paramref name="now"/>;
    /// none when its cron expression no longer parses.
    /// </summary>
    public static (CronSchedule? Schedule, IReadOnlyList<DateTimeOffset> Runs) UpcomingRuns(TriggerEndpoint endpoint, DateTimeOffset now, int count)
    {
        if (!CronSchedule.TryParse((string?)endpoint.Config?["cron"], (string?)endpoint.Config?["timezone"], out var schedule, out _)) return (null, []);
        var from = endpoint.NextFireAt is { } next && next > now ? next.AddTicks(-1) : now;
        return (schedule, schedule!.Next(from, count));
    }

    private static string Iso(DateTimeOffset t) => t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
