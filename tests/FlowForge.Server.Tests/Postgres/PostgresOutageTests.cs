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
    public async Task SchemaGoneForAWhile_EngineLoopsLogOneErrorEach_AndWorkResumesAfterwards()
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
                await Task.Delay(TimeSpan.FromSeconds(3));
            }
            finally
            {
                await using var on = new NpgsqlCommand($"ALTER SCHEMA {server.Schema}_off RENAME TO {server.Schema}", admin);
                await on.ExecuteNonQueryAsync();
            }
        }

        Assert.Equal("completed", (string?)(await client.WaitFinished(await client.Execute(workflow), TimeSpan.FromSeconds(30)))["status"]);
        var errors = capture.Entries.Where(e => e.Level >= LogLevel.Error && e.Category.StartsWith("FlowForge.Server.Engine", StringComparison.Ordinal)).ToList();
        Assert.Contains(errors, e => e.Category.EndsWith(".Dispatcher", StringComparison.Ordinal));
        // Once per loop for the whole outage, not every 200 ms.
        Assert.All(errors.GroupBy(e => e.Category), g => Assert.Single(g));
    }
}
