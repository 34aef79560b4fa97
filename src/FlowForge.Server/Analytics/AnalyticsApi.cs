using System.Globalization;
using FlowForge.Core.Storage;
using FlowForge.Server.Api;
using FlowForge.Server.Auth;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FlowForge.Server.Analytics;

/// <summary>
/// Run analytics of the organisation or of one workflow, read from the roll-ups only (see <see cref="IAnalyticsStore"/>):
/// the cost follows the days and workflows asked about, not the number of executions stored.
/// </summary>
internal static class AnalyticsApi
{
    /// <summary>The longest range one report covers (a year and a day, so "the last 12 months" fits whatever the leap years).</summary>
    public const int MaxDays = 366;

    /// <summary>The days a report covers when the request names none: the last 30, today included.</summary>
    public const int DefaultDays = 30;

    public static RouteGroupBuilder MapAnalyticsApi(this RouteGroupBuilder api)
    {
        api.MapGet("/analytics/organization", Organization).WithTags("Analytics").WithName("GetOrganizationAnalytics")
            .WithSummary("Runs per day, success rate, duration and queue-time percentiles, failing steps and A/B outcomes of the organisation")
            .WithDescription(Description)
            .Problems(StatusCodes.Status400BadRequest);
        api.MapGet("/analytics/workflows/{id}", Workflow).WithTags("Analytics").WithName("GetWorkflowAnalytics")
            .WithSummary("Runs per day, success rate, duration and queue-time percentiles, failing steps and A/B outcomes of one workflow")
            .WithDescription(Description)
            .Problems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
        return api;
    }

    private const string Description =
        "`from` and `to` are UTC days (yyyy-MM-dd, inclusive; default the last 30 days, at most 366). Runs are counted on the " +
        "day they ended, a few seconds after they end (`countedUntil` says how far the counting has got). Percentiles come " +
        "from log-scale histograms and are within `percentileRelativeError` of the exact value.";

    public static async Task<Results<Ok<AnalyticsReport>, ProblemHttpResult>> Organization(
        HttpContext http, IAnalyticsStore store, TimeProvider clock, string? from, string? to, CancellationToken ct)
    {
        var range = DayRange.Parse(from, to, clock.GetUtcNow());
        if (range.Problem is not null) return range.Problem;
        var rollup = await store.ReadAsync(http.User.OrgId(), null, range.From, range.To, ct);
        return TypedResults.Ok(AnalyticsReport.Of(rollup, range.From, range.To, null));
    }

    public static async Task<Results<Ok<AnalyticsReport>, ProblemHttpResult>> Workflow(
        HttpContext http, IAnalyticsStore store, IWorkflowStore workflows, TimeProvider clock, string id, string? from, string? to, CancellationToken ct)
    {
        var range = DayRange.Parse(from, to, clock.GetUtcNow());
        if (range.Problem is not null) return range.Problem;
        var orgId = http.User.OrgId();
        if (await workflows.GetAsync(orgId, id, ct) is null) return Problems.NotFound("Workflow", id);
        var rollup = await store.ReadAsync(orgId, id, range.From, range.To, ct);
        return TypedResults.Ok(AnalyticsReport.Of(rollup, range.From, range.To, id));
    }

    /// <summary>A validated range of UTC days, or the problem with the request's.</summary>
    private sealed record DayRange(string From, string To, ProblemHttpResult? Problem)
    {
        public static DayRange Parse(string? from, string? to, DateTimeOffset now)
        {
            var today = DateOnly.FromDateTime(now.UtcDateTime);
            if (!TryDay(to, "to", today, out var end, out var problem)) return new("", "", problem);
            if (!TryDay(from, "from", end.AddDays(-(DefaultDays - 1)), out var start, out problem)) return new("", "", problem);
            if (start > end)
                return new("", "", Problems.BadRequest($"'from' ({Text(start)}) is after 'to' ({Text(end)})."));
            if (end.DayNumber - start.DayNumber + 1 > MaxDays)
                return new("", "", Problems.BadRequest($"The range covers {end.DayNumber - start.DayNumber + 1} days; at most {MaxDays} are allowed."));
            return new(Text(start), Text(end), null);
        }

        private static bool TryDay(string? value, string name, DateOnly fallback, out DateOnly day, out ProblemHttpResult? problem)
        {
            problem = null;
            day = fallback;
            if (value is null) return true;
            if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day)) return true;
            problem = Problems.BadRequest($"'{name}' must be a day written yyyy-MM-dd, not '{(value.Length > 40 ? value[..40] + "…" : value)}'.");
            return false;
        }

        private static string Text(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
    }
}
