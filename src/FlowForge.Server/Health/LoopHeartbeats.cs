using System.Collections.Concurrent;

namespace FlowForge.Server.Health;

/// <summary>
/// The last time each of this process's long-running loops completed an iteration. A loop that stops beating while
/// its host still runs is hung (a deadlock, a call that never returns): the liveness check reports it so the process
/// gets restarted, because nothing inside it will recover the loop.
/// </summary>
internal sealed class LoopHeartbeats(TimeProvider clock)
{
    /// <summary>Loop names, as the liveness check reports them.</summary>
    public const string Dispatcher = "dispatcher", Workers = "workers", Schedules = "schedules";

    private readonly ConcurrentDictionary<string, long> _beats = new();
    private readonly ConcurrentDictionary<string, bool> _stopped = new();

    /// <summary>Records an iteration of <paramref name="loop"/> (cheap: one dictionary write).</summary>
    public void Beat(string loop) => _beats[loop] = clock.GetTimestamp();

    /// <summary>A loop that ended on purpose (shutdown) is not stalled.</summary>
    public void Stopped(string loop) => _stopped[loop] = true;

    /// <summary>Each loop that has beaten, with the time since its last beat and whether it stopped on purpose.</summary>
    public IReadOnlyList<(string Loop, TimeSpan Age, bool Stopped)> Snapshot() =>
        [.. _beats.OrderBy(b => b.Key, StringComparer.Ordinal)
            .Select(b => (b.Key, clock.GetElapsedTime(b.Value), _stopped.ContainsKey(b.Key)))];
}
