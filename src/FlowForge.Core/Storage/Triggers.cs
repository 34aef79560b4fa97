using System.Text.Json.Nodes;

namespace FlowForge.Core.Storage;

/// <summary>Auth modes of a trigger endpoint.</summary>
public static class TriggerAuth
{
    public const string None = "none";
    public const string Token = "token";
    public const string Signature = "signature";

    /// <summary>WhatsApp: Meta's <c>X-Hub-Signature-256</c> with the deployment's app secret.</summary>
    public const string Provider = "provider";

    /// <summary>Email and voice: the deployment-level inbound token or signature.</summary>
    public const string Inbound = "inbound";

    /// <summary>Schedules: fired by the server itself.</summary>
    public const string Schedule = "schedule";
}

/// <summary>Outcomes recorded in the trigger event log.</summary>
public static class TriggerOutcome
{
    public const string Accepted = "accepted";
    public const string Filtered = "filtered";
    public const string Duplicate = "duplicate";
    public const string Skipped = "skipped";

    /// <summary>A webhook call refused for its credentials (logged at most once per endpoint per few seconds).</summary>
    public const string Refused = "refused";
}

/// <summary>
/// An active (or formerly active) trigger of a published workflow: one per trigger step except <c>trigger_manual</c>.
/// Webhooks have an unguessable <see cref="EndpointKey"/> that stays the same across re-publishes of the same step.
/// <see cref="Secret"/>: for <c>token</c> the SHA-256 hash of the token; for <c>signature</c> the <c>whsec_</c> secret,
/// protected (encrypted) by the server before it is stored. <see cref="PreviousSecret"/> stays valid until
/// <see cref="PreviousExpiresAt"/> after a rotation. Schedules keep their next tick in <see cref="NextFireAt"/>;
/// <see cref="ScheduleKey"/> (cron and time zone) tells whether a re-publish changed the schedule.
/// </summary>
public sealed record TriggerEndpoint(
    string Id,
    string OrgId,
    string WorkflowId,
    string StepId,
    string Type,
    string? EndpointKey,
    string Auth,
    JsonNode? Config,
    string? Secret,
    string? PreviousSecret,
    DateTimeOffset? PreviousExpiresAt,
    bool Active,
    string? ScheduleKey,
    DateTimeOffset? NextFireAt,
    DateTimeOffset? LastFireAt,
    DateTimeOffset CreatedAt);

/// <summary>One trigger event as logged: accepted (with its execution), filtered out, a duplicate, or a skipped schedule tick.</summary>
public sealed record TriggerEventRecord(
    long Id,
    string OrgId,
    string WorkflowId,
    string StepId,
    string Type,
    string Outcome,
    string? DedupKey,
    string? ExecutionId,
    string? Detail,
    DateTimeOffset CreatedAt);

public sealed record TriggerCounts(string StepId, int Accepted, int Filtered, int Duplicates, int Skipped, int Refused = 0);

/// <summary>Trigger endpoints, schedule state and the trigger event log.</summary>
public interface ITriggerStore
{
    /// <summary>Every endpoint row of the workflow, active or not.</summary>
    Task<IReadOnlyList<TriggerEndpoint>> ListForWorkflowAsync(string orgId, string workflowId, CancellationToken ct = default);

    /// <summary>
    /// In one transaction: inserts or updates <paramref name="endpoints"/> (by workflow and step) as active and
    /// deactivates the workflow's other endpoints.
    /// </summary>
    Task ReplaceActiveAsync(string orgId, string workflowId, IReadOnlyList<TriggerEndpoint> endpoints, CancellationToken ct = default);

    /// <summary>An active webhook endpoint by its key, whatever its organisation.</summary>
    Task<TriggerEndpoint?> FindByKeyAsync(string endpointKey, CancellationToken ct = default);

    /// <summary>Active endpoints of a trigger type across organisations (WhatsApp, email, voice inbound).</summary>
    Task<IReadOnlyList<TriggerEndpoint>> ListActiveByTypeAsync(string type, CancellationToken ct = default);

    /// <summary>Sets a new secret, keeping the old one valid until <paramref name="previousExpiresAt"/>. False when there is no such active endpoint.</summary>
    Task<bool> RotateSecretAsync(string orgId, string workflowId, string stepId, string secret, string? previousSecret, DateTimeOffset? previousExpiresAt, CancellationToken ct = default);

    /// <summary>Active schedules whose next tick is due at <paramref name="now"/>.</summary>
    Task<IReadOnlyList<TriggerEndpoint>> ListDueSchedulesAsync(DateTimeOffset now, int max, CancellationToken ct = default);

    /// <summary>Moves a schedule from tick <paramref name="expectedNext"/> to <paramref name="next"/>; false when another process moved it first.</summary>
    Task<bool> AdvanceScheduleAsync(string id, DateTimeOffset expectedNext, DateTimeOffset? next, DateTimeOffset? fired, CancellationToken ct = default);

    /// <summary>The first recorded event with this dedup key for the trigger step, if any.</summary>
    Task<TriggerEventRecord?> FindEventAsync(string orgId, string workflowId, string stepId, string dedupKey, CancellationToken ct = default);

    /// <summary>Logs an event; an event whose dedup key is already logged for the step is ignored (false).</summary>
    Task<bool> RecordEventAsync(TriggerEventRecord record, CancellationToken ct = default);

    Task<IReadOnlyList<TriggerCounts>> CountEventsAsync(string orgId, string workflowId, CancellationToken ct = default);

    /// <summary>The newest events first.</summary>
    Task<IReadOnlyList<TriggerEventRecord>> ListEventsAsync(string orgId, string workflowId, int limit, CancellationToken ct = default);

    /// <summary>
    /// Deletes up to <paramref name="max"/> events logged before <paramref name="cutoff"/> (retention); returns how many.
    /// Their dedup keys go with them: a delivery repeated after the retention period starts a new execution.
    /// </summary>
    Task<int> PurgeEventsBeforeAsync(DateTimeOffset cutoff, int max, CancellationToken ct = default);
}
