using System.Text.Json;
using System.Text.Json.Nodes;
using FlowForge.Core.Catalog;
using FlowForge.Core.Engine;
using FlowForge.Core.Engine.History;
using FlowForge.Core.Model;
using FlowForge.Core.Storage;

namespace FlowForge.Core.Tests.Engine;

/// <summary>One decider turn in the history: accepted inbox messages in [Start, DecisionsStart), decisions in [DecisionsStart, End).</summary>
internal sealed record TurnRecord(int Start, int DecisionsStart, int End, string Status);

/// <summary>
/// A deterministic stand-in for the dispatcher: it keeps the history, an inbox and a fake clock; every turn
/// replays the whole history into a fresh <see cref="ExecutionState"/>, lets the decider decide on the inbox
/// and appends Accepted then Decisions, as the real dispatcher does in one transaction.
/// Activities, timers and external events are delivered only when a test asks for it.
/// </summary>
internal sealed class DeciderHarness
{
    public static readonly DateTimeOffset Epoch = new(2025, 1, 1, 9, 0, 0, TimeSpan.Zero);

    private readonly List<HistoryEvent> _inbox = [];
    private readonly HashSet<(string StepKey, int Attempt)> _handled = [];

    public DeciderHarness(WorkflowGraph graph, string executionId = "ex_test")
    {
        Graph = new GraphIndex(graph, NodeCatalog.Default);
        ExecutionId = executionId;
    }

    public GraphIndex Graph { get; }
    public string ExecutionId { get; }
    public List<HistoryEvent> History { get; } = [];
    public List<TurnRecord> Turns { get; } = [];
    public DateTimeOffset Now { get; set; } = Epoch;
    public DeciderResult? LastResult { get; private set; }

    public static DeciderHarness For(string graphJson, string executionId = "ex_test") => new(Flow.Parse(graphJson), executionId);

    /// <summary>The state folded from the whole history, fresh each call.</summary>
    public ExecutionState State => ExecutionState.Replay(ExecutionId, History);

    public string Status => LastResult?.Status ?? ExecutionStatus.Pending;

    public DeciderResult Start(JsonNode? triggerData = null, string? triggerNodeId = null)
    {
        Send(new ExecutionStarted("wf_test", 1, triggerData ?? new JsonObject(), triggerNodeId));
        return Turn();
    }

    /// <summary>Puts a message in the inbox, stamped with the clock; delivered on the next <see cref="Turn"/>.</summary>
    public void Send(HistoryEvent message) => _inbox.Add(message with { Timestamp = Now });

    /// <summary>One turn: replay, decide on the inbox, append Accepted then Decisions.</summary>
    public DeciderResult Turn()
    {
        var state = ExecutionState.Replay(ExecutionId, History);
        var inbox = _inbox.ToList();
        _inbox.Clear();
        var result = Decider.Decide(Graph, state, inbox);
        var start = History.Count;
        History.AddRange(result.Accepted);
        var decisionsStart = History.Count;
        History.AddRange(result.Decisions);
        Turns.Add(new TurnRecord(start, decisionsStart, History.Count, result.Status));
        LastResult = result;
        return result;
    }

    public DeciderResult Deliver(params HistoryEvent[] messages)
    {
        foreach (var m in messages) Send(m);
        return Turn();
    }

    /// <summary>Activities scheduled and not yet answered by the harness (latest attempt of each step still Scheduled).</summary>
    public IReadOnlyList<StepScheduled> OpenActivities()
    {
        var state = State;
        return [.. History.OfType<StepScheduled>()
            .Where(s => state.Step(s.StepKey) is { Phase: StepPhase.Scheduled } step && step.Attempt == s.Attempt)
            .Where(s => !_handled.Contains((s.StepKey, s.Attempt)))];
    }

    /// <summary>
    /// Answers every open activity with <paramref name="handler"/> (null = leave it running), one turn per wave,
    /// until no unanswered activity is left. Default: complete with <c>{ok: true, input}</c>.
    /// </summary>
    public int RunActivities(Func<StepScheduled, HistoryEvent?>? handler = null, int maxTurns = 1000)
    {
        handler ??= s => Ok(s);
        var answered = 0;
        for (var turn = 0; turn < maxTurns; turn++)
        {
            var open = OpenActivities();
            if (open.Count == 0) return answered;
            foreach (var activity in open)
            {
                _handled.Add((activity.StepKey, activity.Attempt));
                if (handler(activity) is { } message)
                {
                    Send(message);
                    answered++;
                }
            }
            Turn();
        }
        throw new InvalidOperationException("RunActivities did not settle.");
    }

    /// <summary>Answers just one open activity (by step key) and runs a turn.</summary>
    public DeciderResult Answer(string stepKey, Func<StepScheduled, HistoryEvent> handler)
    {
        var activity = OpenActivities().Single(a => a.StepKey == stepKey);
        _handled.Add((activity.StepKey, activity.Attempt));
        return Deliver(handler(activity));
    }

    /// <summary>Timers created and not yet fired.</summary>
    public IReadOnlyList<TimerCreated> PendingTimers()
    {
        var fired = History.OfType<TimerFired>().Select(t => t.TimerId).ToHashSet();
        return [.. History.OfType<TimerCreated>().Where(t => !fired.Contains(t.TimerId))];
    }

    /// <summary>Advances the clock and delivers every due timer (in FireAt order) in one turn; no turn when none is due.</summary>
    public DeciderResult? FireDueTimers(TimeSpan advance)
    {
        Now += advance;
        var due = PendingTimers().Where(t => t.FireAt <= Now).OrderBy(t => t.FireAt).ToList();
        if (due.Count == 0) return null;
        foreach (var t in due) Send(new TimerFired(t.TimerId));
        return Turn();
    }

    public DeciderResult Raise(string name, JsonNode? payload) => Deliver(new EventRaised(name, payload));

    public DeciderResult Cancel(string? reason = "user") => Deliver(new CancelRequested(reason));

    public DeciderResult Resume() => Deliver(new ExecutionResumed());

    /// <summary>Runs activities and fires timers (advancing by <paramref name="step"/>) until nothing moves.</summary>
    public void RunToQuiescence(Func<StepScheduled, HistoryEvent?>? handler = null, TimeSpan? step = null)
    {
        for (var i = 0; i < 1000; i++)
        {
            var before = History.Count;
            RunActivities(handler);
            if (PendingTimers().Count > 0 && State.TerminalStatus is null) FireDueTimers(step ?? TimeSpan.FromMinutes(1));
            if (History.Count == before) return;
        }
        throw new InvalidOperationException("The run did not settle.");
    }

    public static StepCompleted Ok(StepScheduled s, JsonNode? output = null, string port = NodeTypeDescriptor.DefaultPort) =>
        new(s.StepKey, s.NodeId, s.NodeType, s.Attempt, output ?? new JsonObject { ["ok"] = true, ["input"] = s.Input?.DeepClone() }, port);

    public static StepFailed Fail(StepScheduled s, string error = "boom", bool retryable = true) =>
        new(s.StepKey, s.NodeId, s.NodeType, s.Attempt, error, retryable);

    // ---- inspection helpers ----

    public IEnumerable<T> Events<T>() where T : HistoryEvent => History.OfType<T>();

    public StepCompleted CompletedOf(string stepKey) => Assert.Single(History.OfType<StepCompleted>(), c => c.StepKey == stepKey);

    public bool Ran(string stepKey) => History.Any(e => e is StepScheduled s && s.StepKey == stepKey || e is StepCompleted c && c.StepKey == stepKey);

    public IReadOnlyList<string> ScheduledKeys() => [.. History.OfType<StepScheduled>().Select(s => s.StepKey)];

    public static string Json(HistoryEvent e) => JsonSerializer.Serialize(e, JsonDefaults.Options);

    public static string Json(IEnumerable<HistoryEvent> events) => JsonSerializer.Serialize(events.ToList(), JsonDefaults.Options);

    /// <summary>The history as the store would give it back: serialized and parsed again.</summary>
    public static List<HistoryEvent> RoundTrip(IEnumerable<HistoryEvent> events) =>
        JsonSerializer.Deserialize<List<HistoryEvent>>(Json(events), JsonDefaults.Options)!;
}

/// <summary>Builds a <see cref="WorkflowGraph"/> from compact JSON: <c>{nodes:[{id,type,config}], edges:[{source,target,sourceHandle}]}</c>.</summary>
internal static class Flow
{
    public static WorkflowGraph Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        var nodes = new List<NodeDefinition>();
        foreach (var n in root.GetProperty("nodes").EnumerateArray())
        {
            var config = n.TryGetProperty("config", out var c) ? c.Clone() : JsonDocument.Parse("{}").RootElement.Clone();
            nodes.Add(new NodeDefinition(n.GetProperty("id").GetString()!, n.GetProperty("type").GetString()!, config));
        }
        var edges = new List<EdgeDefinition>();
        if (root.TryGetProperty("edges", out var es))
        {
            foreach (var e in es.EnumerateArray())
            {
                var source = e.GetProperty("source").GetString()!;
                var target = e.GetProperty("target").GetString()!;
                var handle = e.TryGetProperty("sourceHandle", out var h) && h.ValueKind == JsonValueKind.String ? h.GetString() : null;
                edges.Add(new EdgeDefinition($"{source}-{handle}-{target}", source, target, handle));
            }
        }
        return new WorkflowGraph(nodes, edges);
    }
}
