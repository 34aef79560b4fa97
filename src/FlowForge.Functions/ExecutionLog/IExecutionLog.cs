using FlowForge.Core.Engine.History;
using FlowForge.Core.Storage;

namespace FlowForge.Functions.ExecutionLog;

/// <summary>
/// The Functions host's execution log and index, kept in Azure Table storage beside the orchestration history: the
/// execution list, detail, history and approvals read it, so no query replays or scans Durable Task's own history.
/// The orchestration appends each turn's events through its RecordTurn activity (the only writer of an execution's
/// history, as the dispatcher is on the server); the HTTP functions read and create rows through the client store.
/// Rows hold the same <see cref="HistoryEvent"/> JSON the server's stores hold, so the server's projections (step logs,
/// skipped steps, awaited events) render them unchanged and the two hosts answer with one contract.
/// </summary>
internal interface IExecutionLog : IExecutionHistoryReader
{
    /// <summary>Creates the tables when missing (idempotent; called once at start-up).</summary>
    Task EnsureCreatedAsync(CancellationToken ct = default);

    /// <summary>
    /// Writes the execution's index row (status pending, <paramref name="now"/> as created-at) and, with an idempotency
    /// key, the key's row. A key already used in the organisation returns that execution (Existing) and writes nothing.
    /// </summary>
    Task<StartResult> CreateAsync(NewExecution execution, DateTimeOffset now, CancellationToken ct = default);

    /// <summary>
    /// Appends one orchestration turn: <paramref name="events"/> numbered from <paramref name="afterSequence"/> + 1, and
    /// the index row updated to <paramref name="status"/> (output, error and completed-at from a terminal event). An
    /// append repeated after a crash (the activity runs again) rewrites the same rows: a replayed orchestration produces
    /// the same events at the same sequence numbers.
    /// </summary>
    Task AppendAsync(string executionId, long afterSequence, IReadOnlyList<HistoryEvent> events, string status, DateTimeOffset now, CancellationToken ct = default);

    Task<ExecutionRecord?> GetAsync(string orgId, string executionId, CancellationToken ct = default);

    /// <summary>An execution whatever its organisation: for the orchestration and the hooks' own checks.</summary>
    Task<ExecutionRecord?> GetForHostAsync(string executionId, CancellationToken ct = default);

    Task<Page<ExecutionRecord>> ListAsync(string orgId, ExecutionQuery query, CancellationToken ct = default);

    Task<ExecutionSlice> SearchAsync(string orgId, ExecutionSearch search, CancellationToken ct = default);

    Task<int> CountUnfinishedAsync(string orgId, CancellationToken ct = default);

    Task<IReadOnlyList<ExecutionRecord>> ListWaitingAsync(string orgId, ExecutionCursor? after, int limit, CancellationToken ct = default);

    Task<ExecutionRecord?> FindByIdempotencyKeyAsync(string orgId, string idempotencyKey, CancellationToken ct = default);

    Task<IReadOnlyList<HistoryEvent>> GetHistoryOfTypesAsync(string executionId, IReadOnlyCollection<Type> types, CancellationToken ct = default);

    /// <summary>Deletes a finished execution's rows. False when not found or not finished.</summary>
    Task<bool> PurgeAsync(string orgId, string executionId, CancellationToken ct = default);
}
