using FlowForge.Server.Engine;

namespace FlowForge.Server.Live;

/// <summary>
/// A source of committed history for the live hub. Handlers are called in commit order per execution
/// and must not block (the in-process feed calls them on the dispatcher's thread).
/// </summary>
/// <remarks>
/// Implementations: <see cref="InProcessProgressFeed"/> (this process's commits, no latency) and
/// <see cref="SqlitePollingProgressFeed"/> (every process's commits, read back from the store's
/// <c>feed</c> table; on with <c>Live__CrossProcess=true</c>). On PostgreSQL there is no cross-process feed
/// yet: <c>Live__CrossProcess=true</c> fails at start-up (<see cref="Hosting.StorageRegistration.AddFlowForgeCrossProcessFeed"/>).
/// The plan is LISTEN/NOTIFY: the commit transaction runs <c>pg_notify('flowforge_feed',
/// '{executionId, fromSequence, toSequence}')</c> (delivered only if the transaction commits, in commit
/// order), and a listener on a dedicated connection reads those rows of <c>history</c> and publishes
/// them. The hub de-duplicates by sequence, so a process may listen to both feeds.
/// </remarks>
public interface IProgressFeed
{
    IDisposable Subscribe(Action<ExecutionProgress> handler);
}

/// <summary>This process's commits, straight from the dispatcher (<see cref="ExecutionEvents.Committed"/>).</summary>
public sealed class InProcessProgressFeed(ExecutionEvents events) : IProgressFeed
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
