using System.Collections.Concurrent;
using System.Threading.Channels;
using FlowForge.Core.Storage;

namespace FlowForge.Server.Engine;

/// <summary>
/// New executions handed from this process's starter to this process's dispatcher in memory. A start accepted
/// while the hand-off is open is inserted already leased to the dispatcher (<see cref="Lease"/>), so its first turn
/// is decided and committed without a claim. Unlike <see cref="LocalResults"/>, what is in here is already durable:
/// if the process dies, or the dispatcher stops before taking it, the lease expires (or is released on shutdown)
/// and any dispatcher claims the execution from its inbox message as usual.
/// </summary>
internal sealed class LocalStarts(EngineSignals signals, ActivityQueue activities, TimeProvider clock)
{
    /// <summary>
    /// Past this many starts waiting, new starts are inserted unleased: a backlog this process cannot keep up with is
    /// better claimed by other processes than held here until its leases expire.
    /// </summary>
    public const int MaxWaiting = 1024;

    private readonly Channel<OrchestrationWorkItem> _channel = Channel.CreateUnbounded<OrchestrationWorkItem>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<string, byte> _waitingIds = new(StringComparer.Ordinal);
    private volatile bool _open;
    private int _waiting;

    /// <summary>The dispatcher's name on its leases (the same as its activity workers').</summary>
    public string Owner => activities.Owner;

    /// <summary>
    /// The dispatcher taking the starts, which also decides their first turns before they are written (see
    /// <see cref="Engine.Dispatcher.DecideFirstTurnAsync"/>); null until it starts, or when only the hand-off runs (tests).
    /// </summary>
    public Dispatcher? Dispatcher { get; private set; }

    public void Start(Dispatcher? dispatcher = null)
    {
        Dispatcher = dispatcher;
        _open = true;
    }

    public void Stop() => _open = false;

    /// <summary>How many starts are waiting for the dispatcher.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>
    /// Whether this execution's start is waiting here. The dispatcher's own claims return such executions too (they are
    /// leased to it); it leaves them to this hand-off rather than run the first turn twice, one of them only to conflict.
    /// </summary>
    public bool IsWaiting(string executionId) => _waitingIds.ContainsKey(executionId);

    /// <summary>The lease for a new start, or null when no local dispatcher takes starts or its backlog is full.</summary>
    public ExecutionLease? Lease(TimeSpan duration) =>
        _open && Waiting < MaxWaiting ? new ExecutionLease(Owner, clock.GetUtcNow() + duration) : null;

    /// <summary>Hands a committed, leased start to the dispatcher; false when it no longer takes starts (its lease then expires or was released).</summary>
    public bool TryPost(OrchestrationWorkItem item)
    {
        if (!_open) return false;
        // Marked before it can be read, so a claim never sees it unmarked while it is in the channel.
        _waitingIds[item.Execution.Id] = 0;
        if (!_channel.Writer.TryWrite(item))
        {
            _waitingIds.TryRemove(item.Execution.Id, out _);
            return false;
        }
        Interlocked.Increment(ref _waiting);
        signals.WakeDispatcherInMemory();
        return true;
    }

    public bool TryRead(out OrchestrationWorkItem item)
    {
        if (!_channel.Reader.TryRead(out item!)) return false;
        Interlocked.Decrement(ref _waiting);
        _waitingIds.TryRemove(item.Execution.Id, out _);
        return true;
    }
}
