using System.Threading.Channels;
using FlowForge.Core.Storage;

namespace FlowForge.Server.Engine;

/// <summary>
/// Activity results handed from this process's workers to this process's dispatcher in memory, so a
/// step costs one transaction instead of three (result to inbox, claim, commit). Open only while a
/// local dispatcher runs; otherwise workers record results in the store themselves. A result in here
/// is not yet durable: if the process dies, the activity's lease expires and it runs again.
/// </summary>
internal sealed class LocalResults(EngineSignals signals)
{
    private readonly Channel<ActivityCompletion> _channel = Channel.CreateUnbounded<ActivityCompletion>(new UnboundedChannelOptions { SingleReader = true });
    private volatile bool _open;

    public void Start() => _open = true;

    public void Stop() => _open = false;

    /// <summary>Hands a result to the dispatcher; false when no local dispatcher takes results.</summary>
    public bool TryPost(ActivityCompletion completion)
    {
        if (!_open || !_channel.Writer.TryWrite(completion)) return false;
        signals.WakeDispatcherInMemory();
        return true;
    }

    public bool TryRead(out ActivityCompletion completion) => _channel.Reader.TryRead(out completion!);
}
