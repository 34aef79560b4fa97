using Microsoft.DurableTask.Client;

namespace FlowForge.Functions.Api;

/// <summary>
/// The Durable Task client the singletons behind the endpoints use (<see cref="DurableExecutionClientStore"/>, hence
/// the starter, the hooks and the schedules). The Functions runtime hands a client only to a function's
/// <c>[DurableClient]</c> binding, not to the container, so every function puts the one it was given here before it
/// calls shared code; the clients of one worker talk to the same task hub, so whichever is kept serves every caller.
/// </summary>
internal sealed class DurableClientSlot
{
    private volatile DurableTaskClient? _client;

    public void Set(DurableTaskClient client) => _client = client;

    public DurableTaskClient Client => _client
        ?? throw new InvalidOperationException("No Durable Task client yet: a function must pass its [DurableClient] binding to DurableClientSlot.Set before it calls the execution store.");
}
