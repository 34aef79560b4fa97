using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using FlowForge.Core.Engine.History;
using FlowForge.Core.Storage;

namespace FlowForge.Bench;

/// <summary>
/// <c>--profile</c> only: wraps the real <see cref="IExecutionStore"/> and counts calls, items and wall time per
/// method, to see where an execution's time goes (store round trips vs. everything else). Adds a little overhead.
/// </summary>
public sealed class ProfilingExecutionStore(IExecutionStore inner) : IExecutionStore, IDisposable
{
    private sealed class Stat
    {
        public long Calls, Items, Ticks, Empty;
    }

    private readonly ConcurrentDictionary<string, Stat> _stats = new();
    private readonly List<(string Name, long Begin, long End)> _timeline = [];
    private bool _recording;

    public void Reset() => _stats.Clear();

    /// <summary>Records every store call's begin and end from now on (sequential latency runs: one execution at a time).</summary>
    public void StartTimeline()
    {
        if (_commands.ActivityStopped is null) ListenToCommands();
        lock (_timeline) { _timeline.Clear(); _recording = true; }
    }

    // Npgsql's own spans (ActivitySource "Npgsql"): every PostgreSQL command, from the API's reads to the engine's commits.
    private readonly ActivityListener _commands = new()
    {
        ShouldListenTo = source => source.Name == "Npgsql",
        Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
    };

    public void Dispose()
    {
        _commands.Dispose();
        _requests.Dispose();
    }

    // ASP.NET Core's request span (ActivitySource "Microsoft.AspNetCore"): when the server began the request, which splits
    // the client's send and Kestrel's read from the server's own work before the start.
    private readonly ActivityListener _requests = new()
    {
        ShouldListenTo = source => source.Name == "Microsoft.AspNetCore",
        Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
    };

    private void ListenToCommands()
    {
        _requests.ActivityStarted = _ =>
        {
            if (!_recording) return;
            var now = Stopwatch.GetTimestamp();
            lock (_timeline) _timeline.Add(("request in", now, now));
        };
        ActivitySource.AddActivityListener(_requests);
        _commands.ActivityStopped = a =>
        {
            if (!_recording) return;
            var end = Stopwatch.GetTimestamp();
            var text = (a.GetTagItem("db.query.text") ?? a.GetTagItem("db.statement"))?.ToString() ?? a.DisplayName;
            var words = string.Join(' ', text.Split((char[])[' ', '\n', '\r', '\t', '('], StringSplitOptions.RemoveEmptyEntries).Take(6));
            lock (_timeline) _timeline.Add(("sql " + words, end - (long)(a.Duration.TotalSeconds * Stopwatch.Frequency), end));
        };
        ActivitySource.AddActivityListener(_commands);
    }

    /// <summary>
    /// Where the time of sequential runs went, from the timeline: each run from its POST (<paramref name="runs"/>: sent,
    /// terminal commit observed) is split into the HTTP request up to the store's start, the start, the commits, the
    /// engine's work between them, and the time from the last commit to the terminal commit observed. Medians.
    /// </summary>
    public string TimelineReport(IReadOnlyList<(long Sent, long Finished)> runs)
    {
        List<(string Name, long Begin, long End)> calls;
        lock (_timeline) { calls = [.. _timeline]; _recording = false; }
        var parts = new Dictionary<string, List<double>>();
        void Add(string part, double ms) { if (!parts.TryGetValue(part, out var l)) parts[part] = l = []; l.Add(ms); }
        static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
        foreach (var (sent, finished) in runs)
        {
            var mine = calls.Where(c => c.Begin >= sent && c.End <= finished && !c.Name.StartsWith("sql ", StringComparison.Ordinal) && c.Name != "request in")
                .OrderBy(c => c.Begin).ToList();
            var requestIn = calls.FirstOrDefault(c => c.Begin >= sent && c.Name == "request in");
            var sql = calls.Where(c => c.Begin >= sent && c.End <= finished && c.Name.StartsWith("sql ", StringComparison.Ordinal)).ToList();
            var start = mine.FirstOrDefault(c => c.Name == "StartAsync");
            if (start.Name is null) continue;
            var commits = mine.Where(c => c.Name == "CommitOrchestrationsAsync" && c.Begin >= start.End).ToList();
            Add("1 POST sent → store start", Ms(start.Begin - sent));
            if (requestIn.Name is not null && requestIn.Begin <= start.Begin)
            {
                Add("1a POST sent → server begins the request", Ms(requestIn.Begin - sent));
                Add("1b server begins the request → store start", Ms(start.Begin - requestIn.Begin));
            }
            foreach (var group in sql.Where(c => c.End <= start.Begin).GroupBy(c => c.Name)) Add($"1.{group.Key} (before the start)", Ms(group.Sum(c => c.End - c.Begin)));
            Add("  sql commands per run", sql.Count);
            Add("2 store start", Ms(start.End - start.Begin));
            Add("2.sql its statement", Ms(sql.Where(q => q.Begin >= start.Begin && q.End <= start.End).Sum(q => q.End - q.Begin)));
            Add("3 commits (sum)", Ms(commits.Sum(c => c.End - c.Begin)));
            // Npgsql's span of each commit's statement: the round trip and PostgreSQL's work (the rest is the store's own).
            Add("3.sql their statements (sum)", Ms(sql.Where(q => commits.Any(c => q.Begin >= c.Begin && q.End <= c.End)).Sum(q => q.End - q.Begin)));
            Add("4 between start and commits (sum)", Ms((commits.Count > 0 ? commits[^1].End - start.End : 0) - commits.Sum(c => c.End - c.Begin)));
            Add("5 last commit → observed", Ms(finished - (commits.Count > 0 ? commits[^1].End : start.End)));
            Add("  commits per run", commits.Count);
            Add("  other store calls per run", mine.Count - 1 - commits.Count);
            Add("total", Ms(finished - sent));
        }
        var sb = new StringBuilder($"where a sequential run's time went ({runs.Count} runs, medians; the parts' medians need not add up to the total's):\n");
        sb.AppendLine("| part | ms |");
        sb.AppendLine("|---|---:|");
        foreach (var (name, values) in parts.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            values.Sort();
            sb.AppendLine($"| {name} | {values[values.Count / 2]:0.000} |");
        }
        return sb.ToString();
    }

    public string Report(int executions)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"store calls for {executions} executions (wall time inside the store; calls overlap across threads):");
        sb.AppendLine("| method | calls | calls/exec | items/call | empty | ms/call | total ms |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var (name, s) in _stats.OrderByDescending(kv => kv.Value.Ticks))
        {
            var ms = s.Ticks * 1000.0 / Stopwatch.Frequency;
            sb.AppendLine($"| {name} | {s.Calls} | {(double)s.Calls / Math.Max(1, executions):0.00} | {(double)s.Items / Math.Max(1, s.Calls):0.0} | {s.Empty} | {ms / Math.Max(1, s.Calls):0.000} | {ms:0} |");
        }
        return sb.ToString();
    }

    private async Task<T> Time<T>(string name, Func<Task<T>> call, Func<T, int>? items = null)
    {
        var start = Stopwatch.GetTimestamp();
        var result = await call();
        if (_recording) lock (_timeline) _timeline.Add((name, start, Stopwatch.GetTimestamp()));
        var stat = _stats.GetOrAdd(name, _ => new Stat());
        Interlocked.Increment(ref stat.Calls);
        Interlocked.Add(ref stat.Ticks, Stopwatch.GetTimestamp() - start);
        if (items is not null)
        {
            var n = items(result);
            Interlocked.Add(ref stat.Items, n);
            if (n == 0) Interlocked.Increment(ref stat.Empty);
        }
        return result;
    }

    private Task Time(string name, Func<Task> call) => Time(name, async () => { await call(); return 0; });

    public bool LikelyWritesFirstTurn => inner.LikelyWritesFirstTurn;

    public Task<StartResult> StartAsync(NewExecution execution, CancellationToken ct = default) => Time("StartAsync", () => inner.StartAsync(execution, ct));
    public Task<ExecutionRecord?> GetAsync(string orgId, string executionId, CancellationToken ct = default) => Time("GetAsync", () => inner.GetAsync(orgId, executionId, ct));
    public Task<ExecutionRecord?> GetForEngineAsync(string executionId, CancellationToken ct = default) => Time("GetForEngineAsync", () => inner.GetForEngineAsync(executionId, ct));
    public Task<Page<ExecutionRecord>> ListAsync(string orgId, ExecutionQuery query, CancellationToken ct = default) => Time("ListAsync", () => inner.ListAsync(orgId, query, ct));
    public Task<ExecutionSlice> SearchAsync(string orgId, ExecutionSearch search, CancellationToken ct = default) => Time("SearchAsync", () => inner.SearchAsync(orgId, search, ct));
    public Task<int> CountUnfinishedAsync(string orgId, CancellationToken ct = default) => Time("CountUnfinishedAsync", () => inner.CountUnfinishedAsync(orgId, ct));
    public Task<IReadOnlyList<ExecutionRecord>> ListWaitingAsync(string orgId, ExecutionCursor? after, int limit, CancellationToken ct = default) => Time("ListWaitingAsync", () => inner.ListWaitingAsync(orgId, after, limit, ct), r => r.Count);
    public Task<ExecutionRecord?> FindByIdempotencyKeyAsync(string orgId, string idempotencyKey, CancellationToken ct = default) => Time("FindByIdempotencyKeyAsync", () => inner.FindByIdempotencyKeyAsync(orgId, idempotencyKey, ct));
    public Task<IReadOnlyList<HistoryEvent>> GetHistoryAsync(string executionId, long afterSequence = 0, CancellationToken ct = default) => Time("GetHistoryAsync", () => inner.GetHistoryAsync(executionId, afterSequence, ct), r => r.Count);

    public Task<IReadOnlyList<HistoryEvent>> GetHistoryOfTypesAsync(string executionId, IReadOnlyCollection<Type> types, CancellationToken ct = default) => Time("GetHistoryOfTypesAsync", () => inner.GetHistoryOfTypesAsync(executionId, types, ct), r => r.Count);
    public Task<IReadOnlyList<OrchestrationWorkItem>> ClaimOrchestrationsAsync(string owner, int max, TimeSpan lease, DateTimeOffset now, CancellationToken ct = default) => Time("ClaimOrchestrationsAsync", () => inner.ClaimOrchestrationsAsync(owner, max, lease, now, ct), r => r.Count);
    public Task<IReadOnlyList<CommitResult>> CommitOrchestrationsAsync(string owner, IReadOnlyList<OrchestrationCommit> commits, CancellationToken ct = default) => Time("CommitOrchestrationsAsync", () => inner.CommitOrchestrationsAsync(owner, commits, ct), r => r.Count);
    public Task ReleaseOrchestrationsAsync(string owner, CancellationToken ct = default) => Time("ReleaseOrchestrationsAsync", () => inner.ReleaseOrchestrationsAsync(owner, ct));
    public Task<IReadOnlyList<ActivityWorkItem>> ClaimActivitiesAsync(string owner, int max, TimeSpan leaseGrace, DateTimeOffset now, CancellationToken ct = default) => Time("ClaimActivitiesAsync", () => inner.ClaimActivitiesAsync(owner, max, leaseGrace, now, ct), r => r.Count);
    public Task<int> CompleteActivitiesAsync(IReadOnlyList<ActivityCompletion> completions, DateTimeOffset now, CancellationToken ct = default) => Time("CompleteActivitiesAsync", () => inner.CompleteActivitiesAsync(completions, now, ct), r => r);
    public Task ReleaseActivitiesAsync(string owner, IReadOnlyCollection<long>? ids = null, CancellationToken ct = default) => Time("ReleaseActivitiesAsync", () => inner.ReleaseActivitiesAsync(owner, ids, ct));
    public Task<bool> SendAsync(string orgId, string executionId, HistoryEvent message, DateTimeOffset now, bool allowTerminal = false, CancellationToken ct = default) => Time("SendAsync", () => inner.SendAsync(orgId, executionId, message, now, allowTerminal, ct));
    public Task<DateTimeOffset?> NextDueAsync(CancellationToken ct = default) => Time("NextDueAsync", () => inner.NextDueAsync(ct));
    public Task<DateTimeOffset?> NextMessageDueAsync(CancellationToken ct = default) => Time("NextMessageDueAsync", () => inner.NextMessageDueAsync(ct));
    public Task<bool> PurgeAsync(string orgId, string executionId, CancellationToken ct = default) => Time("PurgeAsync", () => inner.PurgeAsync(orgId, executionId, ct));
    public Task<int> PurgeFinishedBeforeAsync(DateTimeOffset cutoff, int max, CancellationToken ct = default) => Time("PurgeFinishedBeforeAsync", () => inner.PurgeFinishedBeforeAsync(cutoff, max, ct));
}
