using System.Text.Json;
using FlowForge.Core.Catalog;
using FlowForge.Core.Catalog.Nodes;
using FlowForge.Core.Model;
using static FlowForge.Core.Validation.ValidationCodes;

namespace FlowForge.Core.Validation;

/// <summary>
/// Checks a workflow graph before it is saved or published. Errors (<see cref="ValidationResult.Errors"/>):
/// <list type="bullet">
/// <item><c>no_steps</c>, <c>no_trigger</c>: the graph is empty or has no trigger;</item>
/// <item><c>duplicate_id</c> (on every occurrence after the first), <c>invalid_characters</c> (a step or edge id with a
/// control or bidirectional-override character, see <see cref="SafeText"/>), <c>unknown_type</c>;</item>
/// <item><c>config_invalid</c>: the config against the type's schema (<see cref="ConfigSchemaValidator"/>), the type's
/// <see cref="NodeTypeDescriptor.ConfigRules"/>, and the optional condition checker for <c>logic_condition</c>;</item>
/// <item><c>duplicate_edge_id</c> (on every occurrence after the first), <c>edge_missing_node</c>, <c>unknown_port</c> (<see cref="NodeTypeDescriptor.ResolvePort"/>; on a node with
/// several ports an edge must name one), reported on the edge's source step;</item>
/// <item><c>unreachable</c>: a step no trigger leads to (not reported when there is no trigger at all);</item>
/// <item><c>cycle</c>: a cycle that does not leave a <c>logic_loop</c> through its <c>item</c> port, i.e. anything but a
/// loop body leading back to its loop; reported once per cycle, on its first step;</item>
/// <item><c>missing_outgoing</c>: a type that <see cref="NodeTypeDescriptor.RequiresOutgoingEdge"/> with no edge out
/// (edges from the <c>error</c> port do not count); a loop needs an edge from its <c>item</c> port.</item>
/// </list>
/// Warnings (<see cref="ValidationResult.Warnings"/>): <c>unknown_variable</c>, a <c>{{path}}</c> in any config string
/// that nothing upstream produces: <c>trigger.*</c> and <c>execution.*</c> are always fine; <c>steps.id.*</c> needs
/// step <c>id</c> upstream (the field is not checked); <c>vars.name</c> needs an upstream <c>logic_set_variable</c>
/// setting it (<c>vars.item</c>/<c>vars.index</c>: an upstream loop); a bare <c>name</c> must be an output field of
/// an upstream step's type or a variable set upstream, anything being accepted downstream of a step whose output is
/// free-form (<see cref="NodeTypeDescriptor.DynamicOutput"/>: webhook and manual triggers, sub-workflows).
/// <para>Issues come in a fixed order: workflow-wide ones first, then by step order in the graph, then by rule in
/// the order above, then by position (field, edge order).</para>
/// </summary>
public static class WorkflowValidator
{
    private enum Rule { Graph, DuplicateId, InvalidCharacters, UnknownType, Config, DuplicateEdgeId, EdgeMissingNode, UnknownPort, Unreachable, Cycle, MissingOutgoing, UnknownVariable }

    private sealed record Entry(int Order, Rule Rule, int Seq, ValidationIssue Issue, bool IsWarning);

    private sealed record Edge(int From, int To, string? Port);

    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement.Clone();

    /// <param name="graph">The workflow.</param>
    /// <param name="catalog">The node types it may use.</param>
    /// <param name="conditionChecker">
    /// Hook for the condition language: given a <c>logic_condition</c>'s <c>condition</c> value, returns an error
    /// message when it does not parse (reported as <c>config_invalid</c> on field <c>condition</c>), or null.
    /// Not called for a condition that is missing or of the wrong type (already reported).
    /// </param>
    public static ValidationResult Validate(WorkflowGraph graph, NodeCatalog catalog, Func<JsonElement, string?>? conditionChecker = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(catalog);
        var entries = new List<Entry>();
        void Add(int order, Rule rule, ValidationIssue issue, bool warning = false) => entries.Add(new(order, rule, entries.Count, issue, warning));

        var nodes = graph.Nodes;
        if (nodes.Count == 0)
        {
            Add(-1, Rule.Graph, new(null, null, "The workflow has no steps: add a trigger to start with.", NoSteps));
            return Result(entries);
        }

        var types = nodes.Select(n => catalog.Find(n.Type)).ToArray();
        if (!types.Any(t => t is { IsTrigger: true }))
        {
            Add(-1, Rule.Graph, new(null, null, "The workflow has no trigger, so it can never start: add one.", NoTrigger));
        }

        // Ids: the first node with an id is the one edges refer to.
        var indexById = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < nodes.Count; i++)
        {
            if (!indexById.TryAdd(nodes[i].Id, i))
            {
                Add(i, Rule.DuplicateId, new(nodes[i].Id, null, $"Another step already has the id '{nodes[i].Id}': ids must be unique.", DuplicateId));
            }
            if (SafeText.Problem(nodes[i].Id) is { } bad)
            {
                Add(i, Rule.InvalidCharacters, new(nodes[i].Id, null, $"The step id {bad}: use printable characters only.", InvalidCharacters));
            }
        }

        for (var i = 0; i < nodes.Count; i++)
        {
            var node = nodes[i];
            if (types[i] is not { } type)
            {
                Add(i, Rule.UnknownType, new(node.Id, null, $"Step '{node.Id}' has the unknown type '{node.Type}'.", UnknownType));
                continue;
            }
            foreach (var (field, message) in CheckConfig(node, type, conditionChecker))
            {
                Add(i, Rule.Config, new(node.Id, field, message, ConfigInvalid));
            }
        }

        // Edges.
        var edges = new List<Edge>();
        var edgeIds = new HashSet<string>(StringComparer.Ordinal);
        for (var edgeIndex = 0; edgeIndex < graph.Edges.Count; edgeIndex++)
        {
            var e = graph.Edges[edgeIndex];
            var hasSource = indexById.TryGetValue(e.Source, out var from);
            var hasTarget = indexById.TryGetValue(e.Target, out var to);
            var owner = hasSource ? from : hasTarget ? to : nodes.Count;
            string? ownerId = hasSource ? e.Source : hasTarget ? e.Target : null;
            // Editors address edges by id: two edges with one id cannot be told apart (deleting one deletes the other).
            if (!edgeIds.Add(e.Id))
            {
                Add(owner, Rule.DuplicateEdgeId, new(ownerId, null, $"Another edge already has the id '{e.Id}': edge ids must be unique.", DuplicateEdgeId));
            }
            if (SafeText.Problem(e.Id) is { } badEdge)
            {
                Add(owner, Rule.InvalidCharacters, new(ownerId, null, $"The id of edge #{edgeIndex + 1} (from '{e.Source}' to '{e.Target}') {badEdge}: use printable characters only.", InvalidCharacters));
            }
            if (!hasSource)
            {
                Add(owner, Rule.EdgeMissingNode, new(ownerId, null, $"Edge '{e.Id}' comes from step '{e.Source}', which does not exist.", EdgeMissingNode));
            }
            if (!hasTarget)
            {
                Add(owner, Rule.EdgeMissingNode, new(ownerId, null, $"Edge '{e.Id}' leads to step '{e.Target}', which does not exist.", EdgeMissingNode));
            }
            if (!hasSource) continue;

            string? port = null;
            if (types[from] is { } sourceType)
            {
                port = sourceType.ResolvePort(nodes[from], e.SourceHandle);
                if (port is null)
                {
                    var ports = string.Join(", ", sourceType.PortsFor(nodes[from]));
                    var message = string.IsNullOrEmpty(e.SourceHandle)
                        ? $"Edge '{e.Id}' must say which port of step '{e.Source}' it leaves from: {ports}."
                        : $"Step '{e.Source}' has no port '{e.SourceHandle}' for edge '{e.Id}'; its ports are: {ports}.";
                    Add(from, Rule.UnknownPort, new(e.Source, null, message, UnknownPort));
                }
            }
            if (hasTarget) edges.Add(new(from, to, port));
        }

        var successors = new List<Edge>[nodes.Count];
        var predecessors = new List<int>[nodes.Count];
        for (var i = 0; i < nodes.Count; i++) { successors[i] = []; predecessors[i] = []; }
        foreach (var e in edges)
        {
            successors[e.From].Add(e);
            predecessors[e.To].Add(e.From);
        }
        var canonical = Enumerable.Range(0, nodes.Count).Where(i => indexById[nodes[i].Id] == i).ToList();

        // Reachability from the triggers.
        var triggers = canonical.Where(i => types[i] is { IsTrigger: true }).ToList();
        if (triggers.Count > 0)
        {
            var reached = Closure(triggers, i => successors[i].Select(e => e.To));
            foreach (var i in canonical)
            {
                if (!reached.Contains(i))
                {
                    Add(i, Rule.Unreachable, new(nodes[i].Id, null, $"No trigger leads to step '{nodes[i].Id}', so it never runs.", Unreachable));
                }
            }
        }

        // Cycles: without the edges from loops' item ports the graph must be acyclic.
        var acyclicSuccessors = successors
            .Select((list, i) => list.Where(e => !(types[i]?.Type == NodeTypeNames.LogicLoop && e.Port == LogicLoop.ItemPort)).Select(e => e.To).ToList())
            .ToArray();
        foreach (var component in StronglyConnectedComponents(nodes.Count, acyclicSuccessors))
        {
            if (component.Count == 1 && !acyclicSuccessors[component[0]].Contains(component[0])) continue;
            component.Sort();
            var path = string.Join(" → ", component.Select(i => nodes[i].Id));
            Add(component[0], Rule.Cycle, new(nodes[component[0]].Id, null,
                $"Steps {path} form a cycle. Only a loop body may lead back to its loop (through the loop's item port).", Cycle));
        }

        // Nodes that must lead somewhere.
        foreach (var i in canonical)
        {
            if (types[i] is not { RequiresOutgoingEdge: true } type) continue;
            var outgoing = graph.Edges.Where(e => e.Source == nodes[i].Id)
                .Select(e => type.ResolvePort(nodes[i], e.SourceHandle))
                .ToList();
            if (type.Type == NodeTypeNames.LogicLoop)
            {
                if (!outgoing.Contains(LogicLoop.ItemPort))
                {
                    Add(i, Rule.MissingOutgoing, new(nodes[i].Id, null,
                        $"Loop '{nodes[i].Id}' has nothing on its item port: connect the steps to run for each item.", MissingOutgoing));
                }
            }
            else if (!outgoing.Any(p => p != NodeTypeDescriptor.ErrorPort))
            {
                Add(i, Rule.MissingOutgoing, new(nodes[i].Id, null,
                    $"Step '{nodes[i].Id}' ({type.DisplayName}) leads nowhere: connect it to the next step.", MissingOutgoing));
            }
        }

        // Template variables nothing upstream produces.
        for (var i = 0; i < nodes.Count; i++)
        {
            var self = indexById[nodes[i].Id];
            var ancestors = Closure(predecessors[self], j => predecessors[j]);
            if (types[self] is { IsTrigger: true }) ancestors.Add(self); // a trigger's filter may use its own fields
            var scope = new Scope(nodes, types, indexById, ancestors);
            var reported = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (field, text) in Strings(nodes[i].Config, ""))
            {
                foreach (var variable in TemplateSyntax.Paths(text))
                {
                    if (scope.Explain(variable) is { } problem && reported.Add(variable))
                    {
                        Add(i, Rule.UnknownVariable, new(nodes[i].Id, field.Length == 0 ? null : field, problem, UnknownVariable), warning: true);
                    }
                }
            }
        }

        return Result(entries);
    }

    private static IEnumerable<(string? Field, string Message)> CheckConfig(NodeDefinition node, NodeTypeDescriptor type, Func<JsonElement, string?>? conditionChecker)
    {
        var config = node.Config.ValueKind == JsonValueKind.Undefined ? EmptyObject : node.Config;
        if (config.ValueKind != JsonValueKind.Object)
        {
            yield return (null, "The config must be a JSON object.");
            yield break;
        }
        var schemaErrors = ConfigSchemaValidator.Validate(config, type.ConfigSchema);
        foreach (var error in schemaErrors)
        {
            yield return (error.Path.Length == 0 ? null : error.Path, $"{error.Path} {error.Message}".TrimStart());
        }
        if (type.ConfigRules is { } rules)
        {
            foreach (var error in rules(config))
            {
                yield return (error.Path.Length == 0 ? null : error.Path, $"{error.Path} {error.Message}".TrimStart());
            }
        }
        if (conditionChecker is not null && type.Type == NodeTypeNames.LogicCondition
            && !ConfigSchemaValidator.IsMissing(node.GetConfig("condition"))
            && !schemaErrors.Any(e => e.Path == "condition")
            && conditionChecker(node.GetConfig("condition")!.Value) is { } conditionError)
        {
            yield return ("condition", conditionError);
        }
    }

    /// <summary>What a step can see: the steps upstream of it.</summary>
    private sealed class Scope
    {
        private readonly IReadOnlyDictionary<string, int> _indexById;
        private readonly HashSet<int> _ancestors;
        private readonly HashSet<string> _names = new(StringComparer.Ordinal);
        private readonly HashSet<string> _vars = new(StringComparer.Ordinal);
        private readonly bool _anyName;
        private readonly bool _loopUpstream;

        public Scope(IReadOnlyList<NodeDefinition> nodes, NodeTypeDescriptor?[] types, IReadOnlyDictionary<string, int> indexById, HashSet<int> ancestors)
        {
            _indexById = indexById;
            _ancestors = ancestors;
            foreach (var a in ancestors)
            {
                if (types[a] is not { } type) continue;
                _anyName |= type.DynamicOutput;
                _loopUpstream |= type.Type == NodeTypeNames.LogicLoop;
                foreach (var f in type.OutputFields) _names.Add(f.Name);
                if (type.Type == NodeTypeNames.LogicSetVariable)
                {
                    foreach (var v in LogicSetVariable.VariableNames(nodes[a])) _vars.Add(v);
                }
            }
            _names.UnionWith(_vars);
        }

        /// <summary>Null when <paramref name="path"/> can be resolved here, else why not.</summary>
        public string? Explain(string path)
        {
            var segments = path.Split('.');
            var root = Head(segments[0]);
            var second = segments.Length > 1 ? Head(segments[1]) : null;
            switch (root)
            {
                case "trigger":
                case "execution":
                    return null;
                case "steps":
                    if (second is null) return $"{{{{{path}}}}} must name a step: {{{{steps.<id>.<field>}}}}.";
                    if (!_indexById.TryGetValue(second, out var index)) return $"{{{{{path}}}}} refers to step '{second}', which does not exist.";
                    return _ancestors.Contains(index) ? null : $"{{{{{path}}}}} refers to step '{second}', which does not run before this step.";
                case "vars":
                    if (second is null) return $"{{{{{path}}}}} must name a variable: {{{{vars.<name>}}}}.";
                    if (_vars.Contains(second) || (_loopUpstream && second is "item" or "index")) return null;
                    return $"{{{{{path}}}}}: no Set variables step before this one sets '{second}'.";
                default:
                    return _anyName || _names.Contains(root) ? null : $"{{{{{path}}}}}: no step before this one outputs '{root}'.";
            }
        }

        private static string Head(string segment)
        {
            var bracket = segment.IndexOf('[', StringComparison.Ordinal);
            return bracket < 0 ? segment : segment[..bracket];
        }
    }

    /// <summary>Every string in <paramref name="value"/> with its path (property names excluded).</summary>
    private static IEnumerable<(string Path, string Text)> Strings(JsonElement value, string path)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                yield return (path, value.GetString()!);
                break;
            case JsonValueKind.Object:
                foreach (var p in value.EnumerateObject())
                {
                    foreach (var s in Strings(p.Value, path.Length == 0 ? p.Name : $"{path}.{p.Name}")) yield return s;
                }
                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in value.EnumerateArray())
                {
                    foreach (var s in Strings(item, $"{path}[{i++}]")) yield return s;
                }
                break;
        }
    }

    private static HashSet<int> Closure(IEnumerable<int> start, Func<int, IEnumerable<int>> next)
    {
        var seen = new HashSet<int>();
        var queue = new Queue<int>();
        foreach (var s in start)
        {
            if (seen.Add(s)) queue.Enqueue(s);
        }
        while (queue.TryDequeue(out var current))
        {
            foreach (var n in next(current))
            {
                if (seen.Add(n)) queue.Enqueue(n);
            }
        }
        return seen;
    }

    /// <summary>Tarjan's algorithm, iterative so deep graphs cannot overflow the stack.</summary>
    private static List<List<int>> StronglyConnectedComponents(int count, IReadOnlyList<List<int>> successors)
    {
        var index = new int[count];
        var low = new int[count];
        var onStack = new bool[count];
        Array.Fill(index, -1);
        var stack = new Stack<int>();
        var components = new List<List<int>>();
        var next = 0;
        for (var root = 0; root < count; root++)
        {
            if (index[root] >= 0) continue;
            var work = new Stack<(int Node, int Child)>();
            work.Push((root, 0));
            index[root] = low[root] = next++;
            stack.Push(root);
            onStack[root] = true;
            while (work.TryPop(out var frame))
            {
                var (v, child) = frame;
                if (child < successors[v].Count)
                {
                    work.Push((v, child + 1));
                    var w = successors[v][child];
                    if (index[w] < 0)
                    {
                        index[w] = low[w] = next++;
                        stack.Push(w);
                        onStack[w] = true;
                        work.Push((w, 0));
                    }
                    else if (onStack[w])
                    {
                        low[v] = Math.Min(low[v], index[w]);
                    }
                    continue;
                }
                if (low[v] == index[v])
                {
                    var component = new List<int>();
                    int w;
                    do
                    {
                        w = stack.Pop();
                        onStack[w] = false;
                        component.Add(w);
                    } while (w != v);
                    components.Add(component);
                }
                if (work.TryPeek(out var parent)) low[parent.Node] = Math.Min(low[parent.Node], low[v]);
            }
        }
        return components;
    }

    private static ValidationResult Result(List<Entry> entries)
    {
        var ordered = entries.OrderBy(e => e.Order).ThenBy(e => e.Rule).ThenBy(e => e.Seq).ToList();
        return new(
            [.. ordered.Where(e => !e.IsWarning).Select(e => e.Issue)],
            [.. ordered.Where(e => e.IsWarning).Select(e => e.Issue)]);
    }
}
