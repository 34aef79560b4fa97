using FlowForge.Core.Storage;
using FlowForge.Server.Auth;
using FlowForge.Server.Credentials;
using FlowForge.Server.Samples;
using FlowForge.Server.Triggers;

namespace FlowForge.Server.Hosting;

/// <summary>
/// Runs before the server accepts requests (hosted services start before Kestrel listens):
/// migrate the schema, ensure API keys, seed the sample workflows on a fresh database, and make the
/// registered triggers match what is published.
/// </summary>
internal sealed class StartupTasks(
    ISchemaMigrator migrator, KeyRingBootstrap keyRing, ApiKeyBootstrap keys, SampleWorkflowSeeder samples, TriggerRegistry triggers, IWorkflowStore workflows) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await migrator.MigrateAsync(cancellationToken);
        // Before anything encrypts (webhook secrets are made during the trigger resync): one first key for all processes.
        await keyRing.EnsureKeyAsync(cancellationToken);
        await keys.RunAsync(cancellationToken);
        await samples.SeedAsync(cancellationToken);
        await triggers.ResyncAllAsync(workflows, cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
