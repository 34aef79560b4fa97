using System.Text.Json;
using System.Threading.Channels;
using Dapper;
using FlowForge.Core.Storage;
using FlowForge.Core.Engine.History;
using Npgsql;

namespace FlowForge.Storage.Postgres;

/// <summary>One committed turn announced by NOTIFY (sent after the commit by the execution store, migration 0007), with its history events read back.</summary>
public sealed record PostgresFeedTurn(
    string ExecutionId, string OrgId, string WorkflowId, string Status, DateTimeOffset CreatedAt,
    long FirstSequence, IReadOnlyList<HistoryEvent> Events, DateTimeOffset CommittedAt);

/// <summary>
/// The cross-process live feed on PostgreSQL: LISTENs on the schema's feed channel on a dedicated connection
/// and hands every process's committed turns, in commit order, to a callback. A turn whose execution was
/// purged since is skipped. Starts at the first turn committed after it listens.
/// </summary>
/// <remarks>
/// NOTIFY reaches only connected listeners: the turns committed while the connection was down (PostgreSQL restarted, the
/// network dropped) were never announced to it. So each LISTEN after the first catches up: it hands over again the whole
/// history of every execution updated since shortly before the connection was last seen alive (<see cref="CatchUpMargin"/>).
/// Turns may thus arrive twice; consumers de-duplicate by sequence, as the live broadcaster does. Without this, an
/// execution whose last turns fell in the gap never showed its subscribers its end, nor a resync (the chaos soak found it).
/// </remarks>
public sealed class PostgresFeedListener(PostgresDatabase db)
{
    /// <summary>
    /// How far before the connection was last seen alive the catch-up starts: covers notices still in flight when it
    /// died and the commit timestamps' clock (each committing process's) running behind this one.
    /// </summary>
    public static readonly TimeSpan CatchUpMargin = TimeSpan.FromSeconds(5);

    /// <summary>When the listening connection last proved alive (this process's clock); null before the first LISTEN.</summary>
    private DateTimeOffset? _aliveAt;

    /// <summary>Notices dropped because <c>maxPending</c> executions were already waiting to be read.</summary>
    public long DroppedNotices => Interlocked.Read(ref _droppedNotices);

    private long _droppedNotices;

    /// <summary>
    /// Listens until <paramref name="ct"/> is cancelled or the connection fails (the exception is thrown; the
    /// caller reconnects). <paramref name="listening"/> is called once the LISTEN is in place.
    /// </summary>
    /// <remarks>
    /// Memory is bounded: notices wait in a backlog keyed by execution, where the notices of one execution
    /// merge into one range (read in one query), and at most <paramref name="maxPending"/> executions wait.
    /// Beyond that a notice is dropped and counted; the hub resyncs that execution's subscribers when its
    /// next turn arrives with a gap (the SQLite feed needs none of this: its backlog is the feed table).
    /// </remarks>
    public async Task ListenAsync(Func<PostgresFeedTurn, ValueTask> onTurn, Action? listening, CancellationToken ct, int maxPending = 20_000)
    {
        // Unpooled: the pool does not reset connections (PostgresDatabase), so a LISTEN must never go back into it.
        await using var connection = await db.OpenUnpooledAsync(ct);
        var channel = await connection.ExecuteScalarAsync<string>(new CommandDefinition(
            "SELECT 'flowforge_feed_' || md5(current_schema())", cancellationToken: ct)) ?? throw new InvalidOperationException("No current schema.");
        // Notifications arrive on the listening connection (during WaitAsync, in commit order); the history is read on
        // pooled connections by one reader, so a slow read never delays the socket and each execution's order is kept.
        var backlog = new Backlog(Math.Max(1, maxPending));
        connection.Notification += (_, e) =>
        {
            if (Notice.TryParse(e.Payload) is { } notice && !backlog.Add(notice)) Interlocked.Increment(ref _droppedNotices);
        };
        await connection.ExecuteAsync(new CommandDefinition($"LISTEN {PostgresDatabase.QuoteIdentifier(channel)}", cancellationToken: ct));
        // Only now, with LISTEN in place, is anything committed from here on announced: catch up on what came before it.
        if (_aliveAt is { } lastAlive) await CatchUpAsync(connection, backlog, lastAlive - CatchUpMargin, ct);
        _aliveAt = DateTimeOffset.UtcNow;
        listening?.Invoke();

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var reader = Task.Run(async () =>
        {
            try
            {
                while (await backlog.WaitAsync(stop.Token))
                {
                    while (backlog.TryTake(out var notice))
                    {
                        if (await ReadAsync(notice, stop.Token) is { } turn) await onTurn(turn);
                    }
                }
            }
            catch (Exception) when (!stop.IsCancellationRequested)
            {
                await stop.CancelAsync(); // wakes the listening loop, which rethrows this
                throw;
            }
        }, CancellationToken.None);
        try
        {
            while (true)
            {
                // A quiet channel: check now and then that the connection is still there (a dead one throws).
                if (!await connection.WaitAsync(TimeSpan.FromSeconds(30), stop.Token))
                    await connection.ExecuteAsync(new CommandDefinition("SELECT 1", cancellationToken: stop.Token));
                _aliveAt = DateTimeOffset.UtcNow;
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            await reader; // stopped by the reader, which failed: surface its exception
            throw;
        }
        finally
        {
            backlog.Complete();
            await stop.CancelAsync();
            try { await reader; } catch (Exception) when (stop.IsCancellationRequested) { }
        }
    }

    /// <summary>
    /// Queues every execution updated since <paramref name="since"/> (whole history: what its subscribers saw is not
    /// known here). A scan of the executions table, once per reconnect. Beyond the backlog's limit notices are dropped
    /// and counted as usual.
    /// </summary>
    private async Task CatchUpAsync(NpgsqlConnection connection, Backlog backlog, DateTimeOffset since, CancellationToken ct)
    {
        var touched = await connection.QueryAsync<(string Id, long LastSequence, DateTime UpdatedAt)>(new CommandDefinition(
            "SELECT id, last_sequence, updated_at FROM executions WHERE updated_at >= @since AND last_sequence > 0 ORDER BY updated_at",
            new { since = since.UtcDateTime }, cancellationToken: ct));
        foreach (var (id, lastSequence, updatedAt) in touched)
        {
            if (!backlog.Add(new Notice(id, 1, lastSequence, PostgresValues.FromDb(updatedAt)))) Interlocked.Increment(ref _droppedNotices);
        }
    }

    /// <summary>
    /// Notices waiting to be read, one entry per execution (first come, first read); a later notice of a waiting
    /// execution widens its range, so an execution's turns are still read in commit order.
    /// </summary>
    private sealed class Backlog(int capacity)
    {
        private readonly Lock _lock = new();
        private readonly Dictionary<string, Notice> _pending = [];
        private readonly Queue<string> _order = new();
        private readonly Channel<bool> _signal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

        /// <summary>False when the notice was dropped: <c>capacity</c> other executions are already waiting.</summary>
        public bool Add(Notice notice)
        {
            lock (_lock)
            {
                if (_pending.TryGetValue(notice.ExecutionId, out var waiting))
                {
                    _pending[notice.ExecutionId] = waiting with { From = Math.Min(waiting.From, notice.From), To = Math.Max(waiting.To, notice.To), CommittedAt = notice.CommittedAt };
                    return true;
                }
                if (_pending.Count >= capacity) return false;
                _pending[notice.ExecutionId] = notice;
                _order.Enqueue(notice.ExecutionId);
            }
            _signal.Writer.TryWrite(true);
            return true;
        }

        public bool TryTake(out Notice notice)
        {
            lock (_lock)
            {
                if (_order.TryDequeue(out var id) && _pending.Remove(id, out notice!)) return true;
            }
            notice = null!;
            return false;
        }

        public async ValueTask<bool> WaitAsync(CancellationToken ct)
        {
            if (!await _signal.Reader.WaitToReadAsync(ct)) return false;
            _signal.Reader.TryRead(out _);
            return true;
        }

        public void Complete() => _signal.Writer.TryComplete();
    }

    private async Task<PostgresFeedTurn?> ReadAsync(Notice notice, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        // One snapshot for the execution row and its events (REPEATABLE READ: both from the same committed state).
        await using var tx = await c.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        var e = await c.QuerySingleOrDefaultAsync<ExecutionRow>(new CommandDefinition(
            "SELECT org_id AS OrgId, workflow_id AS WorkflowId, status, created_at AS CreatedAt FROM executions WHERE id = @id",
            new { id = notice.ExecutionId }, tx, cancellationToken: ct));
        if (e is null) return null;
        var events = await c.QueryAsync<string>(new CommandDefinition(
            "SELECT data FROM history WHERE execution_id = @id AND sequence BETWEEN @from AND @to ORDER BY sequence",
            new { id = notice.ExecutionId, from = notice.From, to = notice.To }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        var list = events.Select(StoredEvent.Deserialize).ToList();
        if (list.Count == 0) return null;
        return new PostgresFeedTurn(notice.ExecutionId, e.OrgId, e.WorkflowId, e.Status, PostgresValues.FromDb(e.CreatedAt), notice.From, list, notice.CommittedAt);
    }

    private sealed class ExecutionRow
    {
        public string OrgId { get; set; } = "";
        public string WorkflowId { get; set; } = "";
        public string Status { get; set; } = "";
        public DateTime CreatedAt { get; set; }
    }

    private sealed record Notice(string ExecutionId, long From, long To, DateTimeOffset CommittedAt)
    {
        public static Notice? TryParse(string payload)
        {
            try
            {
                using var doc = JsonDocument.Parse(payload);
                var r = doc.RootElement;
                return new Notice(r.GetProperty("e").GetString()!, r.GetProperty("f").GetInt64(), r.GetProperty("t").GetInt64(),
                    r.GetProperty("c").GetDateTimeOffset());
            }
            catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
            {
                return null;
            }
        }
    }
}
