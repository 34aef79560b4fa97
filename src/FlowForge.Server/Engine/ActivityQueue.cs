using System.Threading.Channels;
using FlowForge.Core.Storage;
using Microsoft.Extensions.Options;

namespace FlowForge.Server.Engine;

/// <summary>
/// The local hand-off from the dispatcher to this process's workers: activities the dispatcher
/// committed already leased to <see cref="Owner"/>, so they run without a claim round trip. Bounded:
/// when it is full the dispatcher commits activities unleased and any worker claims them from the store.
/// </summary>
internal sealed class ActivityQueue
{
    private readonly Channel<ActivityWorkItem> _channel = Channel.CreateUnbounded<ActivityWorkItem>(new UnboundedChannelOptions { SingleReader = false });
    private readonly int _capacity;
    private readonly bool _enabled;
    private int _count;

    public ActivityQueue(IOptions<EngineOptions> options)
    {
        _enabled = options.Value.Workers;
        // Leased work waiting here is still covered by its lease (timeout + grace), so the queue can be deep.
        _capacity = Math.Max(1024, options.Value.WorkerConcurrency * 32);
    }

    /// <summary>This process's name on the leases it takes.</summary>
    public string Owner { get; } = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..8]}";

    public int Count => Volatile.Read(ref _count);

    /// <summary>Whether <paramref name="n"/> more activities fit (false when this process runs no workers).</summary>
    public bool HasRoom(int n) => _enabled && Count + n <= _capacity;

    public void Enqueue(ActivityWorkItem item)
    {
        Interlocked.Increment(ref _count);
        _channel.Writer.TryWrite(item);
    }

    public bool TryDequeue(out ActivityWorkItem item)
    {
        if (_channel.Reader.TryRead(out item!))
        {
            Interlocked.Decrement(ref _count);
            return true;
        }
        return false;
    }

    public ValueTask<bool> WaitToReadAsync(CancellationToken ct) => _channel.Reader.WaitToReadAsync(ct);
}
