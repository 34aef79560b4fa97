namespace FlowForge.Server.Nodes;

/// <summary>The handlers this server has, by node type. A type without one fails its step with a clear error.</summary>
internal sealed class NodeHandlerRegistry
{
    private readonly Dictionary<string, INodeHandler> _byType = new(StringComparer.Ordinal);

    /// <exception cref="InvalidOperationException">Two handlers claim one node type: which one runs would depend on registration order.</exception>
    public NodeHandlerRegistry(IEnumerable<INodeHandler> handlers)
    {
        foreach (var handler in handlers)
        {
            if (!_byType.TryAdd(handler.NodeType, handler))
            {
                throw new InvalidOperationException(
                    $"Node type '{handler.NodeType}' has two handlers: {_byType[handler.NodeType].GetType().Name} and {handler.GetType().Name}.");
            }
        }
    }

    /// <summary>The node types that have a handler.</summary>
    public IReadOnlyCollection<string> NodeTypes => _byType.Keys;

    public INodeHandler? Find(string nodeType) => _byType.GetValueOrDefault(nodeType);
}
