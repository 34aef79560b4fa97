using FlowForge.Core.Model;

namespace FlowForge.Core.Storage;

/// <summary>The editable definition of a workflow: what the canvas saves.</summary>
public sealed record WorkflowDefinition(string Name, string? Description, WorkflowGraph Graph, CanvasState? Canvas);

/// <summary>
/// A workflow's current state. <see cref="Version"/> is the number the current definition has or will
/// have once published; <see cref="Revision"/> increments on every write and is the optimistic-concurrency
/// token (the ETag). <see cref="PublishedVersion"/> is the frozen version triggers run, or null.
/// </summary>
/// <summary>A workflow's published version, null while it has none (<see cref="IWorkflowStore.GetPublicationAsync"/>).</summary>
public sealed record WorkflowPublication(int? PublishedVersion);

public sealed record WorkflowRecord(
    string Id,
    string OrgId,
    WorkflowDefinition Definition,
    int Version,
    int? PublishedVersion,
    long Revision,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public string Status => PublishedVersion is null ? WorkflowStatus.Draft : WorkflowStatus.Published;

    /// <summary>True when the current definition is not the one triggers run.</summary>
    public bool HasUnpublishedChanges => PublishedVersion != Version;
}

public static class WorkflowStatus
{
    public const string Draft = "draft";
    public const string Published = "published";
}

/// <summary>An immutable published version: executions pin one and replay only it.</summary>
public sealed record WorkflowVersionRecord(string WorkflowId, string OrgId, int Version, WorkflowDefinition Definition, DateTimeOffset PublishedAt);

/// <summary>A workflow's most recent execution (by start time), as the workflow list shows it.</summary>
public sealed record LastExecution(string WorkflowId, string ExecutionId, string Status, DateTimeOffset StartedAt);

public sealed record WorkflowQuery(string? Status, string? Search, int Page, int Limit);

public sealed record Page<T>(IReadOnlyList<T> Items, int Total);

/// <summary>Outcome of a conditional write.</summary>
public enum WriteOutcome { Ok, NotFound, Conflict }

/// <summary>Workflows and their versions. Every call is scoped to an organisation; another org's ids are simply not found.</summary>
public interface IWorkflowStore
{
    /// <param name="id">A chosen id (the sample workflow has a fixed one); null generates one.</param>
    Task<WorkflowRecord> CreateAsync(string orgId, WorkflowDefinition definition, string? id = null, CancellationToken ct = default);

    Task<WorkflowRecord?> GetAsync(string orgId, string id, CancellationToken ct = default);

    /// <summary>
    /// What a start needs of a workflow: that it exists (not deleted) and its published version, without reading or parsing
    /// its definition (a start runs a published version, whose graph the engine caches). Null when there is no such workflow.
    /// </summary>
    Task<WorkflowPublication?> GetPublicationAsync(string orgId, string id, CancellationToken ct = default);

    Task<Page<WorkflowRecord>> ListAsync(string orgId, WorkflowQuery query, CancellationToken ct = default);

    /// <summary>
    /// The most recent execution of each of <paramref name="workflowIds"/> that has one, keyed by workflow id: one query
    /// for a whole page of the list, however many workflows and executions there are.
    /// </summary>
    Task<IReadOnlyDictionary<string, LastExecution>> LastExecutionsAsync(string orgId, IReadOnlyCollection<string> workflowIds, CancellationToken ct = default);

    /// <summary>
    /// Replaces the definition when the stored revision equals <paramref name="expectedRevision"/>.
    /// Editing a definition that is frozen as the published version starts the next version's draft.
    /// </summary>
    Task<(WriteOutcome Outcome, WorkflowRecord? Record)> UpdateAsync(string orgId, string id, WorkflowDefinition definition, long expectedRevision, CancellationToken ct = default);

    /// <summary>Soft delete: the workflow disappears from the API and stops triggering; its executions stay.</summary>
    Task<bool> DeleteAsync(string orgId, string id, CancellationToken ct = default);

    /// <summary>Freezes the current definition as its version (if not frozen yet) and makes it the published one.</summary>
    Task<(WriteOutcome Outcome, WorkflowRecord? Record)> PublishAsync(string orgId, string id, long expectedRevision, CancellationToken ct = default);

    Task<(WriteOutcome Outcome, WorkflowRecord? Record)> UnpublishAsync(string orgId, string id, CancellationToken ct = default);

    /// <summary>Every published workflow of every organisation (the start-up resync of triggers).</summary>
    Task<IReadOnlyList<(string OrgId, string WorkflowId, int PublishedVersion)>> ListPublishedAsync(CancellationToken ct = default);

    Task<IReadOnlyList<WorkflowVersionRecord>> ListVersionsAsync(string orgId, string workflowId, CancellationToken ct = default);

    Task<WorkflowVersionRecord?> GetVersionAsync(string orgId, string workflowId, int version, CancellationToken ct = default);
}
