using Dapper;
using FlowForge.Core.Engine.History;
using FlowForge.Core.Storage;

namespace FlowForge.Storage.Postgres;

// Starts: group-committed, one statement for every start waiting.
public sealed partial class PostgresExecutionStore
{
    private readonly Queue<PendingStart> _startQueue = new();
    private int _draining;

    /// <inheritdoc />
    /// <remarks>
    /// Starts arriving together (a burst of webhooks, 200 clients at once) share one statement, one transaction and
    /// one WAL flush: each caller waits for the commit that holds its start, so the answer still follows the durable
    /// write. Alone, a start is one round trip (it used to be five). Table order: executions -> inbox.
    /// </remarks>
    public async Task<StartResult> StartAsync(NewExecution execution, CancellationToken ct = default)
    {
        var pending = new PendingStart(execution);
        lock (_startQueue) _startQueue.Enqueue(pending);
        _ = DrainStartsAsync();
        return await pending.Result.Task.WaitAsync(ct);
    }

    private sealed record PendingStart(NewExecution Execution)
    {
        public TaskCompletionSource<StartResult> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>One drainer at a time takes every queued start into one statement; while it waits for the database, more queue up.</summary>
    private async Task DrainStartsAsync()
    {
        if (Interlocked.Exchange(ref _draining, 1) == 1) return;
        try
        {
            while (true)
            {
                List<PendingStart> batch;
                lock (_startQueue)
                {
                    if (_startQueue.Count == 0) return;
                    batch = [.. _startQueue.Take(500)];
                    for (var i = 0; i < batch.Count; i++) _startQueue.Dequeue();
                }
                try
                {
                    var results = batch is [{ Execution: var alone }] && TakesFirstTurn(alone)
                        ? [await StartAloneAsync(alone)]
                        : await StartBatchAsync([.. batch.Select(b => b.Execution)]);
                    for (var i = 0; i < batch.Count; i++)
                    {
                        var e = batch[i].Execution;
                        if (results[i] is { } result) batch[i].Result.TrySetResult(result);
                        else batch[i].Result.TrySetException(new WorkflowVersionNotPublishedException(e.WorkflowId, e.Version));
                    }
                }
                catch (Exception e)
                {
                    foreach (var p in batch) p.Result.TrySetException(e);
                }
            }
        }
        finally
        {
            Volatile.Write(ref _draining, 0);
            // A start queued between the last look and the release above must not wait for the next caller.
            bool more;
            lock (_startQueue) more = _startQueue.Count > 0;
            if (more) _ = DrainStartsAsync();
        }
    }

    /// <summary>
    /// A start alone in its batch (the steady state at low load) with a first turn to take: written with it, else as any start
    /// (its key was taken, or PostgreSQL refused the turn: a turn it cannot store is the dispatcher's to fail, as for any turn).
    /// </summary>
    private async Task<StartResult?> StartAloneAsync(NewExecution e)
    {
        try
        {
            if (await StartWithFirstTurnAsync(e) is { } started) return started;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Retried as a plain start: an outage fails that too, and reaches the caller.
        }
        return (await StartBatchAsync([e]))[0];
    }

    /// <summary>Writes a batch of starts; null for a start whose <see cref="NewExecution.RequirePublishedVersion"/> check failed.</summary>
    /// <remarks>
    /// ON CONFLICT on the idempotency key (an error would abort every start of the batch): a start whose key the
    /// organisation already used inserts nothing, and a second statement (a new snapshot: a racing start with the same
    /// key waited on the unique index for the first one to commit) reads the execution that holds the key. Two starts
    /// of one batch with one key: the first inserts, the second finds it. A duplicate <em>id</em> still throws: a bug.
    /// </remarks>
    private async Task<StartResult?[]> StartBatchAsync(NewExecution[] batch)
    {
        var now = PostgresValues.Now(_time);
        var started = batch.Select(e => StoredEvent.Serialize(new ExecutionStarted(
            e.WorkflowId, e.Version, e.TriggerData, e.TriggerNodeId, e.ParentExecutionId, e.ParentStepKey, e.Depth) { Timestamp = now })).ToArray();
        await using var c = await db.OpenEngineAsync();
        // The lease columns are per row (a batch mixes leased and unleased starts, or several owners). The msg CTE
        // returns each new execution's message id; ins and msg run in one snapshot, so both are read in one row.
        var inserted = (await c.QueryAsync<ExecutionRow>(new CommandDefinition(
            $"""
            WITH x AS (
                SELECT * FROM unnest(@ids, @orgIds, @workflowIds, @versions, @triggerData, @parentIds, @parentStepKeys, @retryOfs, @keys, @started,
                                     @lockOwners, @lockExpires, @requirePublished)
                    WITH ORDINALITY AS x(id, org_id, workflow_id, version, trigger_data, parent_id, parent_step_key, retry_of, idempotency_key, started,
                                         lock_owner, lock_expires, require_published, n)),
            ins AS (
                INSERT INTO executions (id, org_id, workflow_id, version, status, trigger_data, parent_execution_id, parent_step_key,
                                        retry_of, idempotency_key, created_at, updated_at, last_sequence, lock_owner, lock_expires)
                SELECT id, org_id, workflow_id, version, '{ExecutionStatus.Pending}', CAST(trigger_data AS json), parent_id, parent_step_key,
                       retry_of, idempotency_key, @at, @at, 0, lock_owner, lock_expires
                FROM x WHERE NOT x.require_published OR {PublishedCheck("x.org_id", "x.workflow_id", "x.version")}
                ORDER BY n
                ON CONFLICT (org_id, idempotency_key) DO NOTHING
                RETURNING {SelectColumns}),
            msg AS (
                INSERT INTO inbox (execution_id, visible_at, data)
                SELECT x.id, @at, CAST(x.started AS json) FROM x JOIN ins ON ins.id = x.id ORDER BY x.n
                RETURNING execution_id, id)
            SELECT ins.*, msg.id AS MessageId FROM ins JOIN msg ON msg.execution_id = ins.id
            """,
            new
            {
                ids = Text(batch.Select(e => e.Id)), orgIds = Text(batch.Select(e => e.OrgId)), workflowIds = Text(batch.Select(e => e.WorkflowId)),
                versions = batch.Select(e => e.Version).ToArray(),
                triggerData = Text(batch.Select(e => StoredEvent.Json(e.TriggerData))),
                parentIds = Text(batch.Select(e => e.ParentExecutionId)), parentStepKeys = Text(batch.Select(e => e.ParentStepKey)),
                retryOfs = Text(batch.Select(e => e.RetryOf)), keys = Text(batch.Select(e => e.IdempotencyKey)),
                started = Text(started),
                lockOwners = Text(batch.Select(e => e.Lease?.Owner)),
                lockExpires = batch.Select(e => e.Lease is { } l ? PostgresValues.Timestamp(l.Expires) : (DateTimeOffset?)null).ToArray(),
                requirePublished = batch.Select(e => e.RequirePublishedVersion).ToArray(),
                at = PostgresValues.Timestamp(now),
            }))).ToDictionary(r => r.Id);

        var results = new StartResult?[batch.Length];
        var taken = new List<int>();
        for (var i = 0; i < batch.Length; i++)
        {
            if (inserted.TryGetValue(batch[i].Id, out var row))
            {
                // The message as a claim would read it back (a new event object: no JsonNode is shared with the caller's trigger data).
                var first = batch[i].Lease is null ? null : new InboxMessage(row.MessageId, row.Id, StoredEvent.Deserialize(started[i]), now);
                results[i] = new StartResult(row.ToRecord(), false, first);
            }
            else taken.Add(i);
        }
        if (taken.Count > 0)
        {
            var holders = (await c.QueryAsync<ExecutionRow>(new CommandDefinition(
                $"""
                SELECT {SelectColumns}, idempotency_key AS IdempotencyKey FROM executions
                WHERE (org_id, idempotency_key) IN (SELECT * FROM unnest(@orgIds, @keys))
                """,
                new { orgIds = Text(taken.Select(i => batch[i].OrgId)), keys = Text(taken.Select(i => batch[i].IdempotencyKey)) })))
                .ToDictionary(r => (r.OrgId, r.IdempotencyKey));
            foreach (var i in taken)
            {
                // Not inserted and no holder of its key: its version was not the published one (when it asked for that check).
                results[i] = holders.TryGetValue((batch[i].OrgId, batch[i].IdempotencyKey), out var row)
                    ? new StartResult(row.ToRecord(), true)
                    : batch[i].RequirePublishedVersion ? null : throw new InvalidOperationException($"Execution {batch[i].Id} vanished while starting.");
            }
        }
        return results;
    }

    /// <summary>SQL that is true while the workflow exists and <paramref name="version"/> is its published version.</summary>
    private static string PublishedCheck(string orgId, string workflowId, string version) =>
        $"EXISTS (SELECT 1 FROM workflows w WHERE w.org_id = {orgId} AND w.id = {workflowId} AND w.published_version = {version} AND w.deleted_at IS NULL)";

    /// <summary>A text[] parameter (Dapper passes arrays to Npgsql as they are; the element type is string even when all are null).</summary>
    private static string?[] Text(IEnumerable<string?> values) => [.. values];
}
