using FlowForge.Server.Engine;
using FlowForge.Storage.Postgres;
using Microsoft.Extensions.Options;

namespace FlowForge.Server.Live;

/// <summary>
/// The cross-process feed on PostgreSQL: LISTENs to the schema's feed channel (NOTIFY sent by a trigger in
/// every commit transaction, migration 0004) and publishes every process's turns in commit order, this
/// process's included (the broadcaster drops what the in-process feed already delivered). Starts at the
/// first turn committed after it listens: clients that connect later fetch the past over HTTP. A lost
/// connection is re-opened after a second, and the turns committed meanwhile are handed over then (the listener
/// catches up; the broadcaster drops what it already routed). At most
/// <see cref="LiveOptions.FeedBufferSize"/> executions wait to be read; beyond that notices are dropped (counted in
/// <see cref="DroppedNotices"/>) and the hub resyncs their subscribers at their next turn.
/// </summary>
internal sealed class PostgresNotifyProgressFeed(PostgresDatabase db, IOptions<LiveOptions> options, ILogger<PostgresNotifyProgressFeed> logger)
    : BackgroundService, IProgressFeed
{
    private readonly PostgresFeedListener _listener = new(db);
    private readonly Lock _lock = new();
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Action<ExecutionProgress>[] _handlers = [];

    /// <summary>Notices dropped because the reader fell behind.</summary>
    public long DroppedNotices => _listener.DroppedNotices;

    /// <summary>Completes once the first LISTEN is in place (tests wait for it before committing).</summary>
    public Task Listening => _listening.Task;

    public IDisposable Subscribe(Action<ExecutionProgress> handler)
    {
        lock (_lock) _handlers = [.. _handlers, handler];
        return new Unsubscribe(() => { lock (_lock) _handlers = [.. _handlers.Where(h => h != handler)]; });
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // While PostgreSQL is unreachable, reconnecting backs off and is logged once (then at most once a minute), not every second.
        var backoff = new OutageBackoff("cross-process live feed (its LISTEN connection; turns committed while it is down are not replayed)", logger, TimeProvider.System);
        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = TimeSpan.FromSeconds(1);
            try
            {
                await _listener.ListenAsync(turn =>
                {
                    var progress = new ExecutionProgress(turn.ExecutionId, turn.OrgId, turn.WorkflowId, turn.Status, turn.FirstSequence, turn.Events,
                        turn.CommittedAt, turn.CreatedAt);
                    foreach (var handler in _handlers) handler(progress);
                    return ValueTask.CompletedTask;
                }, () =>
                {
                    // Called (on this loop) each time LISTEN is in place: the connection is back.
                    backoff.Succeeded();
                    _listening.TrySetResult();
                }, stoppingToken, options.Value.FeedBufferSize);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                var delay = backoff.Failed(e);
                if (delay > wait) wait = delay;
            }
            try
            {
                await Task.Delay(wait, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private sealed class Unsubscribe(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }
}
