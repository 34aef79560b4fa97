using FlowForge.Core.Engine.History;
using FlowForge.Core.Storage;

namespace FlowForge.Functions.Live;

/// <summary>
/// Where the Functions host sends live progress after each recorded turn: Azure SignalR Service through its REST API
/// when configured (the bindings extension is not used), nowhere otherwise. Best effort: a failed publish never fails
/// the turn (clients resync from the execution detail, as on the server).
/// </summary>
internal interface IProgressPublisher
{
    Task PublishAsync(ExecutionRecord execution, long afterSequence, IReadOnlyList<HistoryEvent> events, CancellationToken ct = default);
}
