using FlowForge.Functions.Api;
using FlowForge.Server.Triggers;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FlowForge.Functions.Schedules;

/// <summary>
/// Fires due <c>trigger_schedule</c> ticks every minute with the server's own due-tick logic
/// (<see cref="ScheduleService.RunDueAsync"/>: misfire and catch-up rules, the compare-and-set that advances a schedule).
/// Each tick starts its execution with the idempotency key <c>trigger:&lt;workflow&gt;/&lt;step&gt;:schedule:&lt;tick&gt;</c>,
/// unique in the execution log, so a tick runs once even when two instances fire it (the Timer trigger's singleton
/// lock is not relied on), and a tick missed while the app was scaled to zero is handled by the next one.
/// Run schedules on one host only: set <c>Triggers__Schedules=false</c> on the server when this app fires them.
/// </summary>
internal sealed class ScheduleFunction(ScheduleService schedules, DurableClientSlot durable, IOptions<TriggerOptions> options, ILogger<ScheduleFunction> log)
{
    [Function("FireSchedules")]
    public Task Run([TimerTrigger("0 * * * * *")] TimerInfo timer, [DurableClient] DurableTaskClient client, CancellationToken ct) => FireAsync(client, ct);

    /// <summary>One tick: the timer function's body without the Functions-only timer binding (tests call it).</summary>
    public async Task<int> FireAsync(DurableTaskClient client, CancellationToken ct)
    {
        if (!options.Value.Schedules)
        {
            Logs.SchedulesOff(log);
            return 0;
        }
        durable.Set(client);
        var handled = await schedules.RunDueAsync(ct);
        Logs.SchedulesFired(log, handled);
        return handled;
    }
}
