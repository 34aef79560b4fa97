using System.Text.Json.Nodes;
using FlowForge.Core.Engine.History;

namespace FlowForge.Core.Storage;

/// <summary>The status of an execution, as the API shows it.</summary>
public static class ExecutionStatus
{
    public const string Pending = "pending";
    public const string Running = "running";
    public const string Waiting = "waiting";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    public static bool IsTerminal(string status) => status is Completed or Failed or Cancelled;

    public static readonly string[] All = [Pending, Running, Waiting, Completed, Failed, Cancelled];
}

/// <summary>An execution's status row. The history holds everything else.</summary>
public sealed record ExecutionRecord(
    string Id,
    string OrgId,
    string WorkflowId,
    int Version,
    string Status,
    JsonNode? TriggerData,
    JsonNode? Output,
    string? Error,
    string? ParentExecutionId,
    string? RetryOf,
    DateTimeOffset CreatedAt,
    DateTimeOffset? CompletedAt,
    DateTimeOffset UpdatedAt,
    long LastSequence);

/// <summary>
/// A request to start an execution. <see cref="IdempotencyKey"/> is unique per organisation. With <see cref="Lease"/>,
/// the execution is inserted already leased to a dispatcher (as a claim would lease it), so the process that accepted
/// the start can run its first turn without claiming it; if it never does, the lease expires and any dispatcher claims it.
/// With <see cref="FirstTurn"/>, that process decided the first turn already (from the <see cref="ExecutionStarted"/> event
/// it built): the store may write it in the start's own transaction, in place of the inbox message (see <see cref="StartResult"/>).
/// </summary>
/// <param name="FirstTurn">
/// The first turn, as a dispatcher would commit it after consuming the start's message: <see cref="OrchestrationCommit.ExpectedLastSequence"/>
/// 0, no consumed messages, the <see cref="ExecutionStarted"/> event first among the new events. A turn that sends messages or starts
/// children is never taken; nor is any turn by a store that does not take first turns at all, or not in that batch (a burst of starts
/// on PostgreSQL). A start that does not take it is exactly a start without it.
/// </param>
/// <param name="RequirePublishedVersion">
/// Write the execution only while its workflow exists and <see cref="Version"/> is the one published, checked by the insert
/// itself; otherwise write nothing and throw <see cref="WorkflowVersionNotPublishedException"/>. A starter that remembers
/// the published version starts on it without reading the workflow first, and still never starts a version no longer published.
/// </param>
public sealed record NewExecution(
    string Id,
    string OrgId,
    string WorkflowId,
    int Version,
    JsonNode? TriggerData,
    string? TriggerNodeId = null,
    string? IdempotencyKey = null,
    string? ParentExecutionId = null,
    string? ParentStepKey = null,
    string? RetryOf = null,
    int Depth = 0,
    ExecutionLease? Lease = null,
    OrchestrationCommit? FirstTurn = null,
    bool RequirePublishedVersion = false)
{
    /// <summary>Whether <see cref="FirstTurn"/> is one a store may take (see its description).</summary>
    public bool HasFirstTurnToTake => FirstTurn is { ExpectedLastSequence: 0, ConsumedMessageIds.Count: 0, NewEvents: [ExecutionStarted, ..] } turn
        && turn.Messages is not { Count: > 0 } && turn.Children is not { Count: > 0 } && turn.CompletedActivities is not { Count: > 0 };
}

/// <summary>
/// A start with <see cref="NewExecution.RequirePublishedVersion"/> found its version no longer published (another was published,
/// the workflow was unpublished or deleted) and wrote nothing.
/// </summary>
public sealed class WorkflowVersionNotPublishedException(string workflowId, int version)
    : Exception($"Version {version} of workflow '{workflowId}' is not its published version.")
{
    public string WorkflowId { get; } = workflowId;

    public int Version { get; } = version;
}

/// <summary>An orchestration lease taken at insert time: the dispatcher <see cref="Owner"/> holds the execution until <see cref="Expires"/>.</summary>
public sealed record ExecutionLease(string Owner, DateTimeOffset Expires);

/// <summary>
/// The outcome of a start: the execution, and whether an earlier start with the same idempotency key returned it.
/// <see cref="FirstMessage"/> is the <see cref="ExecutionStarted"/> inbox message the start inserted, as a claim would
/// return it; only a new start with a <see cref="NewExecution.Lease"/> carries it (null otherwise). <see cref="FirstTurn"/> is set
/// when the start wrote its <see cref="NewExecution.FirstTurn"/> instead of that message (the leased activities to run at once);
/// <see cref="Execution"/> then is the row after that turn.
/// </summary>
public sealed record StartResult(ExecutionRecord Execution, bool Existing, InboxMessage? FirstMessage = null, CommitResult? FirstTurn = null);

/// <summary>
/// A message for an execution's inbox: an activity result, a fired timer, an external event, a cancel, a child's outcome.
/// <see cref="VisibleAt"/> is kept to the microsecond (PostgreSQL's precision); <see cref="Event"/>'s timestamp to the tick.
/// </summary>
public sealed record InboxMessage(long Id, string ExecutionId, HistoryEvent Event, DateTimeOffset VisibleAt);

/// <summary>An execution with inbox messages that are due: the dispatcher's unit of work.</summary>
public sealed record OrchestrationWorkItem(ExecutionRecord Execution, IReadOnlyList<InboxMessage> Messages);

/// <summary>An activity to run: a step attempt. <see cref="IdempotencyKey"/> is <c>executionId:stepKey:attempt</c>.</summary>
public sealed record ActivityRequest(
    string ExecutionId,
    string OrgId,
    string StepKey,
    string NodeId,
    string NodeType,
    int Attempt,
    JsonNode? Input,
    TimeSpan Timeout)
{
    public string IdempotencyKey => $"{ExecutionId}:{StepKey}:{Attempt}";
}

/// <summary>A claimed activity. <see cref="ClaimCount"/> counts claims without a result (poison detection).</summary>
public sealed record ActivityWorkItem(long Id, ActivityRequest Request, int ClaimCount, DateTimeOffset LeaseExpires);

/// <summary>A finished activity: the result event goes to the execution's inbox in the same transaction that deletes the item.</summary>
public sealed record ActivityCompletion(long ActivityId, string LeaseOwner, string ExecutionId, HistoryEvent Result);

/// <summary>A timer or delayed message: goes to the inbox, visible at <see cref="FireAt"/>.</summary>
public sealed record ScheduledMessage(string ExecutionId, HistoryEvent Event, DateTimeOffset FireAt);

/// <summary>
/// Everything one dispatcher turn decided for one execution, committed atomically: the consumed inbox
/// messages and the decider's events appended to history after <see cref="ExpectedLastSequence"/>,
/// the new status, and the work the events imply (activities, timers, children, a parent's wake-up).
/// With <see cref="ActivityLeaseOwner"/> set, the activities are inserted already leased to that owner
/// (until now + their timeout + <see cref="ActivityLeaseGrace"/>) so the committing process runs them
/// without a claim round trip. A terminal <see cref="Status"/> drops the execution's pending activities
/// and inbox messages. <see cref="CompletedActivities"/> are activity results handed to the dispatcher in
/// memory (their events are among <see cref="NewEvents"/>): their rows are deleted if still leased by
/// their owner, else the commit is a conflict.
/// </summary>
public sealed record OrchestrationCommit(
    string ExecutionId,
    long ExpectedLastSequence,
    IReadOnlyList<long> ConsumedMessageIds,
    IReadOnlyList<HistoryEvent> NewEvents,
    string Status,
    JsonNode? Output = null,
    string? Error = null,
    IReadOnlyList<ActivityRequest>? Activities = null,
    string? ActivityLeaseOwner = null,
    TimeSpan ActivityLeaseGrace = default,
    IReadOnlyList<ScheduledMessage>? Messages = null,
    IReadOnlyList<NewExecution>? Children = null,
    IReadOnlyList<ActivityCompletion>? CompletedActivities = null);

/// <summary>The outcome of a commit; <c>Conflict</c> means another dispatcher got there first and nothing was written.</summary>
public enum CommitOutcome { Committed, Conflict }

/// <summary>A commit's outcome and, when activities were leased to the committing process, those activities (to run at once).</summary>
public sealed record CommitResult(CommitOutcome Outcome, IReadOnlyList<ActivityWorkItem> LeasedActivities);

/// <summary>A keyset position in a list ordered by creation time then id.</summary>
public sealed record ExecutionCursor(DateTimeOffset CreatedAt, string Id);

public sealed record ExecutionQuery(string? WorkflowId, string? Status, DateTimeOffset? Since, int Page, int Limit);

/// <summary>
/// Executions: status rows, append-only histories, inboxes and the activity queue, in two halves as Durable Task
/// splits its client from its orchestration service: <see cref="IExecutionClientStore"/> for those who start, read,
/// signal and purge executions (the API, the starter, the hooks), <see cref="IExecutionWorkerStore"/> for those who
/// run them (the dispatcher, the activity workers, retention). Each backend implements both in one class, registered
/// once and resolved as either half; callers take the half they use. One conformance suite covers the whole.
/// SQLite embedded, PostgreSQL to scale out (FOR UPDATE SKIP LOCKED claims).
/// </summary>
public interface IExecutionStore : IExecutionClientStore, IExecutionWorkerStore;

/// <summary>Reading a history: the API shows it, the dispatcher replays it.</summary>
public interface IExecutionHistoryReader
{
    /// <summary>The history after <paramref name="afterSequence"/>, in order.</summary>
    Task<IReadOnlyList<HistoryEvent>> GetHistoryAsync(string executionId, long afterSequence = 0, CancellationToken ct = default);
}

/// <summary>The client-facing half: start, read, list, signal (events, cancel, resume) and purge executions.</summary>
public interface IExecutionClientStore : IExecutionHistoryReader
{
    /// <summary>
    /// Creates the execution (status pending) with its <see cref="ExecutionStarted"/> event in its inbox,
    /// in one transaction. With an idempotency key already used in the organisation, returns that execution
    /// and writes nothing (no lease either, and no <see cref="StartResult.FirstMessage"/>). The history itself is
    /// only ever appended by the dispatcher. With <see cref="NewExecution.Lease"/>, the new execution is leased to
    /// its owner in the same statement and the result carries the inbox message, so that owner's dispatcher can
    /// decide the first turn without a claim; other dispatchers cannot claim it until the lease expires.
    /// With a <see cref="NewExecution.FirstTurn"/> it may take (<see cref="NewExecution.HasFirstTurnToTake"/>), the store may
    /// instead write that turn in the same transaction, with no inbox message: the history and the execution's dispatcher,
    /// the only writers of a history, are then this start and the dispatcher that decided the turn.
    /// </summary>
    Task<StartResult> StartAsync(NewExecution execution, CancellationToken ct = default);

    /// <summary>
    /// Whether a start made now would likely write its <see cref="NewExecution.FirstTurn"/>: a hint, so that a caller decides
    /// a first turn only when it is likely to be used (PostgreSQL writes a start with its turn only when it is alone in its batch).
    /// </summary>
    bool LikelyWritesFirstTurn => false;

    Task<ExecutionRecord?> GetAsync(string orgId, string executionId, CancellationToken ct = default);

    Task<Page<ExecutionRecord>> ListAsync(string orgId, ExecutionQuery query, CancellationToken ct = default);

    /// <summary>
    /// The organisation's executions newest first by keyset (never an offset): the cost of a slice does not grow
    /// with the number of stored executions. See <see cref="ExecutionSearch"/> for the bounded row filters.
    /// </summary>
    Task<ExecutionSlice> SearchAsync(string orgId, ExecutionSearch search, CancellationToken ct = default);

    /// <summary>How many of the organisation's executions are unfinished (pending, running or waiting): an indexed count, for quotas.</summary>
    Task<int> CountUnfinishedAsync(string orgId, CancellationToken ct = default);

    /// <summary>
    /// The organisation's waiting executions, oldest first (created_at, then id), after <paramref name="after"/>: the
    /// approvals inbox's candidates. Only unfinished executions are read (their partial index), so the cost follows how
    /// many runs are open, not how many are stored.
    /// </summary>
    Task<IReadOnlyList<ExecutionRecord>> ListWaitingAsync(string orgId, ExecutionCursor? after, int limit, CancellationToken ct = default);

    /// <summary>The organisation's execution started with <paramref name="idempotencyKey"/>, or null (a repeat is answered with it whatever the quota).</summary>
    Task<ExecutionRecord?> FindByIdempotencyKeyAsync(string orgId, string idempotencyKey, CancellationToken ct = default);

    /// <summary>
    /// Only the history events of the given <see cref="HistoryEvent"/> types, in order: for a question a few kinds of
    /// events answer (which steps wait for an event), without reading every step's input and output.
    /// </summary>
    Task<IReadOnlyList<HistoryEvent>> GetHistoryOfTypesAsync(string executionId, IReadOnlyCollection<Type> types, CancellationToken ct = default);

    /// <summary>Puts an event in a non-terminal execution's inbox (external event, cancel, resume). False when not found or finished.</summary>
    Task<bool> SendAsync(string orgId, string executionId, HistoryEvent message, DateTimeOffset now, bool allowTerminal = false, CancellationToken ct = default);

    /// <summary>Deletes a finished execution and its history. False when not found or not finished.</summary>
    Task<bool> PurgeAsync(string orgId, string executionId, CancellationToken ct = default);
}

/// <summary>
/// The worker-facing half: claims, commits and releases of orchestration turns, the activity queue, when work is
/// next due, and retention. Leases, not locks: a crashed worker's claims become claimable again when they expire.
/// </summary>
public interface IExecutionWorkerStore : IExecutionHistoryReader
{
    /// <summary>For the engine: an execution whatever its organisation.</summary>
    Task<ExecutionRecord?> GetForEngineAsync(string executionId, CancellationToken ct = default);

    /// <summary>
    /// Executions with due inbox messages not leased by another dispatcher, leased to <paramref name="owner"/>
    /// for <paramref name="lease"/>. Messages come in arrival order.
    /// </summary>
    Task<IReadOnlyList<OrchestrationWorkItem>> ClaimOrchestrationsAsync(string owner, int max, TimeSpan lease, DateTimeOffset now, CancellationToken ct = default);

    /// <summary>Commits several turns in one transaction (group commit); each is checked and applied on its own.</summary>
    Task<IReadOnlyList<CommitResult>> CommitOrchestrationsAsync(string owner, IReadOnlyList<OrchestrationCommit> commits, CancellationToken ct = default);

    /// <summary>Releases orchestration leases held by <paramref name="owner"/> (graceful shutdown).</summary>
    Task ReleaseOrchestrationsAsync(string owner, CancellationToken ct = default);

    /// <summary>
    /// Activities whose lease is free or expired, leased to <paramref name="owner"/> until now + their
    /// timeout + <paramref name="leaseGrace"/>; each claim increments the claim count.
    /// </summary>
    Task<IReadOnlyList<ActivityWorkItem>> ClaimActivitiesAsync(string owner, int max, TimeSpan leaseGrace, DateTimeOffset now, CancellationToken ct = default);

    /// <summary>Records results: deletes each item still leased by its owner and puts the result in the execution's inbox. Returns how many were applied.</summary>
    Task<int> CompleteActivitiesAsync(IReadOnlyList<ActivityCompletion> completions, DateTimeOffset now, CancellationToken ct = default);

    /// <summary>Makes activities leased by <paramref name="owner"/> claimable again at once (graceful shutdown).</summary>
    Task ReleaseActivitiesAsync(string owner, IReadOnlyCollection<long>? ids = null, CancellationToken ct = default);

    /// <summary>When the next inbox message or activity lease becomes due, so idle loops sleep just long enough.</summary>
    Task<DateTimeOffset?> NextDueAsync(CancellationToken ct = default);

    /// <summary>When the next inbox message becomes due (the dispatcher's work; activities are the workers').</summary>
    Task<DateTimeOffset?> NextMessageDueAsync(CancellationToken ct = default);

    /// <summary>Deletes finished executions completed before <paramref name="cutoff"/>; returns how many.</summary>
    Task<int> PurgeFinishedBeforeAsync(DateTimeOffset cutoff, int max, CancellationToken ct = default);
}

/// <summary>
/// A keyset query of an organisation's executions, newest first. <see cref="After"/> is the last row read (rows
/// started later sort before it, so paging on never repeats nor skips a row however many executions start meanwhile).
/// <see cref="WorkflowId"/>, <see cref="From"/> (inclusive), <see cref="To"/> (exclusive) and <see cref="After"/>
/// bound the index range; <see cref="Statuses"/>
/// and <see cref="Text"/> (a case-insensitive substring of the trigger data's JSON) are checked row by row, so a
/// query with them reads at most <see cref="ScanLimit"/> rows of that range: when fewer than <see cref="Limit"/>
/// match within them, the slice is short and its cursor continues after the last row read.
/// </summary>
public sealed record ExecutionSearch(
    string? WorkflowId = null,
    IReadOnlyCollection<string>? Statuses = null,
    DateTimeOffset? From = null,
    DateTimeOffset? To = null,
    string? Text = null,
    ExecutionCursor? After = null,
    int Limit = 50,
    int ScanLimit = 5000)
{
    /// <summary>Whether some filter is checked row by row (and the scan is bounded).</summary>
    public bool FiltersRows => Statuses is { Count: > 0 } || !string.IsNullOrEmpty(Text);
}

/// <summary>One row of the executions list: what a list shows, without trigger data or output.</summary>
public sealed record ExecutionListItem(
    string Id,
    string WorkflowId,
    string? WorkflowName,
    int Version,
    string Status,
    string? TriggerType,
    string? Error,
    string? ParentExecutionId,
    string? RetryOf,
    DateTimeOffset CreatedAt,
    DateTimeOffset? CompletedAt,
    DateTimeOffset UpdatedAt);

/// <summary>A slice of the list; <see cref="Next"/> is null when the range holds no more rows.</summary>
public sealed record ExecutionSlice(IReadOnlyList<ExecutionListItem> Items, ExecutionCursor? Next);

/// <summary>The text search of <see cref="ExecutionSearch"/> as a LIKE pattern, on every backend.</summary>
public static class ExecutionSearchText
{
    /// <summary>Escapes LIKE's wildcards with a backslash (queries say <c>ESCAPE '\'</c>), so the text matches literally.</summary>
    public static string EscapeLike(string text) => text.Replace(@"\", @"\\").Replace("%", @"\%").Replace("_", @"\_");
}
