using System.Globalization;
using System.Text.Json.Nodes;
using FlowForge.Core.Engine;
using FlowForge.Core.Engine.History;
using FlowForge.Core.Storage;
using FlowForge.Server.Auth;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FlowForge.Server.Api;

/// <summary>
/// The approvals inbox: every step of the organisation waiting for a person's decision (<c>logic_approval</c>). It reads
/// stored state only: the open runs in status waiting (an index of unfinished executions), and of each just the events
/// that open and close waits, never a scan of finished runs' histories. A decision is an ordinary external event
/// (<c>POST /api/executions/{id}/events/{eventName}</c>).
/// </summary>
internal static class ApprovalsApi
{
    /// <summary>Waiting runs looked at per request at most: a page of approvals among many runs waiting on other things stays cheap.</summary>
    internal const int ScanBudget = 200;

    public static RouteGroupBuilder MapApprovalsApi(this RouteGroupBuilder api)
    {
        api.MapGet("/approvals", List).WithTags("Approvals").WithName("ListApprovals")
            .WithSummary("Approval steps waiting for a decision, oldest run first (keyset pages: pass `next` as `after`)").Problems(400);
        return api;
    }

    public static async Task<Results<Ok<ApprovalList>, ProblemHttpResult>> List(
        HttpContext http, IExecutionClientStore store, IWorkflowStore workflows, ILoggerFactory loggers, string? after, string? limit, CancellationToken ct)
    {
        var n = Paging.DefaultLimit;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out n) || n is < 1 or > Paging.MaxLimit))
        {
            return Problems.BadRequest($"'limit' must be a whole number from 1 to {Paging.MaxLimit}, not '{limit}'.");
        }
        ExecutionCursor? cursor = null;
        if (after is not null && (cursor = ApprovalCursor.Parse(after)) is null)
        {
            return Problems.BadRequest("'after' is not a cursor this API returned (pass the 'next' of the previous page).");
        }

        var orgId = http.User.OrgId();
        var approvals = new List<ApprovalItem>();
        var scanned = 0;
        var more = true;
        while (approvals.Count < n && scanned < ScanBudget && more)
        {
            var batch = await store.ListWaitingAsync(orgId, cursor, Math.Min(n, ScanBudget - scanned), ct);
            more = batch.Count == Math.Min(n, ScanBudget - scanned);
            foreach (var execution in batch)
            {
                scanned++;
                cursor = new ExecutionCursor(execution.CreatedAt, execution.Id);
                try
                {
                    var history = await store.GetHistoryOfTypesAsync(execution.Id, ExecutionState.WaitEventTypes, ct);
                    approvals.AddRange(Waiting(execution, history));
                }
                catch (Exception e) when (UnreadableStoredData.IsUnreadable(e))
                {
                    // One damaged run must not hide everyone else's approvals; its own page reports the problem.
                    Logs.ApprovalUnreadable(loggers.CreateLogger(typeof(ApprovalsApi).FullName!), execution.Id, e);
                }
                if (approvals.Count >= n) break;
            }
            if (approvals.Count >= n && cursor is not null) more = true;
        }

        var names = new Dictionary<string, string?>();
        foreach (var id in approvals.Select(a => a.WorkflowId).Distinct())
        {
            names[id] = (await workflows.GetAsync(orgId, id, ct))?.Definition.Name;
        }
        return TypedResults.Ok(new ApprovalList(
            [.. approvals.Select(a => a with { WorkflowName = names.GetValueOrDefault(a.WorkflowId) })],
            more && cursor is not null ? ApprovalCursor.Format(cursor) : null));
    }

    /// <summary>The approval steps of one run waiting now, from its wait events: the latest wait of each waiting step.</summary>
    internal static IEnumerable<ApprovalItem> Waiting(ExecutionRecord execution, IReadOnlyList<HistoryEvent> history)
    {
        var state = ExecutionState.Replay(execution.Id, history);
        var waits = history.OfType<WaitStarted>().GroupBy(w => w.StepKey).ToDictionary(g => g.Key, g => g.Last());
        foreach (var step in state.Steps)
        {
            if (step.Phase != StepPhase.Waiting || step.EventName is null || !waits.TryGetValue(step.StepKey, out var wait)) continue;
            var input = wait.Input as JsonObject;
            IReadOnlyList<string> approvers = input?["approvers"] is JsonArray list
                ? [.. list.Select(a => a?.GetValueKind() == System.Text.Json.JsonValueKind.String ? (string?)a : a?.ToJsonString()).OfType<string>()]
                : [];
            yield return new ApprovalItem(
                execution.Id, execution.WorkflowId, null, execution.Version, step.StepKey, step.NodeId, step.EventName,
                input?["message"] is JsonValue m && m.GetValueKind() == System.Text.Json.JsonValueKind.String ? (string?)m : input?["message"]?.ToJsonString(),
                approvers, wait.Timestamp, wait.Until, execution.CreatedAt);
        }
    }
}

/// <summary>The opaque keyset position of the approvals list: the last run looked at (creation time and id).</summary>
internal static class ApprovalCursor
{
    public static string Format(ExecutionCursor cursor) =>
        Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{cursor.CreatedAt.UtcTicks}:{cursor.Id}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static ExecutionCursor? Parse(string text)
    {
        try
        {
            var padded = text.Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - padded.Length % 4) % 4);
            var raw = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(padded));
            var colon = raw.IndexOf(':');
            if (colon <= 0 || colon == raw.Length - 1) return null;
            if (!long.TryParse(raw.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                || ticks > DateTimeOffset.MaxValue.UtcTicks) return null;
            return new ExecutionCursor(new DateTimeOffset(ticks, TimeSpan.Zero), raw[(colon + 1)..]);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}

/// <param name="Next">Pass as <c>after</c> for the next page; null on the last page.</param>
internal sealed record ApprovalList(IReadOnlyList<ApprovalItem> Approvals, string? Next);

/// <summary>A step waiting for a decision.</summary>
/// <param name="StepId">The step (<c>node/loop[i]</c> inside loops).</param>
/// <param name="EventName">The event the decision is sent as: <c>POST /api/executions/{executionId}/events/{eventName}</c> with <c>{payload: {approved, comment, approvedBy}}</c>.</param>
/// <param name="Message">The question, its templates rendered when the step started.</param>
/// <param name="Approvers">Who may decide; empty means anyone with access.</param>
/// <param name="WaitingSince">When the step started waiting.</param>
/// <param name="TimeoutAt">When the step stops waiting and follows its timeout port.</param>
/// <param name="WorkflowName">Null when the workflow has been deleted since.</param>
internal sealed record ApprovalItem(
    string ExecutionId, string WorkflowId, string? WorkflowName, int Version, string StepId, string NodeId, string EventName,
    string? Message, IReadOnlyList<string> Approvers, DateTimeOffset WaitingSince, DateTimeOffset TimeoutAt, DateTimeOffset ExecutionStartedAt);
