using System.Text.Json;
using Dapper;
using FlowForge.Core.Engine.History;
using FlowForge.Core.Storage;

namespace FlowForge.Storage;

/// <summary>
/// The analytics roll-ups for every relational backend. The consumer's side reads terminal executions past the
/// watermark (an index range on <c>ix_executions_completed</c>) and their history in one query per batch; the report's
/// side reads only the roll-up tables, by their (org_id, day, …) primary keys.
/// </summary>
public abstract class AnalyticsStore(IRelationalDatabase db) : IAnalyticsStore
{
    private readonly ISqlDialect _sql = db.Dialect;

    // The history the counting reads: steps (for their node, failures, chosen variants and the first step's time), and
    // how the run ended or was resumed. Inputs and outputs come along inside the events; a batch bounds them.
    private static readonly string[] CountedTypes =
    [
        .. new[]
        {
            typeof(StepScheduled), typeof(StepCompleted), typeof(StepFailed), typeof(LoopStarted), typeof(TimerCreated),
            typeof(WaitStarted), typeof(ChildRequested), typeof(ChildFailed), typeof(ExecutionFailed), typeof(ExecutionResumed),
        }.Select(StoredEvent.TypeName),
    ];

    public async Task<AnalyticsBatch> ReadPendingAsync(int max, DateTimeOffset settledBefore, CancellationToken ct = default)
    {
        await using var c = await db.OpenConnectionAsync(ct);
        var mark = await c.QuerySingleAsync<WatermarkRow>(new CommandDefinition(
            "SELECT completed_at AS CompletedAt, execution_id AS ExecutionId, version AS Version FROM analytics_watermark WHERE id = 1",
            cancellationToken: ct));
        var watermark = new AnalyticsWatermark(_sql.ReadTimestampOrNull(mark.CompletedAt), mark.ExecutionId, mark.Version);

        // Keyset on (completed_at, id), ids in byte order on both backends so the order is the same everywhere.
        var after = watermark.CompletedAt is null
            ? ""
            : $"AND (completed_at > @at OR (completed_at = @at AND {_sql.ByteOrder("id")} > @id))";
        var rows = (await c.QueryAsync<ExecutionRow>(new CommandDefinition(
            $"""
            SELECT id AS Id, org_id AS OrgId, workflow_id AS WorkflowId, status AS Status, created_at AS CreatedAt,
                   completed_at AS CompletedAt, last_sequence AS LastSequence
            FROM executions
            WHERE completed_at IS NOT NULL AND completed_at <= @settled {after}
            ORDER BY completed_at, {_sql.ByteOrder("id")}
            LIMIT @max
            """,
            new { settled = _sql.Timestamp(settledBefore), at = _sql.Timestamp(watermark.CompletedAt), id = watermark.ExecutionId, max },
            cancellationToken: ct))).ToList();
        if (rows.Count == 0) return new AnalyticsBatch(watermark, []);

        var ids = rows.Select(r => r.Id).ToArray();
        var events = (await c.QueryAsync<HistoryRow>(new CommandDefinition(
            $"""
            SELECT execution_id AS ExecutionId, sequence AS Sequence, data AS Data FROM history
            WHERE {_sql.AnyOf("execution_id", "@ids")} AND {_sql.AnyOf("type", "@types")}
            ORDER BY execution_id, sequence
            """,
            new { ids, types = CountedTypes }, cancellationToken: ct)))
            .GroupBy(h => h.ExecutionId)
            .ToDictionary(g => g.Key, g => g.ToList());
        var ledger = (await c.QueryAsync<LedgerRow>(new CommandDefinition(
            $"""
            SELECT execution_id AS ExecutionId, org_id AS OrgId, workflow_id AS WorkflowId, day AS Day, status AS Status,
                   duration_bucket AS DurationBucket, queue_bucket AS QueueBucket, failed_node_id AS FailedNodeId,
                   variants AS Variants, counted_sequence AS CountedSequence
            FROM analytics_ledger WHERE {_sql.AnyOf("execution_id", "@ids")}
            """,
            new { ids }, cancellationToken: ct)))
            .ToDictionary(l => l.ExecutionId, ToEntry);

        return new AnalyticsBatch(watermark, [.. rows.Select(r => new AnalyticsExecution(
            r.Id, r.OrgId, r.WorkflowId, r.Status, _sql.ReadTimestamp(r.CreatedAt), _sql.ReadTimestamp(r.CompletedAt), r.LastSequence,
            [.. events.GetValueOrDefault(r.Id, []).Where(h => h.Sequence <= r.LastSequence).Select(h => (h.Sequence, StoredEvent.Deserialize(h.Data)))],
            ledger.GetValueOrDefault(r.Id)))]);
    }

    public async Task<bool> ApplyAsync(AnalyticsWatermark from, AnalyticsExecution last, AnalyticsDelta delta, CancellationToken ct = default)
    {
        await using var c = await db.OpenConnectionAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        // The watermark row first: it is the lock two counting processes meet on, and the compare-and-set that makes
        // the loser's batch a no-op. Everything below commits with it, so a crash counts a batch fully or not at all.
        var moved = await c.ExecuteAsync(new CommandDefinition(
            "UPDATE analytics_watermark SET completed_at = @at, execution_id = @id, version = version + 1 WHERE id = 1 AND version = @version",
            new { at = _sql.Timestamp(last.CompletedAt), id = last.Id, version = from.Version }, tx, cancellationToken: ct));
        if (moved == 0)
        {
            await tx.RollbackAsync(ct);
            return false;
        }
        await c.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO analytics_runs (org_id, day, workflow_id, status, runs) VALUES (@OrgId, @Day, @WorkflowId, @Status, @Runs)
            ON CONFLICT (org_id, day, workflow_id, status) DO UPDATE SET runs = analytics_runs.runs + excluded.runs
            """, delta.Runs, tx, cancellationToken: ct));
        await c.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO analytics_histograms (org_id, day, workflow_id, metric, bucket, count) VALUES (@OrgId, @Day, @WorkflowId, @Metric, @Bucket, @Count)
            ON CONFLICT (org_id, day, workflow_id, metric, bucket) DO UPDATE SET count = analytics_histograms.count + excluded.count
            """, delta.Histograms, tx, cancellationToken: ct));
        // A recount that only takes a failed run back does not know the node's type: the stored one stays.
        await c.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO analytics_steps (org_id, day, workflow_id, node_id, node_type, failed_attempts, failed_runs)
            VALUES (@OrgId, @Day, @WorkflowId, @NodeId, @NodeType, @FailedAttempts, @FailedRuns)
            ON CONFLICT (org_id, day, workflow_id, node_id) DO UPDATE SET
                node_type = CASE WHEN excluded.node_type <> '' THEN excluded.node_type ELSE analytics_steps.node_type END,
                failed_attempts = analytics_steps.failed_attempts + excluded.failed_attempts,
                failed_runs = analytics_steps.failed_runs + excluded.failed_runs
            """, delta.Steps, tx, cancellationToken: ct));
        await c.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO analytics_step_errors (org_id, day, workflow_id, node_id, message, count) VALUES (@OrgId, @Day, @WorkflowId, @NodeId, @Message, @Count)
            ON CONFLICT (org_id, day, workflow_id, node_id, message) DO UPDATE SET count = analytics_step_errors.count + excluded.count
            """, delta.Errors, tx, cancellationToken: ct));
        await c.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO analytics_variants (org_id, day, workflow_id, node_id, variant, runs, completed)
            VALUES (@OrgId, @Day, @WorkflowId, @NodeId, @Variant, @Runs, @Completed)
            ON CONFLICT (org_id, day, workflow_id, node_id, variant) DO UPDATE SET
                runs = analytics_variants.runs + excluded.runs, completed = analytics_variants.completed + excluded.completed
            """, delta.Variants, tx, cancellationToken: ct));
        await c.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO analytics_ledger (execution_id, org_id, workflow_id, day, status, duration_bucket, queue_bucket, failed_node_id, variants, counted_sequence)
            VALUES (@ExecutionId, @OrgId, @WorkflowId, @Day, @Status, @DurationBucket, @QueueBucket, @FailedNodeId, @Variants, @CountedSequence)
            ON CONFLICT (execution_id) DO UPDATE SET
                day = excluded.day, status = excluded.status, duration_bucket = excluded.duration_bucket, queue_bucket = excluded.queue_bucket,
                failed_node_id = excluded.failed_node_id, variants = excluded.variants, counted_sequence = excluded.counted_sequence
            """,
            delta.Ledger.Select(l => new
            {
                l.ExecutionId, l.OrgId, l.WorkflowId, l.Day, l.Status, l.DurationBucket, l.QueueBucket, l.FailedNodeId,
                Variants = l.Variants.Count == 0 ? null : JsonSerializer.Serialize(l.Variants.Select(v => new[] { v.NodeId, v.Variant })),
                l.CountedSequence,
            }), tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return true;
    }

    public async Task<AnalyticsRollup> ReadAsync(string orgId, string? workflowId, string fromDay, string toDay, CancellationToken ct = default)
    {
        await using var c = await db.OpenConnectionAsync(ct);
        // Runs and histograms: one key range, the workflow's or the organisation-wide rows (workflow_id '').
        var perDay = "org_id = @orgId AND workflow_id = @perDayWorkflow AND day >= @fromDay AND day <= @toDay";
        var where = "org_id = @orgId AND day >= @fromDay AND day <= @toDay" + (workflowId is null ? "" : " AND workflow_id = @workflowId");
        var args = new { orgId, workflowId, fromDay, toDay, perDayWorkflow = workflowId ?? AnalyticsCounting.OrganizationWide };
        var runs = await c.QueryAsync<SumRow>(new CommandDefinition(
            $"SELECT day AS Day, status AS Key, runs AS A FROM analytics_runs WHERE {perDay}",
            args, cancellationToken: ct));
        var histograms = await c.QueryAsync<SumRow>(new CommandDefinition(
            $"SELECT day AS Day, metric AS Key, bucket AS Bucket, count AS A FROM analytics_histograms WHERE {perDay}",
            args, cancellationToken: ct));
        var steps = await c.QueryAsync<SumRow>(new CommandDefinition(
            $"""
            SELECT workflow_id AS WorkflowId, node_id AS NodeId, MAX(node_type) AS Key,
                   CAST(SUM(failed_attempts) AS bigint) AS A, CAST(SUM(failed_runs) AS bigint) AS B
            FROM analytics_steps WHERE {where} GROUP BY workflow_id, node_id
            """,
            args, cancellationToken: ct));
        var errors = await c.QueryAsync<SumRow>(new CommandDefinition(
            $"""
            SELECT workflow_id AS WorkflowId, node_id AS NodeId, message AS Key, CAST(SUM(count) AS bigint) AS A
            FROM analytics_step_errors WHERE {where} GROUP BY workflow_id, node_id, message
            """,
            args, cancellationToken: ct));
        var variants = await c.QueryAsync<SumRow>(new CommandDefinition(
            $"""
            SELECT workflow_id AS WorkflowId, node_id AS NodeId, variant AS Key, CAST(SUM(runs) AS bigint) AS A, CAST(SUM(completed) AS bigint) AS B
            FROM analytics_variants WHERE {where} GROUP BY workflow_id, node_id, variant
            """,
            args, cancellationToken: ct));
        var mark = await c.QuerySingleAsync<WatermarkRow>(new CommandDefinition(
            "SELECT completed_at AS CompletedAt, execution_id AS ExecutionId, version AS Version FROM analytics_watermark WHERE id = 1",
            cancellationToken: ct));
        var wf = workflowId ?? "";
        return new AnalyticsRollup(
            [.. runs.Where(r => r.A != 0).Select(r => new AnalyticsRunCount(orgId, wf, r.Day, r.Key, r.A))],
            [.. histograms.Where(r => r.A != 0).Select(r => new AnalyticsHistogramCount(orgId, wf, r.Day, r.Key, (int)r.Bucket, r.A))],
            [.. steps.Where(r => r.A != 0 || r.B != 0).Select(r => new AnalyticsStepCount(orgId, r.WorkflowId, "", r.NodeId, r.Key, r.A, r.B))],
            [.. errors.Where(r => r.A != 0).Select(r => new AnalyticsErrorCount(orgId, r.WorkflowId, "", r.NodeId, r.Key, r.A))],
            [.. variants.Where(r => r.A != 0).Select(r => new AnalyticsVariantCount(orgId, r.WorkflowId, "", r.NodeId, r.Key, r.A, r.B))],
            new AnalyticsWatermark(_sql.ReadTimestampOrNull(mark.CompletedAt), mark.ExecutionId, mark.Version));
    }

    public async Task<int> PruneLedgerAsync(string day, int max, CancellationToken ct = default)
    {
        await using var c = await db.OpenConnectionAsync(ct);
        return await c.ExecuteAsync(new CommandDefinition(
            "DELETE FROM analytics_ledger WHERE execution_id IN (SELECT execution_id FROM analytics_ledger WHERE day < @day LIMIT @max)",
            new { day, max }, cancellationToken: ct));
    }

    private static AnalyticsLedgerEntry ToEntry(LedgerRow r) => new(
        r.ExecutionId, r.OrgId, r.WorkflowId, r.Day, r.Status, (int)r.DurationBucket, r.QueueBucket is { } q ? (int)q : null, r.FailedNodeId,
        r.Variants is null ? [] : [.. JsonSerializer.Deserialize<string[][]>(r.Variants)!.Select(v => new AnalyticsVariantChoice(v[0], v[1]))],
        r.CountedSequence);

    private sealed class WatermarkRow
    {
        public object? CompletedAt { get; init; }
        public string? ExecutionId { get; init; }
        public long Version { get; init; }
    }

    private sealed class ExecutionRow
    {
        public string Id { get; init; } = "";
        public string OrgId { get; init; } = "";
        public string WorkflowId { get; init; } = "";
        public string Status { get; init; } = "";
        public object CreatedAt { get; init; } = "";
        public object CompletedAt { get; init; } = "";
        public long LastSequence { get; init; }
    }

    private sealed class HistoryRow
    {
        public string ExecutionId { get; init; } = "";
        public long Sequence { get; init; }
        public string Data { get; init; } = "";
    }

    private sealed class LedgerRow
    {
        public string ExecutionId { get; init; } = "";
        public string OrgId { get; init; } = "";
        public string WorkflowId { get; init; } = "";
        public string Day { get; init; } = "";
        public string Status { get; init; } = "";
        public long DurationBucket { get; init; }
        public long? QueueBucket { get; init; }
        public string? FailedNodeId { get; init; }
        public string? Variants { get; init; }
        public long CountedSequence { get; init; }
    }

    private sealed class SumRow
    {
        public string Day { get; init; } = "";
        public string WorkflowId { get; init; } = "";
        public string NodeId { get; init; } = "";
        public string Key { get; init; } = "";
        public long Bucket { get; init; }
        public long A { get; init; }
        public long B { get; init; }
    }
}
