using FlowForge.Core.Catalog;
using FlowForge.Server.Nodes;
using FlowForge.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace FlowForge.Server.Tests.Nodes;

/// <summary>The catalog and the server's handlers agree: every node type that runs as an activity has exactly one handler.</summary>
public class NodeHandlerCoverageTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    // Triggers and logic nodes are interpreted by the decider inline; every other category runs as an activity.
    private static bool RunsAsActivity(NodeTypeDescriptor type) => type.Category is not (NodeCategory.Trigger or NodeCategory.Logic);

    [Fact]
    public void EveryActivityTypeInTheCatalog_HasAHandler_AndEveryHandlerAnActivityType()
    {
        // Resolving the registry fails when two handlers claim one type.
        var registry = server.Services.GetRequiredService<NodeHandlerRegistry>();
        var catalog = server.Services.GetRequiredService<NodeCatalog>();

        var activityTypes = catalog.All.Where(RunsAsActivity).Select(t => t.Type).Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(activityTypes);
        Assert.Equal(activityTypes, registry.NodeTypes.Order(StringComparer.Ordinal));
        foreach (var type in activityTypes) Assert.Equal(type, registry.Find(type)!.NodeType);
    }

    [Fact]
    public void TwoHandlersForOneType_AreRefused()
    {
        var handlers = server.Services.GetServices<INodeHandler>().ToList();
        var twice = handlers.Append(handlers.Single(h => h.NodeType == NodeTypeNames.UtilitySentiment));
        var e = Assert.Throws<InvalidOperationException>(() => new NodeHandlerRegistry(twice));
        Assert.Contains(NodeTypeNames.UtilitySentiment, e.Message);
    }
}
