using System.Diagnostics;
using FlowForge.Server.Health;

namespace FlowForge.Server.Tests.Infrastructure;

/// <summary>
/// Waits on a server's loops through their heartbeats (<see cref="LoopHeartbeats"/>, beaten at the start of every
/// iteration): the positive signal that a loop moved past a point, where a fixed sleep would only hope it did.
/// </summary>
public static class LoopPasses
{
    /// <summary>Waits until <paramref name="loop"/> has run a whole iteration that began after this call.</summary>
    internal static async Task WholePassAsync(LoopHeartbeats beats, string loop)
    {
        await BeatAfterAsync(beats, loop, Stopwatch.GetTimestamp()); // an iteration began after this point…
        await BeatAfterAsync(beats, loop, Stopwatch.GetTimestamp()); // …and ended: the loop began the next one
    }

    /// <summary>Waits for <paramref name="loop"/> to begin an iteration after <paramref name="timestamp"/> (a <see cref="Stopwatch"/> timestamp).</summary>
    internal static async Task BeatAfterAsync(LoopHeartbeats beats, string loop, long timestamp)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            // Taken before the snapshot, so a beat younger than this is after `timestamp` for certain (its age only grows).
            var since = Stopwatch.GetElapsedTime(timestamp);
            if (beats.Snapshot().Any(b => b.Loop == loop && b.Age < since)) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"The {loop} loop did not iterate.");
            await Task.Delay(20);
        }
    }
}
