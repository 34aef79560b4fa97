using FlowForge.Core.Catalog;
using FlowForge.Core.Model;
using FlowForge.Core.Catalog.Nodes;

namespace FlowForge.Core.Engine;

/// <summary>
/// The analysis of a version's graph the decider needs on every turn, computed once per version:
/// edges with resolved ports, loop bodies, each node's innermost loop, and a topological order of
/// the graph without its loop back-edges. Immutable and shared across executions.
/// </summary>
public sealed class GraphIndex
{
    private readonly Dictionary<string, GraphNode> _nodes = new(StringComparer.Ordinal);

    public GraphIndex(WorkflowGraph graph, NodeCatalog catalog)
    {
        Graph = graph;
        foreach (var node in graph.Nodes)
        {
            _nodes.TryAdd(node.Id, new GraphNode(node, catalog.Find(node.Type)));
        }

        var edges = new List<GraphEdge>();
        foreach (var edge in graph.Edges)
        {
            if (!_nodes.TryGetValue(edge.Source, out var source) || !_nodes.TryGetValue(edge.Target, out var target)) continue;
            var port = source.Type?.ResolvePort(source.Definition, edge.SourceHandle) ?? edge.SourceHandle ?? NodeTypeDescriptor.DefaultPort;
            edges.Add(new GraphEdge(edge, source.Id, target.Id, port));
        }

        // A loop's body: everything reachable from its `item` port without passing through the loop again.
        foreach (var loop in _nodes.Values.Where(n => n.Definition.Type == NodeTypeNames.LogicLoop))
        {
            var body = new HashSet<string>(StringComparer.Ordinal);
            var stack = new Stack<string>(edges.Where(e => e.SourceId == loop.Id && e.Port == LogicLoop.ItemPort).Select(e => e.TargetId));
            while (stack.Count > 0)
            {
                var id = stack.Pop();
                if (id == loop.Id || !body.Add(id)) continue;
                foreach (var e in edges.Where(e => e.SourceId == id)) stack.Push(e.TargetId);
            }
            _loopBodies[loop.Id] = body;
        }

        // The innermost loop of a node is the loop with the smallest body containing it.
        foreach (var node in _nodes.Values)
        {
            node.LoopId = LoopBodies.Where(b => b.Value.Contains(node.Id)).OrderBy(b => b.Value.Count).Select(b => b.Key).FirstOrDefault();
        }

        foreach (var edge in edges)
        {
            var source = _nodes[edge.SourceId];
            var target = _nodes[edge.TargetId];
            // An edge into a loop from inside its body closes an iteration; it is not a dependency.
            edge.IsBackEdge = LoopBodies.TryGetValue(target.Id, out var body) && (body.Contains(source.Id) || source.Id == target.Id);
            edge.IsLoopEntry = source.Definition.Type == NodeTypeNames.LogicLoop && edge.Port == LogicLoop.ItemPort && target.LoopId == source.Id;
            source.Outgoing.Add(edge);
            if (!edge.IsBackEdge) target.Incoming.Add(edge);
        }

        TopologicalOrder = SortTopologically();
        HasSubworkflows = _nodes.Values.Any(n => n.Definition.Type == NodeTypeNames.LogicSubworkflow);
    }

    public WorkflowGraph Graph { get; }

    /// <summary>Whether any node can start a child execution: only such graphs need the start quota on each turn.</summary>
    public bool HasSubworkflows { get; }

    public IReadOnlyDictionary<string, HashSet<string>> LoopBodies => _loopBodies;
    private readonly Dictionary<string, HashSet<string>> _loopBodies = new(StringComparer.Ordinal);

    /// <summary>Nodes ordered so that every forward edge goes from an earlier to a later node (ties in definition order).</summary>
    public IReadOnlyList<GraphNode> TopologicalOrder { get; }

    public IEnumerable<GraphNode> Nodes => _nodes.Values;

    public GraphNode? Find(string id) => _nodes.GetValueOrDefault(id);

    public GraphNode this[string id] => _nodes[id];

    /// <summary>The loops enclosing a node, innermost first.</summary>
    public IEnumerable<string> EnclosingLoops(string nodeId)
    {
        var loop = _nodes[nodeId].LoopId;
        while (loop is not null)
        {
            yield return loop;
            loop = _nodes[loop].LoopId;
        }
    }

    private List<GraphNode> SortTopologically()
    {
        var inDegree = _nodes.Values.ToDictionary(n => n.Id, n => n.Incoming.Count, StringComparer.Ordinal);
        var order = new List<GraphNode>(_nodes.Count);
        var ready = new Queue<GraphNode>(Graph.Nodes.Select(n => _nodes[n.Id]).Distinct().Where(n => inDegree[n.Id] == 0));
        while (ready.Count > 0)
        {
            var node = ready.Dequeue();
            order.Add(node);
            foreach (var edge in node.Outgoing.Where(e => !e.IsBackEdge))
            {
                if (--inDegree[edge.TargetId] == 0) ready.Enqueue(_nodes[edge.TargetId]);
            }
        }
        // A cycle not through a loop never passes validation; if one slips in, its nodes stay unordered and never run.
        return order;
    }
}

/// <summary>A node of the graph with its edges. <see cref="Type"/> is null for a type the catalog does not know.</summary>
public sealed class GraphNode(NodeDefinition definition, NodeTypeDescriptor? type)
{
    public NodeDefinition Definition { get; } = definition;
    public NodeTypeDescriptor? Type { get; } = type;
    public string Id => Definition.Id;
    public string? LoopId { get; internal set; }
    public List<GraphEdge> Incoming { get; } = [];
    public List<GraphEdge> Outgoing { get; } = [];
}

public sealed class GraphEdge(EdgeDefinition definition, string sourceId, string targetId, string port)
{
    public EdgeDefinition Definition { get; } = definition;
    public string SourceId { get; } = sourceId;
    public string TargetId { get; } = targetId;

    /// <summary>The canonical source port (aliases such as <c>yes</c> resolved).</summary>
    public string Port { get; } = port;

    public bool IsBackEdge { get; internal set; }

    /// <summary>An edge from a loop's <c>item</c> port into its body: it starts each iteration.</summary>
    public bool IsLoopEntry { get; internal set; }
}
