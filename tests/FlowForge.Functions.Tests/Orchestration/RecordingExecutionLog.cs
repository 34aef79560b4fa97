using System.Collections.Concurrent;
using System.Text.Json;
using FlowForge.Core.Engine.History;
using FlowForge.Core.Storage;
using FlowForge.Functions.ExecutionLog;

namespace FlowForge.Functions.Tests.Orchestration;

/// <summary>
/// The real Table log (on Azurite), with each RecordTurn append also noted in memory as a turn, so the replay test can feed
/// the decider turn by turn. Everything is stored and read by the Table log itself.
/// </summary>
internal sealed class RecordingExecutionLog(IExecutionLog log) : IExecutionLog
{
    private readonly ConcurrentDictionary<string, ConcurrentQueue<(long AfterSequence, IReadOnlyList<HistoryEvent> Events)>> _turns = new();

    /// <summary>The turns as RecordTurn appended them, in order.</summary>
    public IReadOnlyList<(long AfterSequence, IReadOnlyList<HistoryEvent> Events)> Turns(string executionId) => [.. _turns[executionId]];

    /// <summary>An event as JSON through its base type (with its discriminator): how two events are compared.</summary>
    public static string Json(HistoryEvent e) => JsonSerializer.Serialize(e);

    public async Task AppendAsync(string executionId, long afterSequence, IReadOnlyList<HistoryEvent> events, string status, DateTimeOffset now, CancellationToken ct = default)
    {
        await log.AppendAsync(executionId, afterSequence, events, status, now, ct);
        _turns.GetOrAdd(executionId, _ => new()).Enqueue((afterSequence, events));
    }

    public Task EnsureCreatedAsync(CancellationToken ct = default) => log.EnsureCreatedAsync(ct);

    public Task<StartResult> CreateAsync(NewExecution execution, DateTimeOffset now, CancellationToken ct = default) => log.CreateAsync(execution, now, ct);

    public Task<ExecutionRecord?> GetAsync(string orgId, string executionId, CancellationToken ct = default) => log.GetAsync(orgId, executionId, ct);

    public Task<ExecutionRecord?> GetForHostAsync(string executionId, CancellationToken ct = default) => log.GetForHostAsync(executionId, ct);

    public Task<IReadOnlyList<HistoryEvent>> GetHistoryAsync(string executionId, long afterSequence = 0, CancellationToken ct = default) =>
        log.GetHistoryAsync(executionId, afterSequence, ct);

    public Task<IReadOnlyList<HistoryEvent>> GetHistoryOfTypesAsync(string executionId, IReadOnlyCollection<Type> types, CancellationToken ct = default) =>
        log.GetHistoryOfTypesAsync(executionId, types, ct);

    public Task<Page<ExecutionRecord>> ListAsync(string orgId, ExecutionQuery query, CancellationToken ct = default) => log.ListAsync(orgId, query, ct);

    public Task<ExecutionSlice> SearchAsync(string orgId, ExecutionSearch search, CancellationToken ct = default) => log.SearchAsync(orgId, search, ct);

    public Task<int> CountUnfinishedAsync(string orgId, CancellationToken ct = default) => log.CountUnfinishedAsync(orgId, ct);

    public Task<IReadOnlyList<ExecutionRecord>> ListWaitingAsync(string orgId, ExecutionCursor? after, int limit, CancellationToken ct = default) =>
        log.ListWaitingAsync(orgId, after, limit, ct);

    public Task<ExecutionRecord?> FindByIdempotencyKeyAsync(string orgId, string idempotencyKey, CancellationToken ct = default) =>
        log.FindByIdempotencyKeyAsync(orgId, idempotencyKey, ct);

    public Task<bool> PurgeAsync(string orgId, string executionId, CancellationToken ct = default) => log.PurgeAsync(orgId, executionId, ct);
}
