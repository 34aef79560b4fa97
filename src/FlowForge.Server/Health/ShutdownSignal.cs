namespace FlowForge.Server.Health;

/// <summary>
/// Turns readiness off the moment graceful shutdown begins, and holds the shutdown for <see cref="HealthOptions.ShutdownDelay"/>
/// while the server still answers. ApplicationStopping fires, and every <see cref="IHostedLifecycleService.StoppingAsync"/>
/// runs, before any hosted service's StopAsync: so readiness is already 503 while Kestrel still listens and before the
/// dispatcher and workers release their leases.
/// </summary>
internal sealed class ShutdownSignal(IHostApplicationLifetime lifetime, Microsoft.Extensions.Options.IOptions<HealthOptions> options, ILogger<ShutdownSignal> logger)
    : IHostedLifecycleService
{
    private volatile bool _stopping;

    /// <summary>True from the shutdown signal on.</summary>
    public bool Stopping => _stopping || lifetime.ApplicationStopping.IsCancellationRequested;

    public Task StartingAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStopping.Register(() => _stopping = true);
        return Task.CompletedTask;
    }

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        var delay = options.Value.ShutdownDelay;
        if (delay <= TimeSpan.Zero) return;
        Logs.ShutdownDelayed(logger, delay);
        await Task.Delay(delay, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
