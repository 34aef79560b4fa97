using System.Text.Json.Nodes;

namespace FlowForge.Server.Nodes;

/// <summary>How a step attempt runs. The caller of the <see cref="Engine.ActivityRunner"/> chooses it; nothing else tells a test run from an execution.</summary>
public enum RunMode
{
    /// <summary>A durable execution: its record, trigger data and send ledger are in the store.</summary>
    Execution,

    /// <summary>A test run (<c>/test</c>) with <c>live</c>: in memory, nothing of it in the store, but side effects happen.</summary>
    LiveTest,

    /// <summary>A test run without <c>live</c>: in memory; steps of side-effecting node types are previewed by the runner and never reach their handler.</summary>
    PreviewTest,
}

/// <summary>What a handler gets for one attempt of one step.</summary>
/// <param name="Input">The node's config with every template resolved.</param>
/// <param name="IdempotencyKey"><c>executionId:stepKey:attempt</c>: pass it to providers that accept one.</param>
/// <param name="Mode">Whether this is a durable execution or a test run, set by the runner.</param>
public sealed record NodeRunContext(
    string ExecutionId,
    string OrgId,
    string StepKey,
    string NodeId,
    string NodeType,
    int Attempt,
    JsonNode? Input,
    string IdempotencyKey,
    RunMode Mode)
{
    /// <summary>A test run (<c>/test</c>): no execution of this id is in the store, so there is no trigger data or send ledger to read or write.</summary>
    public bool IsTest => Mode != RunMode.Execution;
}

/// <summary>A step's result: its output and, for nodes that route, the port to continue from.</summary>
public sealed record NodeResult(JsonNode? Output, string? Port = null);

/// <summary>Runs one node type as an activity. Throw <see cref="NodeFailure"/> for a failure the retry policy should see.</summary>
public interface INodeHandler
{
    string NodeType { get; }

    Task<NodeResult> RunAsync(NodeRunContext context, CancellationToken ct);
}

/// <summary>A failed attempt. <see cref="Retryable"/> false when another attempt cannot help (bad input, a 4xx answer).</summary>
internal sealed class NodeFailure(string message, bool retryable = true, TimeSpan? retryAfter = null) : Exception(message)
{
    public bool Retryable { get; } = retryable;

    /// <summary>A provider's own hint of when to try again (Retry-After).</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;
}
