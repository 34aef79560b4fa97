using System.Text.Json.Nodes;

namespace FlowForge.Server.Nodes;

/// <summary>What a handler gets for one attempt of one step.</summary>
/// <param name="Input">The node's config with every template resolved.</param>
/// <param name="IdempotencyKey"><c>executionId:stepKey:attempt</c>: pass it to providers that accept one.</param>
public sealed record NodeRunContext(
    string ExecutionId,
    string OrgId,
    string StepKey,
    string NodeId,
    string NodeType,
    int Attempt,
    JsonNode? Input,
    string IdempotencyKey,
    bool Preview = false);

/// <summary>A step's result: its output and, for nodes that route, the port to continue from.</summary>
public sealed record NodeResult(JsonNode? Output, string? Port = null);

/// <summary>Runs one node type as an activity. Throw <see cref="NodeFailure"/> for a failure the retry policy should see.</summary>
public interface INodeHandler
{
    string NodeType { get; }

    Task<NodeResult> RunAsync(NodeRunContext context, CancellationToken ct);
}

/// <summary>A failed attempt. <see cref="Retryable"/> false when another attempt cannot help (bad input, a 4xx answer).</summary>
public sealed class NodeFailure(string message, bool retryable = true, TimeSpan? retryAfter = null) : Exception(message)
{
    public bool Retryable { get; } = retryable;

    /// <summary>A provider's own hint of when to try again (Retry-After).</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;
}
