using System.Text.Json.Nodes;
using FlowForge.Core.Storage;
using FlowForge.Server.Auth;
using FlowForge.Server.Nodes.Actions;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FlowForge.Server.Api;

/// <summary>The messages messaging nodes delivered into the outbox because their provider is not configured.</summary>
internal static class OutboxApi
{
    public static RouteGroupBuilder MapOutboxApi(this RouteGroupBuilder api)
    {
        api.MapGet("/outbox", List).WithTags("Outbox").WithName("ListOutbox").WithSummary("Messages the sandboxed channels recorded instead of sending").Problems(400);
        return api;
    }

    public static async Task<Results<Ok<OutboxList>, ProblemHttpResult>> List(
        HttpContext http, IOutboxStore store, string? executionId, string? channel, string? page, string? limit, CancellationToken ct)
    {
        var paging = Paging.Parse(page, limit);
        if (paging.Problem is not null) return paging.Problem;
        if (channel is not null && !Channels.Outbox.Contains(channel))
        {
            return Problems.BadRequest($"'channel' must be one of {string.Join(", ", Channels.Outbox)}, not '{channel}'.");
        }
        if (executionId is not null && (executionId.Length is 0 or > 200))
        {
            return Problems.BadRequest("'executionId' must be 1 to 200 characters.");
        }
        var result = await store.ListAsync(http.User.OrgId(), new OutboxQuery(executionId, channel, paging.Page, paging.Limit), ct);
        return TypedResults.Ok(new OutboxList(
            [.. result.Items.Select(m => new OutboxItem(m.Id, m.ExecutionId, m.StepKey, m.Channel, m.Recipient, m.Subject, m.Body, m.Payload, m.CreatedAt))],
            result.Total, paging.Page, paging.Limit, Paging.Pages(result.Total, paging.Limit)));
    }
}

internal sealed record OutboxList(IReadOnlyList<OutboxItem> Messages, int Total, int Page, int Limit, int Pages);

/// <param name="StepId">The step that wrote it (<c>node/loop[i]</c> inside loops).</param>
internal sealed record OutboxItem(string Id, string ExecutionId, string StepId, string Channel, string Recipient, string? Subject, string Body, JsonNode? Payload, DateTimeOffset CreatedAt);
