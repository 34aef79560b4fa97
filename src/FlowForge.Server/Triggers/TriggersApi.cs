using System.Globalization;
using FlowForge.Core.Scheduling;
using FlowForge.Core.Storage;
using FlowForge.Server.Api;
using FlowForge.Server.Auth;

namespace FlowForge.Server.Triggers;

/// <summary>A workflow's triggers under <c>/api</c>: their counters and recent events, secret rotation, upcoming schedule runs.</summary>
public static class TriggersApi
{
    public static RouteGroupBuilder MapTriggersApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/workflows/{id}").WithTags("Triggers");
        group.MapGet("/triggers", List);
        group.MapPost("/triggers/{stepId}/rotate-secret", Rotate);
        group.MapGet("/schedule", Schedule);
        return api;
    }

    public static async Task<IResult> List(HttpContext http, IWorkflowStore workflows, ITriggerStore store, TriggerRegistry registry, string id, CancellationToken ct)
    {
        var orgId = http.User.OrgId();
        if (await workflows.GetAsync(orgId, id, ct) is null) return Problems.NotFound("Workflow", id);
        var endpoints = (await store.ListForWorkflowAsync(orgId, id, ct)).Where(e => e.Active).ToList();
        var counts = (await store.CountEventsAsync(orgId, id, ct)).ToDictionary(c => c.StepId);
        var recent = await store.ListEventsAsync(orgId, id, 50, ct);
        return TypedResults.Ok(new
        {
            workflowId = id,
            triggers = endpoints.Select(e =>
            {
                var info = registry.Describe(e, http.Request, null);
                var c = counts.GetValueOrDefault(e.StepId);
                return new
                {
                    info.StepId, info.Type, info.Url, info.Auth,
                    previousSecretValidUntil = e.PreviousExpiresAt,
                    nextFireAt = e.NextFireAt,
                    lastFireAt = e.LastFireAt,
                    counts = new { accepted = c?.Accepted ?? 0, filtered = c?.Filtered ?? 0, duplicates = c?.Duplicates ?? 0, skipped = c?.Skipped ?? 0 },
                };
            }),
            recentEvents = recent.Select(r => new { r.StepId, r.Type, r.Outcome, r.ExecutionId, r.Detail, at = r.CreatedAt }),
        });
    }

    public static async Task<IResult> Rotate(HttpContext http, IWorkflowStore workflows, TriggerRegistry registry, string id, string stepId, CancellationToken ct)
    {
        var orgId = http.User.OrgId();
        if (await workflows.GetAsync(orgId, id, ct) is null) return Problems.NotFound("Workflow", id);
        var (trigger, until, error) = await registry.RotateAsync(orgId, id, stepId, http.Request, ct);
        if (trigger is null) return Problems.Conflict("no-secret", error!);
        return TypedResults.Ok(new { trigger.StepId, trigger.Type, trigger.Url, trigger.Auth, trigger.Secret, previousSecretValidUntil = until });
    }

    public static async Task<IResult> Schedule(HttpContext http, IWorkflowStore workflows, ITriggerStore store, TriggerClock clock, string id, string? count, CancellationToken ct)
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
        var schedules = (await store.ListForWorkflowAsync(orgId, id, ct)).Where(e => e.Active && e.Type == TriggerRegistry.Schedule).Select(e =>
        {
            var cron = (string?)e.Config?["cron"];
            var zone = (string?)e.Config?["timezone"];
            var runs = CronSchedule.TryParse(cron, zone, out var schedule, out _) ? schedule!.Next(e.NextFireAt is { } next && next > now ? next.AddTicks(-1) : now, n) : [];
            return new
            {
                e.StepId, cron, timezone = string.IsNullOrEmpty(zone) ? "UTC" : zone, catchUp = (string?)e.Config?["catchUp"] ?? "skip",
                quartzExpression = schedule?.QuartzExpression, lastFireAt = e.LastFireAt, nextRuns = runs,
            };
        });
        return TypedResults.Ok(new { workflowId = id, published = workflow.PublishedVersion is not null, now, schedules });
    }
}
