using System.Buffers.Text;
using System.Globalization;
using System.Text;
using FlowForge.Core.Storage;
using FlowForge.Server.Auth;
using FlowForge.Server.Engine;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace FlowForge.Server.Api;

/// <summary>
/// <c>GET /api/executions</c>: the organisation's executions across workflows, newest first, by keyset. A page is a
/// range read of an index whatever the number of stored executions; there is no total (counting would read them all).
/// </summary>
internal static class ExecutionListApi
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 100;
    public const int MaxSearchLength = 200;

    /// <summary>
    /// How many rows of the range one request reads when a filter is checked row by row (status, text search):
    /// a rare match costs at most this, and the answer's cursor goes on where the reading stopped.
    /// </summary>
    public const int ScanLimit = 20_000;

    public static async Task<Results<Ok<ExecutionPage>, ProblemHttpResult>> Search(
        HttpContext http, IExecutionClientStore store, IOptions<EngineOptions> engine, TimeProvider clock,
        string[]? status, string? workflowId, string? from, string? to, string? q, string? cursor, string? limit, CancellationToken ct)
    {
        var statuses = (status ?? []).SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Distinct().ToArray();
        if (statuses.FirstOrDefault(s => !ExecutionStatus.All.Contains(s)) is { } unknown)
        {
            return Problems.BadRequest($"Unknown status '{unknown}': use one or more of {string.Join(", ", ExecutionStatus.All)} (repeat status=, or separate them with commas).");
        }
        if (!TryParseTime(from, out var fromAt)) return Problems.BadRequest($"'from' must be an ISO 8601 date or time such as 2025-06-01 or 2025-06-01T12:00:00Z, not '{from}'.");
        if (!TryParseTime(to, out var toAt)) return Problems.BadRequest($"'to' must be an ISO 8601 date or time such as 2025-06-02 or 2025-06-01T18:00:00Z, not '{to}'.");
        if (fromAt is { } f && toAt is { } t && f >= t) return Problems.BadRequest("'from' must be before 'to'.");
        if (q is { Length: > MaxSearchLength }) return Problems.BadRequest($"The search text 'q' is longer than {MaxSearchLength} characters.");
        var l = DefaultLimit;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out l) || l < 1 || l > MaxLimit))
        {
            return Problems.BadRequest($"'limit' must be a whole number from 1 to {MaxLimit}, not '{limit}'.");
        }
        ExecutionCursor? after = null;
        if (!string.IsNullOrEmpty(cursor))
        {
            if (CursorToken.Decode(cursor) is not { } decoded)
            {
                return Problems.Create(StatusCodes.Status400BadRequest, "invalid-cursor", "The cursor is not valid",
                    "'cursor' is not a cursor this API gave: pass the nextCursor of a previous answer unchanged, or leave it out for the first page.");
            }
            after = decoded;
        }

        var now = clock.GetUtcNow();
        ExecutionSlice slice;
        try
        {
            slice = await store.SearchAsync(http.User.OrgId(), new ExecutionSearch(
                string.IsNullOrEmpty(workflowId) ? null : workflowId, statuses, fromAt, toAt, string.IsNullOrEmpty(q) ? null : q, after, l, ScanLimit), ct);
        }
        catch (Exception e) when (UnreadableStoredData.IsUnreadable(e))
        {
            return UnreadableStoredData.Problem("The executions", e);
        }
        return TypedResults.Ok(new ExecutionPage(
            [.. slice.Items.Select(e => ExecutionRow.From(e, engine.Value.IsStuck(e.Status, e.UpdatedAt, now)))],
            slice.Next is { } next ? CursorToken.Encode(next) : null, l));
    }

    /// <summary>A date (midnight UTC) or a date and time; absent is fine.</summary>
    private static bool TryParseTime(string? text, out DateTimeOffset? value)
    {
        value = null;
        if (string.IsNullOrEmpty(text)) return true;
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed)) return false;
        value = parsed;
        return true;
    }
}

/// <summary>
/// The opaque cursor of the executions list: base64url of <c>1.{created_at ticks}.{id}</c>. Opaque so clients pass
/// it back unchanged and the server may change what it holds (the leading 1 is its version).
/// </summary>
internal static class CursorToken
{
    public static string Encode(ExecutionCursor cursor) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"1.{cursor.CreatedAt.UtcTicks.ToString(CultureInfo.InvariantCulture)}.{cursor.Id}"));

    public static ExecutionCursor? Decode(string token)
    {
        if (token.Length > 400) return null;
        byte[] bytes;
        try
        {
            bytes = Base64Url.DecodeFromChars(token);
        }
        catch (FormatException)
        {
            return null;
        }
        var parts = Encoding.UTF8.GetString(bytes).Split('.', 3);
        if (parts.Length != 3 || parts[0] != "1" || parts[2].Length is 0 or > 128) return null;
        if (!long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            || ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks) return null;
        return new ExecutionCursor(new DateTimeOffset(ticks, TimeSpan.Zero), parts[2]);
    }
}

/// <summary>One row of <c>GET /api/executions</c>. <c>trigger</c> is the type of the hook that started it (null: started through the API, a retry or a sub-workflow step).</summary>
internal sealed record ExecutionRow(
    string ExecutionId, string WorkflowId, string? WorkflowName, int Version, string Status, string? Trigger,
    DateTimeOffset StartedAt, DateTimeOffset? CompletedAt, double? TotalDuration, string? ErrorMessage, bool Stuck,
    string? RetryOf, string? ParentExecutionId)
{
    public static ExecutionRow From(ExecutionListItem e, bool stuck) => new(
        e.Id, e.WorkflowId, e.WorkflowName, e.Version, e.Status, e.TriggerType, e.CreatedAt, e.CompletedAt,
        e.CompletedAt is { } c ? (c - e.CreatedAt).TotalMilliseconds : null, e.Error, stuck, e.RetryOf, e.ParentExecutionId);
}

/// <summary>A page of executions; <c>nextCursor</c> is null at the end. A filtered page may hold fewer rows than <c>limit</c> and still have a next one.</summary>
internal sealed record ExecutionPage(IReadOnlyList<ExecutionRow> Executions, string? NextCursor, int Limit);
