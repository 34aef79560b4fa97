using System.Text.Json;
using FlowForge.Core.Model;
using FlowForge.Core.Storage;

namespace FlowForge.Server.Api;

/// <summary>
/// Turns a request body into a definition, collecting every shape error at once (with its JSON path)
/// rather than stopping at the first. Graph-level rules (unknown types, dangling edges, …) are left to
/// validation: a draft may be saved half-finished, only its shape must be right.
/// </summary>
internal static class WorkflowBodyMapper
{
    public const int MaxNameLength = 200;
    public const int MaxDescriptionLength = 4000;
    public const int MaxIdLength = 128;
    public const int MaxNodes = 500;
    public const int MaxEdges = 2000;

    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement.Clone();

    public static (WorkflowDefinition? Definition, List<FieldError> Errors) ToDefinition(WorkflowBody body)
    {
        var errors = new List<FieldError>();
        var name = body.Name?.Trim();
        if (string.IsNullOrEmpty(name)) errors.Add(new("name", "A name is required."));
        else if (name.Length > MaxNameLength) errors.Add(new("name", $"The name is longer than {MaxNameLength} characters."));
        else if (SafeText.Problem(name) is { } badName) errors.Add(new("name", $"The name {badName}."));
        if (body.Description is { Length: > MaxDescriptionLength }) errors.Add(new("description", $"The description is longer than {MaxDescriptionLength} characters."));
        else if (SafeText.Problem(body.Description, multiline: true) is { } badDescription) errors.Add(new("description", $"The description {badDescription}."));

        var nodes = new List<NodeDefinition>();
        var bodyNodes = body.Nodes ?? [];
        if (bodyNodes.Count > MaxNodes) errors.Add(new("nodes", $"A workflow has at most {MaxNodes} nodes."));
        for (var i = 0; i < bodyNodes.Count && i < MaxNodes; i++)
        {
            var path = $"nodes[{i}]";
            if (bodyNodes[i] is not { } n)
            {
                errors.Add(new(path, "A node must be an object."));
                continue;
            }
            var id = RequiredString(n.Id, path + ".id", errors);
            var type = RequiredString(n.Type, path + ".type", errors);
            var config = EmptyObject;
            if (n.Config is { } c && c.ValueKind != JsonValueKind.Null)
            {
                if (c.ValueKind != JsonValueKind.Object) errors.Add(new(path + ".config", "The config must be a JSON object."));
                else config = c.Clone();
            }
            if (id is not null && type is not null) nodes.Add(new NodeDefinition(id, type, config, n.Position));
        }

        var edges = new List<EdgeDefinition>();
        var bodyEdges = body.Edges ?? [];
        if (bodyEdges.Count > MaxEdges) errors.Add(new("edges", $"A workflow has at most {MaxEdges} edges."));
        for (var i = 0; i < bodyEdges.Count && i < MaxEdges; i++)
        {
            var path = $"edges[{i}]";
            if (bodyEdges[i] is not { } e)
            {
                errors.Add(new(path, "An edge must be an object."));
                continue;
            }
            var source = RequiredString(e.Source, path + ".source", errors);
            var target = RequiredString(e.Target, path + ".target", errors);
            var handle = OptionalString(e.SourceHandle, path + ".sourceHandle", errors);
            var id = OptionalString(e.Id, path + ".id", errors);
            if (source is not null && target is not null)
            {
                // React Flow always names its edges; hand-written JSON may not, so derive a stable id.
                id ??= $"e-{source}-{handle ?? "out"}-{target}";
                edges.Add(new EdgeDefinition(id, source, target, handle));
            }
        }

        if (errors.Count > 0) return (null, errors);
        return (new WorkflowDefinition(name!, string.IsNullOrWhiteSpace(body.Description) ? null : body.Description, new WorkflowGraph(nodes, edges), body.Canvas), errors);
    }

    private static string? RequiredString(JsonElement? value, string path, List<FieldError> errors)
    {
        if (value is not { ValueKind: JsonValueKind.String } v || string.IsNullOrWhiteSpace(v.GetString()))
        {
            errors.Add(new(path, "A non-empty string is required."));
            return null;
        }
        var s = v.GetString()!;
        if (s.Length > MaxIdLength)
        {
            errors.Add(new(path, $"Longer than {MaxIdLength} characters."));
            return null;
        }
        return Printable(s, path, errors);
    }

    private static string? OptionalString(JsonElement? value, string path, List<FieldError> errors)
    {
        if (value is null || value.Value.ValueKind == JsonValueKind.Null) return null;
        if (value.Value.ValueKind != JsonValueKind.String)
        {
            errors.Add(new(path, "Must be a string."));
            return null;
        }
        var s = value.Value.GetString();
        if (s is { Length: > MaxIdLength })
        {
            errors.Add(new(path, $"Longer than {MaxIdLength} characters."));
            return null;
        }
        return string.IsNullOrEmpty(s) ? null : Printable(s, path, errors);
    }

    /// <summary>Ids and names are refused with control or bidi-override characters (<see cref="SafeText"/>): they are stored and shown as they are.</summary>
    private static string? Printable(string s, string path, List<FieldError> errors)
    {
        if (SafeText.Problem(s) is not { } problem) return s;
        errors.Add(new(path, $"The value {problem}."));
        return null;
    }
}
