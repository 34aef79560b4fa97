using System.Globalization;
using Dapper;
using FlowForge.Core.Storage;
using FlowForge.Core.Engine.History;

namespace FlowForge.Storage.Sqlite;

/// <summary>One committed turn read back from the <c>feed</c> table, with its history events.</summary>
public sealed record FeedTurn(
    long FeedId, string ExecutionId, string OrgId, string WorkflowId, string Status, DateTimeOffset CreatedAt,
    long FirstSequence, IReadOnlyList<HistoryEvent> Events, DateTimeOffset CommittedAt);

/// <summary>
/// Reads committed turns of every process in commit order (migration 0005): the cross-process live feed
/// on SQLite. A turn whose execution was purged since is skipped.
/// </summary>
public sealed class SqliteFeedReader(SqliteDatabase db)
{
    /// <summary>The id of the latest committed turn (0 when none): where a new reader starts.</summary>
    public async Task<long> LatestAsync(CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.ExecuteScalarAsync<long?>(new CommandDefinition("SELECT MAX(id) FROM feed", cancellationToken: ct)) ?? 0;
    }

    /// <summary>Up to <paramref name="max"/> turns after <paramref name="afterId"/>, oldest first, read in one snapshot.</summary>
    public async Task<IReadOnlyList<FeedTurn>> ReadAfterAsync(long afterId, int max, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        await using var tx = c.BeginTransaction(deferred: true);
        var rows = (await c.QueryAsync<(long Id, string ExecutionId, long FromSequence, long ToSequence, string CommittedAt, string? OrgId, string? WorkflowId, string? Status, string? CreatedAt)>(
            new CommandDefinition(
                """
                SELECT f.id, f.execution_id, f.from_sequence, f.to_sequence, f.committed_at, e.org_id, e.workflow_id, e.status, e.created_at
                FROM feed f LEFT JOIN executions e ON e.id = f.execution_id
                WHERE f.id > @afterId ORDER BY f.id LIMIT @max
                """, new { afterId, max }, tx, cancellationToken: ct))).ToList();
        var turns = new List<FeedTurn>(rows.Count);
        foreach (var r in rows)
        {
            if (r.OrgId is null || r.WorkflowId is null || r.Status is null || r.CreatedAt is null)
            {
                turns.Add(new FeedTurn(r.Id, r.ExecutionId, "", "", "", default, r.FromSequence, [], default));
                continue;
            }
            var events = await c.QueryAsync<(string Timestamp, string Data)>(new CommandDefinition(
                "SELECT timestamp, data FROM history WHERE execution_id = @executionId AND sequence BETWEEN @from AND @to ORDER BY sequence",
                new { executionId = r.ExecutionId, from = r.FromSequence, to = r.ToSequence }, tx, cancellationToken: ct));
            turns.Add(new FeedTurn(r.Id, r.ExecutionId, r.OrgId, r.WorkflowId, r.Status, SqliteValues.ParseTimestamp(r.CreatedAt), r.FromSequence,
                [.. events.Select(e => StoredEvent.Deserialize(e.Data) with { Timestamp = SqliteValues.ParseTimestamp(e.Timestamp) })],
                DateTimeOffset.Parse(r.CommittedAt, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal)));
        }
        await tx.CommitAsync(ct);
        return turns;
    }
}
