using System.Text.Json;
using FlowForge.Core.Catalog;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FlowForge.Server.Api;

/// <summary>The node catalog as the editor needs it: schemas to render config forms, ports to draw handles.</summary>
internal static class NodeTypesApi
{
    public static RouteGroupBuilder MapNodeTypesApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/node-types").WithTags("Node types");
        group.MapGet("/", (NodeCatalog catalog) => TypedResults.Ok(new NodeTypeList([.. catalog.All.Select(NodeTypeResponse.From)])))
            .WithName("ListNodeTypes").WithSummary("The node catalog: every node type with its config schema and ports");
        group.MapGet("/{type}", Results<Ok<NodeTypeResponse>, ProblemHttpResult> (NodeCatalog catalog, string type) =>
            catalog.Find(type) is { } t ? TypedResults.Ok(NodeTypeResponse.From(t)) : Problems.NotFound("Node type", type))
            .WithName("GetNodeType").WithSummary("One node type").Problems(404);
        return api;
    }
}

internal sealed record NodeTypeList(IReadOnlyList<NodeTypeResponse> NodeTypes);

/// <param name="OutputPorts">The ports edges can leave from. For types whose ports come from the config (A/B split) these are examples and <paramref name="PortsFromConfig"/> is true.</param>
internal sealed record NodeTypeResponse(
    string Type,
    string Category,
    string DisplayName,
    string Description,
    JsonElement ConfigSchema,
    IReadOnlyList<string> OutputPorts,
    bool PortsFromConfig,
    IReadOnlyDictionary<string, string> PortAliases,
    IReadOnlyList<OutputField> OutputFields,
    bool RequiresOutgoingEdge,
    bool HasSideEffects)
{
    public static NodeTypeResponse From(NodeTypeDescriptor d) => new(
        d.Type, d.Category.ToString().ToLowerInvariant(), d.DisplayName, d.Description, d.ConfigSchema,
        d.IsTrigger ? d.OutputPorts : [.. d.OutputPorts, NodeTypeDescriptor.ErrorPort],
        d.PortsFromConfig is not null, d.PortAliases, d.OutputFields, d.RequiresOutgoingEdge, d.HasSideEffects);
}
