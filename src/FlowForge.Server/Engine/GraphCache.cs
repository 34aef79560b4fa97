using System.Collections.Concurrent;
using FlowForge.Core.Catalog;
using FlowForge.Core.Engine;
using FlowForge.Core.Storage;

namespace FlowForge.Server.Engine;

/// <summary>Published versions are immutable, so their analysed graphs are cached for the life of the process.</summary>
internal sealed class GraphCache(IWorkflowStore workflows, NodeCatalog catalog)
{
    private readonly ConcurrentDictionary<(string WorkflowId, int Version), GraphIndex> _graphs = new();

    public async Task<GraphIndex?> GetAsync(string orgId, string workflowId, int version, CancellationToken ct)
    {
        if (_graphs.TryGetValue((workflowId, version), out var cached)) return cached;
        var record = await workflows.GetVersionAsync(orgId, workflowId, version, ct);
        if (record is null) return null;
        var graph = new GraphIndex(record.Definition.Graph, catalog);
        _graphs.TryAdd((workflowId, version), graph);
        return graph;
    }
}
