namespace FlowForge.Core.Catalog;

/// <summary>The list of built-in node types; each lives in its own file under <c>Nodes/</c>.</summary>
internal static class BuiltInNodeTypes
{
    public static IEnumerable<NodeTypeDescriptor> All => [];
}
