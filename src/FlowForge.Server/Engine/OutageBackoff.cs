namespace FlowForge.Server.Engine;

/// <summary>
/// Pacing and logging for an engine loop whose iterations keep failing (in practice: the database is down). Retries
/// back off exponentially from <see cref="Initial"/> to <see cref="Max"/>, so an outage is not hammered every 200 ms;
/// the first failure is logged at error with its exception, later ones at most once per <see cref="LogEvery"/> as a
/// one-line warning, and the recovery once. One instance per loop; not thread-safe.
/// </summary>
internal sealed class OutageBackoff(string loop, ILogger logger, TimeProvider clock)
{
    public static readonly TimeSpan Initial = TimeSpan.FromMilliseconds(200);
    public static readonly TimeSpan Max = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan LogEvery = TimeSpan.FromMinutes(1);

    private int _failures;
    private long _loggedAt;

    /// <summary>Consecutive failures so far (0 once an iteration succeeded).</summary>
    public int Failures => _failures;

    /// <summary>The wait before retry number <paramref name="failures"/>: 200 ms, 400 ms, 800 ms … capped at 5 s.</summary>
    public static TimeSpan Delay(int failures)
    {
        var doublings = Math.Clamp(failures - 1, 0, 16);
        var delay = Initial * Math.Pow(2, doublings);
        return delay < Max ? delay : Max;
    }

    /// <summary>Records a failed iteration and returns how long to wait before the next.</summary>
    public TimeSpan Failed(Exception e)
    {
        _failures++;
        var now = clock.GetTimestamp();
        if (_failures == 1)
        {
            Logs.OutageStarted(logger, e, loop);
            _loggedAt = now;
        }
        else if (clock.GetElapsedTime(_loggedAt, now) >= LogEvery)
        {
            Logs.OutageContinues(logger, loop, _failures, $"{e.GetType().Name}: {e.Message}");
            _loggedAt = now;
        }
        return Delay(_failures);
    }

    /// <summary>Records a successful iteration: logs the recovery if the loop was failing.</summary>
    public void Succeeded()
    {
        if (_failures == 0) return;
        Logs.OutageEnded(logger, loop, _failures);
        _failures = 0;
    }
}
