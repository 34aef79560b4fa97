using FlowForge.Core.Storage;

namespace FlowForge.Storage;

/// <summary>
/// An executions row as Dapper reads it, on every relational backend (timestamps stay as the driver returns them and the
/// dialect reads them): the backends' execution stores and <see cref="ExecutionReads"/> all map rows with it.
/// </summary>
public class StoredExecutionRow
{
    /// <summary>The columns of an <see cref="ExecutionRecord"/>, named for this row.</summary>
    public const string Columns =
        """
        id, org_id AS OrgId, workflow_id AS WorkflowId, version, status, trigger_data AS TriggerData, output, error,
        parent_execution_id AS ParentExecutionId, retry_of AS RetryOf, created_at AS CreatedAt, completed_at AS CompletedAt,
        updated_at AS UpdatedAt, last_sequence AS LastSequence
        """;

    public string Id { get; set; } = "";
    public string OrgId { get; set; } = "";
    public string WorkflowId { get; set; } = "";
    public long Version { get; set; }
    public string Status { get; set; } = "";
    public string? TriggerData { get; set; }
    public string? Output { get; set; }
    public string? Error { get; set; }
    public string? ParentExecutionId { get; set; }
    public string? RetryOf { get; set; }
    public object CreatedAt { get; set; } = null!;
    public object? CompletedAt { get; set; }
    public object UpdatedAt { get; set; } = null!;
    public long LastSequence { get; set; }

    public ExecutionRecord ToRecord(ISqlDialect sql) => new(
        Id, OrgId, WorkflowId, (int)Version, Status, StoredEvent.ParseJson(TriggerData), StoredEvent.ParseJson(Output), Error,
        ParentExecutionId, RetryOf, sql.ReadTimestamp(CreatedAt), sql.ReadTimestampOrNull(CompletedAt), sql.ReadTimestamp(UpdatedAt), LastSequence);
}
