namespace FlowForge.Server.Engine;

/// <summary>
/// In-process wake-ups: whoever commits work for the dispatcher or the workers pokes them, so the hot
/// path never waits for a poll. Polling (<see cref="EngineOptions.PollInterval"/>) only covers work
/// from other processes and timers.
/// </summary>
internal sealed class EngineSignals
{
    private readonly SemaphoreSlim _dispatcher = new(0, 1);
    private readonly SemaphoreSlim _workers = new(0, 1);

    private int _inboxDirty;

    /// <summary>New inbox work (a start, an event, a result recorded in the store): the dispatcher looks at the store at once.</summary>
    public void WakeDispatcher()
    {
        Volatile.Write(ref _inboxDirty, 1);
        Release(_dispatcher);
    }

    /// <summary>Work handed over in memory only: wakes the dispatcher without sending it to the store.</summary>
    public void WakeDispatcherInMemory() => Release(_dispatcher);

    /// <summary>Whether inbox work was signalled since the last call (and clears the flag).</summary>
    public bool TakeInboxWork() => Interlocked.Exchange(ref _inboxDirty, 0) == 1;

    public void WakeWorkers() => Release(_workers);

    public Task<bool> WaitDispatcherAsync(TimeSpan timeout, CancellationToken ct) => _dispatcher.WaitAsync(timeout, ct);

    public Task<bool> WaitWorkersAsync(TimeSpan timeout, CancellationToken ct) => _workers.WaitAsync(timeout, ct);

    private static void Release(SemaphoreSlim signal)
    {
        // A binary signal: one pending wake-up is enough, more would only spin the loop.
        try { if (signal.CurrentCount == 0) signal.Release(); }
        catch (SemaphoreFullException) { }
    }
}
