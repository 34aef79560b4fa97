using FlowForge.Server.Engine;

namespace FlowForge.Server.Live;

/// <summary>
/// A source of committed history for the live hub. Handlers are called in commit order per execution
/// and must not block (the in-process feed calls them on the dispatcher's thread).
/// </summary>
/// <remarks>
/// Implementations: <see cref="InProcessProgressFeed"/> (this process's commits, no latency) and, with
/// <c>Live__CrossProcess=true</c>, every process's commits: <see cref="SqlitePollingProgressFeed"/> reads
/// them back from SQLite's <c>feed</c> table; <see cref="PostgresNotifyProgressFeed"/> LISTENs on PostgreSQL,
/// where a trigger in the commit transaction runs <c>pg_notify</c> with <c>{executionId, fromSequence,
/// toSequence}</c> (delivered only if the transaction commits, in commit order) and the listener reads
/// those rows of <c>history</c> and publishes them. <see cref="Hosting.StorageRegistration.AddFlowForgeCrossProcessFeed"/>
/// picks one by provider. The hub de-duplicates by sequence, so a process may listen to both feeds.
/// </remarks>
internal interface IProgressFeed
{
    IDisposable Subscribe(Action<ExecutionProgress> handler);
}

/// <summary>This process's commits, straight from the dispatcher (<see cref="ExecutionEvents.Committed"/>).</summary>
internal sealed class InProcessProgressFeed(ExecutionEvents events) : IProgressFeed
{
    public IDisposable Subscribe(Action<ExecutionProgress> handler)
    {
        events.Committed += handler;
        return new Unsubscriber(() => events.Committed -= handler);
    }

    private sealed class Unsubscriber(Action dispose) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) dispose();
        }
    }
}
