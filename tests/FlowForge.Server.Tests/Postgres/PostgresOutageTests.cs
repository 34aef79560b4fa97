using FlowForge.Server.Health;
using FlowForge.Server.Tests.Engine;
using FlowForge.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace FlowForge.Server.Tests.Postgres;

/// <summary>A real outage: the server's schema disappears for a few seconds (renamed away), then comes back.</summary>
public sealed class PostgresOutageTests(PostgresServerFixture server) : IClassFixture<PostgresServerFixture>
{
    [Fact]
    public async Task SchemaGoneForAWhile_EveryLoopLogsOneErrorEach_AndWorkResumesAfterwards()
    {
        var client = server.Client();
        var workflow = await client.Publish(Workflows.Simple("after the outage"));
        var capture = new LogCapture();
        server.Services.GetRequiredService<ILoggerFactory>().AddProvider(capture);

        await using (var admin = new NpgsqlConnection(PostgresServerFixture.ServerConnectionString))
        {
            await admin.OpenAsync();
            await using (var off = new NpgsqlCommand($"ALTER SCHEMA {server.Schema} RENAME TO {server.Schema}_off", admin)) await off.ExecuteNonQueryAsync();
            try
            {
                // Until the dispatcher and the schedule loop have each logged the outage and then iterated twice more
                // into it (each iteration a chance to log again), not for a fixed time.
                var beats = server.Services.GetRequiredService<LoopHeartbeats>();
                foreach (var (loop, category) in new[] { (LoopHeartbeats.Dispatcher, ".Dispatcher"), (LoopHeartbeats.Schedules, ".ScheduleService") })
                {
                    var deadline = DateTime.UtcNow.AddSeconds(30);
                    while (!capture.Entries.Any(e => e.Level >= LogLevel.Error && e.Category.EndsWith(category, StringComparison.Ordinal)) && DateTime.UtcNow < deadline) await Task.Delay(50);
                    await LoopPasses.WholePassAsync(beats, loop);
                    await LoopPasses.WholePassAsync(beats, loop);
                }
            }
            finally
            {
                await using var on = new NpgsqlCommand($"ALTER SCHEMA {server.Schema}_off RENAME TO {server.Schema}", admin);
                await on.ExecuteNonQueryAsync();
            }
        }

        Assert.Equal("completed", (string?)(await client.WaitFinished(await client.Execute(workflow), TimeSpan.FromSeconds(30)))["status"]);
        // Every FlowForge loop (engine, schedules, live feed, hub keys, retention): one error when the outage starts,
        // no warning or error per retry (a reminder comes at most once a minute), not one every 200 ms or every second.
        var loud = capture.Entries.Where(e => e.Level >= LogLevel.Warning && e.Category.StartsWith("FlowForge.", StringComparison.Ordinal)).ToList();
        Assert.Contains(loud, e => e.Level >= LogLevel.Error && e.Category.EndsWith(".Dispatcher", StringComparison.Ordinal));
        Assert.Contains(loud, e => e.Level >= LogLevel.Error && e.Category.EndsWith(".ScheduleService", StringComparison.Ordinal));
        Assert.All(loud.GroupBy(e => e.Category), g => Assert.Single(g));
    }
}
