using FlowForge.Server.Auth;
using FlowForge.Server.Samples;

namespace FlowForge.Server.Hosting;

/// <summary>
/// Runs before the server accepts requests (hosted services start before Kestrel listens):
/// migrate the schema, ensure API keys, seed the sample workflow on a fresh database.
/// </summary>
public sealed class StartupTasks(ISchemaMigrator migrator, ApiKeyBootstrap keys, SampleWorkflowSeeder samples) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await migrator.MigrateAsync(cancellationToken);
        await keys.RunAsync(cancellationToken);
        await samples.SeedAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
