namespace FlowForge.Server.Engine;

/// <summary>
/// In-process wake-ups: whoever commits work for the dispatcher or the workers pokes them, so the hot
/// path never waits for a poll. Polling (<see cref="EngineOptions.PollInterval"/>) only covers work
/// from other processes and timers.
/// </summary>
public sealed class EngineSignals
{
    private readonly SemaphoreSlim _dispatcher = new(0, 1);
    private readonly SemaphoreSlim _workers = new(0, 1);

    public void WakeDispatcher() => Release(_dispatcher);

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
