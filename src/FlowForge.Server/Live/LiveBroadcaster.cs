using System.Collections.Concurrent;
using System.Threading.Channels;
using FlowForge.Core.Storage;
using FlowForge.Server.Engine;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace FlowForge.Server.Live;

/// <summary>
/// Routes committed history to SignalR connections without ever slowing the engine:
/// <list type="number">
/// <item>feed handlers only <c>TryWrite</c> into a bounded channel (on overflow the turn is dropped and its subscribers get <c>execution:resync</c>);</item>
/// <item>one router task reads the channel in order, de-duplicates by sequence (several feeds may carry the same commit), maps to live events and puts each into the outbox of every subscribed connection;</item>
/// <item>each connection has its own bounded outbox drained by its own sender task, so a slow or dead client only fills its own outbox: its events are then dropped and it gets <c>execution:resync</c> once it catches up.</item>
/// </list>
/// One reader and FIFO outboxes keep the order of each execution's events.
/// </summary>
internal sealed class LiveBroadcaster : BackgroundService
{
    private readonly IHubContext<ExecutionsHub> _hub;
    private readonly IEnumerable<IProgressFeed> _feeds;
    private readonly LiveOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger<LiveBroadcaster> _logger;
    private readonly Channel<ExecutionProgress> _incoming;
    /// <summary>Executions whose turns were dropped at the door: (org, workflow) to resync their subscribers.</summary>
    private readonly ConcurrentDictionary<string, (string OrgId, string WorkflowId)> _overflowed = new();
    private readonly ConcurrentDictionary<string, LiveConnection> _connections = new();
    private readonly Dictionary<string, Dictionary<string, LiveConnection>> _byWorkflow = new();
    private readonly Dictionary<string, Dictionary<string, LiveConnection>> _byExecution = new();
    /// <summary>Connections that follow the lifecycle of every execution of their organisation (the executions list).</summary>
    private readonly Dictionary<string, Dictionary<string, LiveConnection>> _byOrganization = new();
    private readonly Lock _subscriptions = new();
    /// <summary>Router-only state per execution: last routed sequence (de-duplication, gap detection) and step start times.</summary>
    private readonly Dictionary<string, ExecutionMemory> _memory = new();
    private readonly List<IDisposable> _feedSubscriptions = [];
    private long _droppedTurns;
    private long _droppedEvents;

    public LiveBroadcaster(IHubContext<ExecutionsHub> hub, IEnumerable<IProgressFeed> feeds, IOptions<LiveOptions> options, TimeProvider clock, ILogger<LiveBroadcaster> logger)
    {
        _hub = hub;
        _feeds = feeds;
        _options = options.Value;
        _clock = clock;
        _logger = logger;
        _incoming = Channel.CreateBounded<ExecutionProgress>(new BoundedChannelOptions(Math.Max(1, _options.FeedBufferSize))
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait, // only TryWrite is used: a full channel refuses, it never waits
        });
    }

    /// <summary>Turns dropped because the router fell behind (their subscribers were resynced).</summary>
    public long DroppedTurns => Interlocked.Read(ref _droppedTurns);

    /// <summary>Events dropped because a connection's outbox was full (the connection was resynced).</summary>
    public long DroppedEvents => Interlocked.Read(ref _droppedEvents);

    public int ConnectionCount => _connections.Count;

    /// <summary>Feed handler: never blocks.</summary>
    public void OnCommitted(ExecutionProgress progress)
    {
        // Nobody is connected: nothing to route. A client that connects later starts from its next events
        // (and can read the past over HTTP), so skipping keeps the engine's hot path free of this work.
        if (_connections.IsEmpty) return;
        if (_incoming.Writer.TryWrite(progress)) return;
        Interlocked.Increment(ref _droppedTurns);
        _overflowed[progress.ExecutionId] = (progress.OrgId, progress.WorkflowId);
    }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var feed in _feeds) _feedSubscriptions.Add(feed.Subscribe(OnCommitted));
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var s in _feedSubscriptions) s.Dispose();
        _incoming.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var sweeper = new PeriodicTimer(TimeSpan.FromSeconds(1));
        var sweeping = SweepAsync(sweeper, stoppingToken);
        var reader = _incoming.Reader;
        try
        {
            while (await reader.WaitToReadAsync(stoppingToken))
            {
                while (reader.TryRead(out var progress))
                {
                    try
                    {
                        Route(progress);
                    }
                    catch (Exception e)
                    {
                        Logs.LiveRouteFailed(_logger, progress.ExecutionId, e);
                    }
                }
                ResyncOverflowed();
                if (_pruneRequested) PruneMemory();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        await sweeping;
    }

    private void Route(ExecutionProgress progress)
    {
        if (!_memory.TryGetValue(progress.ExecutionId, out var memory))
        {
            memory = new ExecutionMemory();
            _memory[progress.ExecutionId] = memory;
        }
        memory.Touched = _clock.GetUtcNow();
        var last = progress.FirstSequence + progress.Events.Count - 1;
        if (last <= memory.LastSequence) return; // already routed (another feed carried it)
        if (memory.LastSequence > 0 && progress.FirstSequence > memory.LastSequence + 1)
        {
            // A commit this process never saw (another process took the execution over without a cross-process feed).
            Deliver(ProgressMapper.Resync(progress.ExecutionId, progress.OrgId, progress.WorkflowId, _clock.GetUtcNow()));
        }
        var skip = memory.LastSequence >= progress.FirstSequence ? memory.LastSequence - progress.FirstSequence + 1 : 0;
        if (skip > 0)
        {
            progress = progress with { FirstSequence = progress.FirstSequence + skip, Events = [.. progress.Events.Skip((int)skip)] };
        }
        memory.LastSequence = last;
        if (ExecutionStatus.IsTerminal(progress.Status)) memory.Finished = true;
        foreach (var e in ProgressMapper.Map(progress, memory.StepStarts)) Deliver(e);
    }

    private void ResyncOverflowed()
    {
        foreach (var id in _overflowed.Keys)
        {
            if (!_overflowed.TryRemove(id, out var owner)) continue;
            // Later turns of it may already have been routed: forget its last sequence so nothing is mistaken for a duplicate.
            _memory.Remove(id);
            Deliver(ProgressMapper.Resync(id, owner.OrgId, owner.WorkflowId, _clock.GetUtcNow()));
        }
    }

    private void Deliver(ProgressEvent e)
    {
        // A connection subscribed both to the workflow and to the execution gets the event once.
        LiveConnection[] targets;
        lock (_subscriptions)
        {
            var set = new HashSet<LiveConnection>();
            if (_byExecution.TryGetValue(e.ExecutionId, out var executionSubs)) set.UnionWith(executionSubs.Values);
            if (e.Lifecycle && _byWorkflow.TryGetValue(WorkflowKey(e.OrgId, e.WorkflowId), out var workflowSubs)) set.UnionWith(workflowSubs.Values);
            if (e.Lifecycle && _byOrganization.TryGetValue(e.OrgId, out var organizationSubs)) set.UnionWith(organizationSubs.Values);
            if (set.Count == 0) return;
            targets = [.. set];
        }
        _ = e.Serialized; // once, here, not once per connection
        foreach (var connection in targets)
        {
            if (!connection.OrgId.Equals(e.OrgId, StringComparison.Ordinal)) continue; // defence in depth: subscriptions are checked at subscribe time
            if (!connection.Enqueue(e)) Interlocked.Increment(ref _droppedEvents);
        }
    }

    // ---- connections and subscriptions (called by the hub) ----

    public void Connected(HubCallerContext context, string orgId, string? keyId)
    {
        var connection = new LiveConnection(context, orgId, _options.ConnectionBufferSize, _clock) { KeyId = keyId };
        _connections[context.ConnectionId] = connection;
        connection.Sender = Task.Run(() => SendLoopAsync(connection));
    }

    public void Disconnected(string connectionId)
    {
        if (!_connections.TryRemove(connectionId, out var connection)) return;
        lock (_subscriptions)
        {
            foreach (var key in connection.Workflows) RemoveFrom(_byWorkflow, key, connectionId);
            foreach (var id in connection.Executions) RemoveFrom(_byExecution, id, connectionId);
            if (connection.Organization) RemoveFrom(_byOrganization, connection.OrgId, connectionId);
            connection.Organization = false;
            connection.Workflows.Clear();
            connection.Executions.Clear();
        }
        connection.Close();
    }

    /// <summary>Adds a subscription; false when the connection is at its limit. Idempotent.</summary>
    public bool SubscribeWorkflow(string connectionId, string orgId, string workflowId) =>
        Add(connectionId, c => c.Workflows, _byWorkflow, WorkflowKey(orgId, workflowId));

    public bool SubscribeExecution(string connectionId, string executionId) =>
        Add(connectionId, c => c.Executions, _byExecution, executionId);

    /// <summary>
    /// Lifecycle events of every execution of the connection's own organisation. Idempotent; it counts as one
    /// subscription towards the limit.
    /// </summary>
    public bool SubscribeOrganization(string connectionId)
    {
        if (!_connections.TryGetValue(connectionId, out var connection)) return true;
        lock (_subscriptions)
        {
            if (connection.Organization) return true;
            if (connection.Workflows.Count + connection.Executions.Count + 1 > _options.MaxSubscriptionsPerConnection) return false;
            connection.Organization = true;
            if (!_byOrganization.TryGetValue(connection.OrgId, out var set)) _byOrganization[connection.OrgId] = set = [];
            set[connectionId] = connection;
            return true;
        }
    }

    public void UnsubscribeOrganization(string connectionId)
    {
        if (!_connections.TryGetValue(connectionId, out var connection)) return;
        lock (_subscriptions)
        {
            if (!connection.Organization) return;
            connection.Organization = false;
            RemoveFrom(_byOrganization, connection.OrgId, connectionId);
        }
    }

    public void UnsubscribeWorkflow(string connectionId, string orgId, string workflowId) =>
        Remove(connectionId, c => c.Workflows, _byWorkflow, WorkflowKey(orgId, workflowId));

    public void UnsubscribeExecution(string connectionId, string executionId) =>
        Remove(connectionId, c => c.Executions, _byExecution, executionId);

    /// <summary>The API keys open connections authenticated with (to re-check them against the store).</summary>
    public IReadOnlyCollection<string> OpenKeyIds() =>
        [.. _connections.Values.Select(c => c.KeyId).OfType<string>().Distinct(StringComparer.Ordinal)];

    /// <summary>
    /// Ends every connection of a revoked key: its subscriptions go at once (no further event is routed to it) and
    /// SignalR closes the transport. Returns how many were closed.
    /// </summary>
    public int CloseKey(string keyId)
    {
        var closed = 0;
        foreach (var connection in _connections.Values)
        {
            if (!string.Equals(connection.KeyId, keyId, StringComparison.Ordinal)) continue;
            Disconnected(connection.Id);
            connection.Context.Abort();
            closed++;
        }
        return closed;
    }

    public void Touch(string connectionId)
    {
        if (_connections.TryGetValue(connectionId, out var connection)) connection.Touch();
    }

    private bool Add(string connectionId, Func<LiveConnection, HashSet<string>> own, Dictionary<string, Dictionary<string, LiveConnection>> index, string key)
    {
        if (!_connections.TryGetValue(connectionId, out var connection)) return true;
        lock (_subscriptions)
        {
            var mine = own(connection);
            if (mine.Contains(key)) return true;
            if (connection.Workflows.Count + connection.Executions.Count + (connection.Organization ? 1 : 0) >= _options.MaxSubscriptionsPerConnection) return false;
            mine.Add(key);
            if (!index.TryGetValue(key, out var set)) index[key] = set = [];
            set[connectionId] = connection;
            return true;
        }
    }

    private void Remove(string connectionId, Func<LiveConnection, HashSet<string>> own, Dictionary<string, Dictionary<string, LiveConnection>> index, string key)
    {
        if (!_connections.TryGetValue(connectionId, out var connection)) return;
        lock (_subscriptions)
        {
            if (own(connection).Remove(key)) RemoveFrom(index, key, connectionId);
        }
    }

    private static void RemoveFrom(Dictionary<string, Dictionary<string, LiveConnection>> index, string key, string connectionId)
    {
        if (!index.TryGetValue(key, out var set)) return;
        set.Remove(connectionId);
        if (set.Count == 0) index.Remove(key);
    }

    private static string WorkflowKey(string orgId, string workflowId) => orgId + "\u001f" + workflowId;

    // ---- per-connection sending ----

    private async Task SendLoopAsync(LiveConnection connection)
    {
        var client = _hub.Clients.Client(connection.Id);
        var reader = connection.Outbox.Reader;
        try
        {
            while (await reader.WaitToReadAsync(connection.Closing))
            {
                while (reader.TryRead(out var e))
                {
                    await client.SendAsync(e.Name, e.Serialized, connection.Closing);
                    connection.Touch();
                }
                // Caught up: tell the client which executions it missed events of.
                foreach (var id in connection.PendingResync.Keys)
                {
                    if (!connection.PendingResync.TryRemove(id, out var owner)) continue;
                    var resync = ProgressMapper.Resync(id, connection.OrgId, owner, _clock.GetUtcNow());
                    await client.SendAsync(resync.Name, resync.Serialized, connection.Closing);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e)
        {
            Logs.LiveSendFailed(_logger, connection.Id, e);
            connection.Context.Abort();
        }
    }

    private async Task SweepAsync(PeriodicTimer timer, CancellationToken ct)
    {
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                var now = _clock.GetUtcNow();
                if (_options.IdleTimeout > TimeSpan.Zero)
                {
                    foreach (var connection in _connections.Values)
                    {
                        if (now - connection.LastActivity > _options.IdleTimeout) connection.Context.Abort();
                    }
                }
                _pruneRequested = true;
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private volatile bool _pruneRequested;

    /// <summary>
    /// The router's memory is only needed while an execution is active, and briefly after it finished
    /// (to drop the duplicates a second feed brings). Router thread only.
    /// </summary>
    private void PruneMemory()
    {
        _pruneRequested = false;
        var now = _clock.GetUtcNow();
        List<string>? stale = null;
        foreach (var (id, memory) in _memory)
        {
            var age = now - memory.Touched;
            if ((memory.Finished && age > TimeSpan.FromMinutes(1)) || age > TimeSpan.FromHours(1)) (stale ??= []).Add(id);
        }
        if (stale is null) return;
        foreach (var id in stale) _memory.Remove(id);
    }

    private sealed class ExecutionMemory
    {
        public long LastSequence;
        public bool Finished;
        public DateTimeOffset Touched;
        public Dictionary<string, DateTimeOffset> StepStarts { get; } = [];
    }
}

/// <summary>One SignalR connection: its organisation, subscriptions (guarded by the broadcaster's lock) and bounded outbox.</summary>
internal sealed class LiveConnection
{
    private readonly CancellationTokenSource _closing = new();
    private readonly TimeProvider _clock;
    private long _lastActivityTicks;

    public LiveConnection(HubCallerContext context, string orgId, int capacity, TimeProvider clock)
    {
        Context = context;
        OrgId = orgId;
        _clock = clock;
        Outbox = Channel.CreateBounded<ProgressEvent>(new BoundedChannelOptions(Math.Max(1, capacity)) { SingleReader = true, SingleWriter = true });
        Touch();
    }

    public string Id => Context.ConnectionId;
    public HubCallerContext Context { get; }
    public string OrgId { get; }
    /// <summary>The API key the connection authenticated with; its revocation closes the connection.</summary>
    public string? KeyId { get; init; }
    public HashSet<string> Workflows { get; } = [];
    public HashSet<string> Executions { get; } = [];
    /// <summary>Whether the connection follows every execution of its organisation (guarded by the broadcaster's lock).</summary>
    public bool Organization { get; set; }
    public Channel<ProgressEvent> Outbox { get; }
    /// <summary>Executions whose events were dropped for this connection, with their workflow.</summary>
    public ConcurrentDictionary<string, string> PendingResync { get; } = new();
    public Task? Sender { get; set; }
    public CancellationToken Closing => _closing.Token;
    public DateTimeOffset LastActivity => new(Interlocked.Read(ref _lastActivityTicks), TimeSpan.Zero);

    public void Touch() => Interlocked.Exchange(ref _lastActivityTicks, _clock.GetUtcNow().UtcTicks);

    /// <summary>False when the outbox is full: the event is dropped and the execution marked for resync.</summary>
    public bool Enqueue(ProgressEvent e)
    {
        if (Outbox.Writer.TryWrite(e)) return true;
        PendingResync[e.ExecutionId] = e.WorkflowId;
        return false;
    }

    public void Close()
    {
        Outbox.Writer.TryComplete();
        _closing.Cancel();
    }
}
