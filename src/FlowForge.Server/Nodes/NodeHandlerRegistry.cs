namespace FlowForge.Server.Nodes;

/// <summary>The handlers this server has, by node type. A type without one fails its step with a clear error.</summary>
public sealed class NodeHandlerRegistry(IEnumerable<INodeHandler> handlers)
{
    private readonly Dictionary<string, INodeHandler> _byType = handlers.ToDictionary(h => h.NodeType, StringComparer.Ordinal);

    public INodeHandler? Find(string nodeType) => _byType.GetValueOrDefault(nodeType);
}
