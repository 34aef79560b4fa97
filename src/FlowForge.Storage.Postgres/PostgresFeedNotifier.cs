using System.Text.Json.Nodes;
using Npgsql;
using NpgsqlTypes;

namespace FlowForge.Storage.Postgres;

/// <summary>
/// Announces committed turns on the live feed's channel (read by <see cref="PostgresFeedListener"/>) after their commit,
/// off the committing path: a NOTIFY inside the commit held a database-wide lock through the WAL flush and serialized
/// every commit (migration 0007). Notices are sent in the order their commits finished, many per statement.
/// </summary>
/// <remarks>
/// Best effort by design, like the channel itself: a listener that was not connected never sees a notice either. A notice
/// lost here (the process died after its commit, the database went away) shows the listener a gap at the execution's
/// next turn, and the hub resyncs its subscribers over HTTP.
/// </remarks>
internal sealed class PostgresFeedNotifier(PostgresDatabase db)
{
    private readonly Queue<string> _pending = new();
    private int _draining;

    /// <summary>The turn of <paramref name="executionId"/> that appended sequences <paramref name="first"/>..<paramref name="last"/> was committed.</summary>
    public void Committed(string executionId, long first, long last, DateTimeOffset committedAt)
    {
        var payload = new JsonObject { ["e"] = executionId, ["f"] = first, ["t"] = last, ["c"] = committedAt.UtcDateTime }.ToJsonString();
        lock (_pending) _pending.Enqueue(payload);
        _ = DrainAsync();
    }

    /// <summary>One sender at a time, so notices leave in commit order; it ends when the queue is empty (no idle task is left behind).</summary>
    private async Task DrainAsync()
    {
        if (Interlocked.Exchange(ref _draining, 1) == 1) return;
        try
        {
            while (true)
            {
                string[] batch;
                lock (_pending)
                {
                    if (_pending.Count == 0) return;
                    batch = new string[Math.Min(_pending.Count, 1000)];
                    for (var i = 0; i < batch.Length; i++) batch[i] = _pending.Dequeue();
                }
                try
                {
                    await using var c = await db.OpenAsync();
                    // synchronous_commit off for this transaction only: a notice is not data, and waiting for a flush would
                    // only delay it. The notices are delivered when this transaction commits, in array order.
                    await using var cmd = new NpgsqlCommand(
                        """
                        SELECT count(pg_notify('flowforge_feed_' || md5(current_schema()), p))
                        FROM (SELECT set_config('synchronous_commit', 'off', true)) AS s, unnest(@payloads) AS x(p)
                        """, c);
                    cmd.Parameters.Add(new NpgsqlParameter("payloads", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = batch });
                    await cmd.ExecuteScalarAsync();
                }
                catch (Exception e) when (e is NpgsqlException or ObjectDisposedException or InvalidOperationException or TimeoutException)
                {
                    // Dropped, not retried: see the remarks (the database is gone, or the store is being disposed).
                }
            }
        }
        finally
        {
            Volatile.Write(ref _draining, 0);
            bool more;
            lock (_pending) more = _pending.Count > 0;
            if (more) _ = DrainAsync();
        }
    }
}
