using Dapper;
using FlowForge.Core.Storage;

namespace FlowForge.Storage.Postgres;

/// <summary>Waiting executions, for the approvals inbox: a read apart from the engine's claims and commits.</summary>
public sealed partial class PostgresExecutionStore
{
    /// <inheritdoc />
    public async Task<IReadOnlyList<ExecutionRecord>> ListWaitingAsync(string orgId, ExecutionCursor? after, int limit, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        // "completed_at IS NULL" lets the partial index ix_executions_org_unfinished pick the open runs first; the
        // keyset on (created_at, id) keeps pages stable while runs start and finish between two reads.
        var where = "org_id = @orgId AND completed_at IS NULL AND status = @status";
        if (after is not null) where += " AND (created_at > @afterAt OR (created_at = @afterAt AND id > @afterId))";
        var rows = await c.QueryAsync<ExecutionRow>(new CommandDefinition(
            $"SELECT {SelectColumns} FROM executions WHERE {where} ORDER BY created_at, id LIMIT @limit",
            new
            {
                orgId, status = ExecutionStatus.Waiting, limit = Math.Max(limit, 0),
                afterAt = PostgresValues.Timestamp(after?.CreatedAt), afterId = after?.Id,
            },
            cancellationToken: ct));
        return [.. rows.Select(r => r.ToRecord())];
    }
}
