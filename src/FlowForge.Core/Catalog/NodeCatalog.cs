namespace FlowForge.Core.Catalog;

/// <summary>The registry of node types. <see cref="Default"/> holds every built-in type.</summary>
public sealed class NodeCatalog
{
    private readonly Dictionary<string, NodeTypeDescriptor> _byType;

    public NodeCatalog(IEnumerable<NodeTypeDescriptor> types)
    {
        All = [.. types];
        _byType = All.ToDictionary(t => t.Type, StringComparer.Ordinal);
    }

    public static NodeCatalog Default { get; } = new(BuiltInNodeTypes.All);

    public IReadOnlyList<NodeTypeDescriptor> All { get; }

    public NodeTypeDescriptor? Find(string type) => _byType.GetValueOrDefault(type);
}
