using System.Data.Common;
using Dapper;
using FlowForge.Core.Storage;

namespace FlowForge.Storage;

/// <summary>
/// Workflows and their frozen versions, for every relational backend. Writes lock the workflow row first
/// (table order: workflows -> workflow_versions), so a publish and an edit of one workflow serialize.
/// </summary>
/// <param name="db">The migrated database.</param>
/// <param name="timeProvider">The clock for creation, update, publish and delete times. Defaults to the system clock.</param>
public abstract class WorkflowStore(IRelationalDatabase db, TimeProvider? timeProvider) : IWorkflowStore
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;
    private readonly ISqlDialect _sql = db.Dialect;

    private const string SelectColumns =
        "id, org_id AS OrgId, name, description, definition, version, published_version AS PublishedVersion, revision, created_at AS CreatedAt, updated_at AS UpdatedAt";

    public async Task<WorkflowRecord> CreateAsync(string orgId, WorkflowDefinition definition, string? id = null, CancellationToken ct = default)
    {
        await using var c = await db.OpenConnectionAsync(ct);
        id ??= "wf_" + Guid.NewGuid().ToString("N");
        await c.ExecuteAsync(new CommandDefinition(
            $"""
            INSERT INTO workflows (id, org_id, name, description, definition, version, published_version, revision, created_at, updated_at)
            VALUES (@id, @orgId, @name, @description, {_sql.Json("@definition")}, 1, NULL, 1, @now, @now)
            """,
            new
            {
                id, orgId, name = definition.Name, description = definition.Description,
                definition = StoredDefinition.Serialize(definition), now = _sql.Now(_time),
            },
            cancellationToken: ct));
        return (await GetAsync(c, null, orgId, id, forUpdate: false, ct))!;
    }

    public async Task<WorkflowRecord?> GetAsync(string orgId, string id, CancellationToken ct = default)
    {
        await using var c = await db.OpenReadConnectionAsync(ct);
        return await GetAsync(c, null, orgId, id, forUpdate: false, ct);
    }

    public async Task<WorkflowPublication?> GetPublicationAsync(string orgId, string id, CancellationToken ct = default)
    {
        await using var c = await db.OpenReadConnectionAsync(ct);
        var row = await c.QuerySingleOrDefaultAsync<PublicationRow>(new CommandDefinition(
            "SELECT published_version AS PublishedVersion FROM workflows WHERE id = @id AND org_id = @orgId AND deleted_at IS NULL",
            new { id, orgId }, cancellationToken: ct));
        return row is null ? null : new WorkflowPublication((int?)row.PublishedVersion);
    }

    public async Task<Page<WorkflowRecord>> ListAsync(string orgId, WorkflowQuery query, CancellationToken ct = default)
    {
        await using var c = await db.OpenConnectionAsync(ct);
        var where = "org_id = @orgId AND deleted_at IS NULL";
        if (query.Status == WorkflowStatus.Draft) where += " AND published_version IS NULL";
        else if (query.Status == WorkflowStatus.Published) where += " AND published_version IS NOT NULL";
        // Case-insensitive, with an escape so a user's % or _ match literally.
        string? search = string.IsNullOrWhiteSpace(query.Search)
            ? null
            : "%" + query.Search.Trim().Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%";
        if (search is not null) where += $" AND name {_sql.CaseInsensitiveLike} @search ESCAPE '\\'";
        // A negative limit would mean "no limit" to SQLite and an error to PostgreSQL: it means an empty page.
        var limit = Math.Max(query.Limit, 0);
        var args = new { orgId, search, limit, offset = (Math.Max(query.Page, 1) - 1L) * limit };
        var total = await c.ExecuteScalarAsync<long>(new CommandDefinition($"SELECT COUNT(*) FROM workflows WHERE {where}", args, cancellationToken: ct));
        var rows = await c.QueryAsync<WorkflowRow>(new CommandDefinition(
            $"SELECT {SelectColumns} FROM workflows WHERE {where} ORDER BY updated_at DESC, id LIMIT @limit OFFSET @offset", args, cancellationToken: ct));
        return new Page<WorkflowRecord>([.. rows.Select(ToRecord)], (int)total);
    }

    public async Task<IReadOnlyDictionary<string, LastExecution>> LastExecutionsAsync(string orgId, IReadOnlyCollection<string> workflowIds, CancellationToken ct = default)
    {
        if (workflowIds.Count == 0) return new Dictionary<string, LastExecution>();
        await using var c = await db.OpenConnectionAsync(ct);
        // Executions live in the execution store's table, but this is one statement for both backends, so it is written
        // once here, beside the list it serves. The correlated subquery reads one entry of ix_executions_org_workflow
        // (org_id, workflow_id, created_at) backwards per workflow: a page costs the same whatever the run history holds.
        // The id breaks ties between executions started in the same tick, as the executions list orders them.
        var rows = await c.QueryAsync<LastExecutionRow>(new CommandDefinition(
            $"""
            SELECT w.id AS WorkflowId, e.id AS ExecutionId, e.status AS Status, e.created_at AS StartedAt
            FROM workflows w
            JOIN executions e ON e.id = (
                SELECT x.id FROM executions x
                WHERE x.org_id = w.org_id AND x.workflow_id = w.id
                ORDER BY x.created_at DESC, x.id DESC LIMIT 1)
            WHERE w.org_id = @orgId AND {_sql.AnyOf("w.id", "@ids")}
            """,
            new { orgId, ids = workflowIds.Distinct().ToArray() }, cancellationToken: ct));
        return rows.ToDictionary(r => r.WorkflowId, r => new LastExecution(r.WorkflowId, r.ExecutionId, r.Status, _sql.ReadTimestamp(r.StartedAt)));
    }

    public async Task<(WriteOutcome Outcome, WorkflowRecord? Record)> UpdateAsync(
        string orgId, string id, WorkflowDefinition definition, long expectedRevision, CancellationToken ct = default)
    {
        await using var c = await db.OpenConnectionAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        // A definition frozen as a version is never edited in place: the edit starts the next version.
        var changed = await c.ExecuteAsync(new CommandDefinition(
            $"""
            UPDATE workflows SET
                name = @name, description = @description, definition = {_sql.Json("@definition")},
                revision = revision + 1, updated_at = @now,
                version = CASE WHEN EXISTS (SELECT 1 FROM workflow_versions v WHERE v.workflow_id = workflows.id AND v.version = workflows.version)
                               THEN version + 1 ELSE version END
            WHERE id = @id AND org_id = @orgId AND deleted_at IS NULL AND revision = @expectedRevision
            """,
            new
            {
                id, orgId, expectedRevision, name = definition.Name, description = definition.Description,
                definition = StoredDefinition.Serialize(definition), now = _sql.Now(_time),
            }, tx, cancellationToken: ct));
        var record = await GetAsync(c, tx, orgId, id, forUpdate: false, ct);
        await tx.CommitAsync(ct);
        if (record is null) return (WriteOutcome.NotFound, null);
        return changed == 0 ? (WriteOutcome.Conflict, record) : (WriteOutcome.Ok, record);
    }

    public async Task<bool> DeleteAsync(string orgId, string id, CancellationToken ct = default)
    {
        await using var c = await db.OpenConnectionAsync(ct);
        return await c.ExecuteAsync(new CommandDefinition(
            "UPDATE workflows SET deleted_at = @now, published_version = NULL WHERE id = @id AND org_id = @orgId AND deleted_at IS NULL",
            new { id, orgId, now = _sql.Now(_time) }, cancellationToken: ct)) > 0;
    }

    public async Task<(WriteOutcome Outcome, WorkflowRecord? Record)> PublishAsync(string orgId, string id, long expectedRevision, CancellationToken ct = default)
    {
        await using var c = await db.OpenConnectionAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        // Locked (or, on SQLite, inside the only write transaction): the revision check and the freeze are one step against concurrent edits.
        var current = await GetAsync(c, tx, orgId, id, forUpdate: true, ct);
        if (current is null) return (WriteOutcome.NotFound, null);
        if (current.Revision != expectedRevision) return (WriteOutcome.Conflict, current);
        // Publishing unchanged content again re-activates the frozen version instead of inserting a twin.
        await c.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO workflow_versions (workflow_id, version, org_id, name, description, definition, published_at)
            SELECT id, version, org_id, name, description, definition, @now FROM workflows WHERE id = @id
            ON CONFLICT (workflow_id, version) DO NOTHING;
            UPDATE workflows SET published_version = version, updated_at = @now WHERE id = @id;
            """,
            new { id, now = _sql.Now(_time) }, tx, cancellationToken: ct));
        var record = await GetAsync(c, tx, orgId, id, forUpdate: false, ct);
        await tx.CommitAsync(ct);
        return (WriteOutcome.Ok, record);
    }

    public async Task<(WriteOutcome Outcome, WorkflowRecord? Record)> UnpublishAsync(string orgId, string id, CancellationToken ct = default)
    {
        await using var c = await db.OpenConnectionAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        var changed = await c.ExecuteAsync(new CommandDefinition(
            "UPDATE workflows SET published_version = NULL, updated_at = @now WHERE id = @id AND org_id = @orgId AND deleted_at IS NULL",
            new { id, orgId, now = _sql.Now(_time) }, tx, cancellationToken: ct));
        var record = await GetAsync(c, tx, orgId, id, forUpdate: false, ct);
        await tx.CommitAsync(ct);
        return changed == 0 ? (WriteOutcome.NotFound, null) : (WriteOutcome.Ok, record);
    }

    public async Task<IReadOnlyList<(string OrgId, string WorkflowId, int PublishedVersion)>> ListPublishedAsync(CancellationToken ct = default)
    {
        await using var c = await db.OpenConnectionAsync(ct);
        var rows = await c.QueryAsync<(string OrgId, string Id, long PublishedVersion)>(new CommandDefinition(
            "SELECT org_id, id, published_version FROM workflows WHERE published_version IS NOT NULL AND deleted_at IS NULL ORDER BY org_id, id",
            cancellationToken: ct));
        return [.. rows.Select(r => (r.OrgId, r.Id, (int)r.PublishedVersion))];
    }

    public async Task<IReadOnlyList<WorkflowVersionRecord>> ListVersionsAsync(string orgId, string workflowId, CancellationToken ct = default)
    {
        await using var c = await db.OpenConnectionAsync(ct);
        var rows = await c.QueryAsync<VersionRow>(new CommandDefinition(
            """
            SELECT v.workflow_id AS WorkflowId, v.org_id AS OrgId, v.version, v.name, v.description, v.definition, v.published_at AS PublishedAt
            FROM workflow_versions v JOIN workflows w ON w.id = v.workflow_id
            WHERE v.workflow_id = @workflowId AND v.org_id = @orgId AND w.deleted_at IS NULL
            ORDER BY v.version DESC
            """,
            new { workflowId, orgId }, cancellationToken: ct));
        return [.. rows.Select(ToRecord)];
    }

    public async Task<WorkflowVersionRecord?> GetVersionAsync(string orgId, string workflowId, int version, CancellationToken ct = default)
    {
        await using var c = await db.OpenConnectionAsync(ct);
        var row = await c.QuerySingleOrDefaultAsync<VersionRow>(new CommandDefinition(
            """
            SELECT workflow_id AS WorkflowId, org_id AS OrgId, version, name, description, definition, published_at AS PublishedAt
            FROM workflow_versions WHERE workflow_id = @workflowId AND org_id = @orgId AND version = @version
            """,
            new { workflowId, orgId, version }, cancellationToken: ct));
        return row is null ? null : ToRecord(row);
    }

    private async Task<WorkflowRecord?> GetAsync(DbConnection c, DbTransaction? tx, string orgId, string id, bool forUpdate, CancellationToken ct)
    {
        var row = await c.QuerySingleOrDefaultAsync<WorkflowRow>(new CommandDefinition(
            $"SELECT {SelectColumns} FROM workflows WHERE id = @id AND org_id = @orgId AND deleted_at IS NULL{(forUpdate ? _sql.ForUpdate : "")}",
            new { id, orgId }, tx, cancellationToken: ct));
        return row is null ? null : ToRecord(row);
    }

    private WorkflowRecord ToRecord(WorkflowRow r) => new(
        r.Id, r.OrgId, StoredDefinition.Deserialize(r.Name, r.Description, r.Definition), (int)r.Version, (int?)r.PublishedVersion, r.Revision,
        _sql.ReadTimestamp(r.CreatedAt), _sql.ReadTimestamp(r.UpdatedAt));

    private WorkflowVersionRecord ToRecord(VersionRow r) => new(
        r.WorkflowId, r.OrgId, (int)r.Version, StoredDefinition.Deserialize(r.Name, r.Description, r.Definition), _sql.ReadTimestamp(r.PublishedAt));

    private sealed class WorkflowRow
    {
        public string Id { get; set; } = "";
        public string OrgId { get; set; } = "";
        public string Name { get; set; } = "";
        public string? Description { get; set; }
        public string Definition { get; set; } = "";
        public long Version { get; set; }
        public long? PublishedVersion { get; set; }
        public long Revision { get; set; }
        public object CreatedAt { get; set; } = null!;
        public object UpdatedAt { get; set; } = null!;
    }

    private sealed class PublicationRow
    {
        public long? PublishedVersion { get; set; }
    }

    private sealed class LastExecutionRow
    {
        public string WorkflowId { get; set; } = "";
        public string ExecutionId { get; set; } = "";
        public string Status { get; set; } = "";
        public object StartedAt { get; set; } = null!;
    }

    private sealed class VersionRow
    {
        public string WorkflowId { get; set; } = "";
        public string OrgId { get; set; } = "";
        public long Version { get; set; }
        public string Name { get; set; } = "";
        public string? Description { get; set; }
        public string Definition { get; set; } = "";
        public object PublishedAt { get; set; } = null!;
    }
}
