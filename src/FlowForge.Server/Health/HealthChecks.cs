using FlowForge.Server.Engine;
using FlowForge.Storage.Postgres;
using FlowForge.Storage.Sqlite;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace FlowForge.Server.Health;

/// <summary>Liveness: every loop of this process has iterated within <see cref="HealthOptions.StallAfter"/>.</summary>
internal sealed class LoopsHealthCheck(LoopHeartbeats heartbeats, IOptions<HealthOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var limit = options.Value.StallAfter;
        var loops = heartbeats.Snapshot();
        var stalled = loops.Where(l => !l.Stopped && l.Age > limit).Select(l => $"{l.Loop} (last iteration {l.Age.TotalSeconds:0} s ago)").ToList();
        var data = loops.ToDictionary(l => l.Loop, l => (object)Math.Round(l.Age.TotalSeconds, 1));
        return Task.FromResult(stalled.Count > 0
            ? HealthCheckResult.Unhealthy($"Stalled for more than Health__StallAfter ({limit}): {string.Join(", ", stalled)}.", data: data)
            : HealthCheckResult.Healthy($"{loops.Count} loop(s) iterating.", data));
    }
}

/// <summary>Readiness: the database answers, from a fresh query, and its schema has every migration this build carries.</summary>
internal sealed class DatabaseHealthCheck(IServiceProvider services) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            IReadOnlyList<int> applied;
            int expected;
            if (services.GetService<SqliteDatabase>() is { } sqlite)
            {
                // A deleted database file stays readable through pooled connections (the inode lives on until they close),
                // and everything written after would vanish at exit: the file's absence is the signal.
                if (sqlite.FilePath is { } file && !File.Exists(file))
                    return HealthCheckResult.Unhealthy($"The SQLite database file {file} does not exist.");
                applied = await sqlite.AppliedMigrationsAsync(cancellationToken);
                expected = SqliteDatabase.LatestMigration;
            }
            else if (services.GetService<PostgresDatabase>() is { } postgres)
            {
                applied = await postgres.AppliedMigrationsAsync(cancellationToken);
                expected = PostgresDatabase.LatestMigration;
            }
            else
            {
                return HealthCheckResult.Unhealthy("No database is configured.");
            }
            var latest = applied.Count == 0 ? 0 : applied.Max();
            return latest >= expected
                ? HealthCheckResult.Healthy($"Reachable; schema at version {latest}.")
                : HealthCheckResult.Unhealthy($"Reachable, but the schema is at version {latest} and this build needs {expected}.");
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"Not reachable: {e.GetType().Name}: {e.Message}");
        }
    }
}

/// <summary>
/// Readiness: the engine roles this process runs (Engine__Dispatcher, Engine__Workers) have started their loops and
/// none has ended, and the process is not shutting down.
/// </summary>
internal sealed class EngineHealthCheck(IEnumerable<IHostedService> hosted, LoopHeartbeats heartbeats, ShutdownSignal shutdown,
    IOptions<EngineOptions> engine) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (shutdown.Stopping) return Task.FromResult(HealthCheckResult.Unhealthy("Shutting down: finishing running steps, then releasing leases."));
        var problems = new List<string>();
        var beaten = heartbeats.Snapshot().Select(l => l.Loop).ToHashSet();
        var roles = new List<string>();
        if (engine.Value.Dispatcher) { roles.Add(LoopHeartbeats.Dispatcher); Check<Dispatcher>(LoopHeartbeats.Dispatcher); }
        if (engine.Value.Workers) { roles.Add(LoopHeartbeats.Workers); Check<ActivityWorker>(LoopHeartbeats.Workers); }
        return Task.FromResult(problems.Count > 0
            ? HealthCheckResult.Unhealthy(string.Join(" ", problems))
            : HealthCheckResult.Healthy(roles.Count == 0 ? "No engine role in this process (API only)." : $"Running: {string.Join(", ", roles)}."));

        void Check<T>(string loop) where T : BackgroundService
        {
            var service = hosted.OfType<T>().FirstOrDefault();
            if (service?.ExecuteTask is { IsCompleted: true } ended)
                problems.Add($"The {loop} loop has ended{(ended.Exception is { } e ? $" ({e.GetBaseException().Message})" : "")}.");
            else if (!beaten.Contains(loop))
                problems.Add($"The {loop} loop has not started yet.");
        }
    }
}
