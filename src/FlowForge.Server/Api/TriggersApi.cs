using FlowForge.Core.Catalog;
using System.Globalization;
using FlowForge.Core.Storage;
using FlowForge.Server.Auth;
using FlowForge.Server.Triggers;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FlowForge.Server.Api;

/// <summary>A workflow's triggers under <c>/api</c>: their counters and recent events, secret rotation, upcoming schedule runs.</summary>
internal static class TriggersApi
{
    public static RouteGroupBuilder MapTriggersApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/workflows/{id}").WithTags("Triggers");
        group.MapGet("/triggers", List).WithName("ListTriggers").WithSummary("A workflow's active triggers and their URLs").Problems(404);
        group.MapPost("/triggers/{stepId}/rotate-secret", Rotate).WithName("RotateTriggerSecret").WithSummary("Rotate a trigger's token or signing secret").Problems(404, 409);
        group.MapGet("/schedule", Schedule).WithName("GetSchedule").WithSummary("The next fire times of a workflow's schedule triggers").Problems(400, 404);
        return api;
    }

    public static async Task<Results<Ok<TriggerList>, ProblemHttpResult>> List(
        HttpContext http, IWorkflowStore workflows, ITriggerStore store, TriggerRegistry registry, string id, CancellationToken ct)
    {
        var orgId = http.User.OrgId();
        if (await workflows.GetAsync(orgId, id, ct) is null) return Problems.NotFound("Workflow", id);
        var endpoints = (await store.ListForWorkflowAsync(orgId, id, ct)).Where(e => e.Active).ToList();
        var counts = (await store.CountEventsAsync(orgId, id, ct)).ToDictionary(c => c.StepId);
        var recent = await store.ListEventsAsync(orgId, id, 50, ct);
        return TypedResults.Ok(new TriggerList(
            id,
            [.. endpoints.Select(e =>
            {
                var info = registry.Describe(e, http.Request, null);
                var c = counts.GetValueOrDefault(e.StepId);
                return new TriggerStatus(info.StepId, info.Type, info.Url, info.Auth, e.PreviousExpiresAt, e.NextFireAt, e.LastFireAt,
                    new TriggerEventCounts(c?.Accepted ?? 0, c?.Filtered ?? 0, c?.Duplicates ?? 0, c?.Skipped ?? 0, c?.Refused ?? 0));
            })],
            [.. recent.Select(r => new TriggerEventResponse(r.StepId, r.Type, r.Outcome, r.ExecutionId, r.Detail, r.CreatedAt))]));
    }

    public static async Task<Results<Ok<RotatedSecret>, ProblemHttpResult>> Rotate(
        HttpContext http, IWorkflowStore workflows, TriggerRegistry registry, string id, string stepId, CancellationToken ct)
    {
        var orgId = http.User.OrgId();
        if (await workflows.GetAsync(orgId, id, ct) is null) return Problems.NotFound("Workflow", id);
        var (trigger, until, error) = await registry.RotateAsync(orgId, id, stepId, http.Request, ct);
        if (trigger is null) return Problems.Conflict("no-secret", error!);
        return TypedResults.Ok(new RotatedSecret(trigger.StepId, trigger.Type, trigger.Url, trigger.Auth, trigger.Secret, until));
    }

    public static async Task<Results<Ok<ScheduleList>, ProblemHttpResult>> Schedule(
        HttpContext http, IWorkflowStore workflows, ITriggerStore store, TriggerClock clock, string id, string? count, CancellationToken ct)
    {
        var orgId = http.User.OrgId();
        var workflow = await workflows.GetAsync(orgId, id, ct);
        if (workflow is null) return Problems.NotFound("Workflow", id);
        var n = 5;
        if (count is not null && (!int.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out n) || n is < 1 or > 100))
        {
            return Problems.BadRequest("count must be a whole number from 1 to 100.");
        }
        var now = clock.Now;
        var schedules = (await store.ListForWorkflowAsync(orgId, id, ct)).Where(e => e.Active && e.Type == NodeTypeNames.TriggerSchedule).Select(e =>
        {
            var cron = (string?)e.Config?["cron"];
            var zone = (string?)e.Config?["timezone"];
            var (schedule, runs) = ScheduleService.UpcomingRuns(e, now, n);
            return new ScheduleInfo(e.StepId, cron, string.IsNullOrEmpty(zone) ? "UTC" : zone, (string?)e.Config?["catchUp"] ?? "skip",
                schedule?.QuartzExpression, e.LastFireAt, runs);
        });
        return TypedResults.Ok(new ScheduleList(id, workflow.PublishedVersion is not null, now, [.. schedules]));
    }
}

/// <summary>The active triggers of a workflow with their event counts, and its latest trigger events (newest first, at most 50).</summary>
internal sealed record TriggerList(string WorkflowId, IReadOnlyList<TriggerStatus> Triggers, IReadOnlyList<TriggerEventResponse> RecentEvents);

internal sealed record TriggerStatus(
    string StepId, string Type, string? Url, string Auth, DateTimeOffset? PreviousSecretValidUntil, DateTimeOffset? NextFireAt, DateTimeOffset? LastFireAt,
    TriggerEventCounts Counts);

/// <param name="Refused">Webhook calls refused for their credentials that were logged (at most one per endpoint per 10 s).</param>
internal sealed record TriggerEventCounts(int Accepted, int Filtered, int Duplicates, int Skipped, int Refused);

internal sealed record TriggerEventResponse(string StepId, string Type, string Outcome, string? ExecutionId, string? Detail, DateTimeOffset At);

/// <summary>A webhook's new secret, shown once; the previous one stays valid until <see cref="PreviousSecretValidUntil"/>.</summary>
internal sealed record RotatedSecret(string StepId, string Type, string? Url, string Auth, string? Secret, DateTimeOffset? PreviousSecretValidUntil);

internal sealed record ScheduleList(string WorkflowId, bool Published, DateTimeOffset Now, IReadOnlyList<ScheduleInfo> Schedules);

/// <summary>A schedule trigger and its next runs (none when its cron expression no longer parses).</summary>
internal sealed record ScheduleInfo(
    string StepId, string? Cron, string Timezone, string CatchUp, string? QuartzExpression, DateTimeOffset? LastFireAt, IReadOnlyList<DateTimeOffset> NextRuns);
