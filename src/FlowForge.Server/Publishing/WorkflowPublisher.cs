using FlowForge.Core.Catalog;
using FlowForge.Core.Storage;
using FlowForge.Core.Validation;
using FlowForge.Server.Triggers;

namespace FlowForge.Server.Publishing;

/// <summary>How a publish ended.</summary>
internal enum PublishStatus { Published, Invalid, NotFound, Conflict }

/// <summary>
/// The outcome of <see cref="WorkflowPublisher.PublishAsync"/>: the validation (errors when <see cref="PublishStatus.Invalid"/>),
/// and once published the new record and the workflow's active triggers (new secrets shown here only).
/// </summary>
internal sealed record PublishResult(PublishStatus Status, ValidationResult Validation, WorkflowRecord? Record, IReadOnlyList<TriggerInfo> Triggers);

/// <summary>
/// Publishing a draft, the one way the API and the sample seeder both take: validate, publish exactly the validated
/// revision, then make the published graph's trigger steps the active triggers. Kept out of the HTTP layer so a
/// workflow published at start-up goes through the same checks and trigger sync as one published by a user.
/// </summary>
internal sealed class WorkflowPublisher(IWorkflowStore store, NodeCatalog catalog, TriggerRegistry triggers)
{
    /// <param name="draft">The workflow as read, at the revision to publish.</param>
    /// <param name="request">The request, for the trigger URLs shown back; null outside a request.</param>
    public async Task<PublishResult> PublishAsync(WorkflowRecord draft, HttpRequest? request, CancellationToken ct)
    {
        var validation = WorkflowValidation.Validate(draft.Definition.Graph, catalog);
        if (!validation.Valid) return new(PublishStatus.Invalid, validation, null, []);
        // Publish exactly the revision that was validated; an edit in between is a conflict, not a silent publish.
        var (outcome, published) = await store.PublishAsync(draft.OrgId, draft.Id, draft.Revision, ct);
        switch (outcome)
        {
            case WriteOutcome.NotFound: return new(PublishStatus.NotFound, validation, null, []);
            case WriteOutcome.Conflict: return new(PublishStatus.Conflict, validation, null, []);
        }
        // The published graph's trigger steps become the active triggers; new secrets are shown in this response only.
        var active = await triggers.SyncAsync(draft.OrgId, draft.Id, draft.Definition.Graph, request, ct);
        return new(PublishStatus.Published, validation, published, active);
    }
}
