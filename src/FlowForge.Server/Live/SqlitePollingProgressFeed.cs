using FlowForge.Server.Engine;
using FlowForge.Storage.Sqlite;
using Microsoft.Extensions.Options;

namespace FlowForge.Server.Live;

/// <summary>
/// The cross-process feed on SQLite: polls the <c>feed</c> table (one row per committed turn, written
/// by a trigger in the commit transaction, migration 0005) every <see cref="LiveOptions.PollInterval"/>
/// and publishes every process's turns in commit order, this process's included (the broadcaster drops
/// what the in-process feed already delivered). Starts at the latest turn: clients that connect later
/// fetch the past over HTTP.
/// </summary>
internal sealed class SqlitePollingProgressFeed(SqliteDatabase db, IOptions<LiveOptions> options, ILogger<SqlitePollingProgressFeed> logger)
    : BackgroundService, IProgressFeed
{
    private readonly SqliteFeedReader _reader = new(db);
    private readonly Lock _lock = new();
    private Action<ExecutionProgress>[] _handlers = [];

    public IDisposable Subscribe(Action<ExecutionProgress> handler)
    {
        lock (_lock) _handlers = [.. _handlers, handler];
        return new Unsubscribe(() => { lock (_lock) _handlers = [.. _handlers.Where(h => h != handler)]; });
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.PollInterval > TimeSpan.Zero ? options.Value.PollInterval : TimeSpan.FromMilliseconds(100);
        long cursor = -1;
        // During an outage (database locked, unreadable, gone) the poll backs off and logs once, not every 100 ms.
        var backoff = new OutageBackoff("cross-process live feed poll", logger, TimeProvider.System);
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    if (cursor < 0) cursor = await _reader.LatestAsync(stoppingToken);
                    while (true)
                    {
                        var turns = await _reader.ReadAfterAsync(cursor, 500, stoppingToken);
                        foreach (var turn in turns)
                        {
                            cursor = turn.FeedId;
                            if (turn.Events.Count == 0) continue; // purged since
                            var progress = new ExecutionProgress(turn.ExecutionId, turn.OrgId, turn.WorkflowId, turn.Status, turn.FirstSequence, turn.Events,
                                turn.CommittedAt, turn.CreatedAt);
                            foreach (var handler in _handlers) handler(progress);
                        }
                        if (turns.Count < 500) break;
                    }
                    backoff.Succeeded();
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    await Task.Delay(backoff.Failed(e), stoppingToken);
                    continue;
                }
                await timer.WaitForNextTickAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private sealed class Unsubscribe(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }
}
