using System.Text.Json.Nodes;
using FlowForge.Core.Catalog;
using FlowForge.Core.Engine;

namespace FlowForge.Server.Engine;

/// <summary>One step of an execution as the API shows it: a projection of the history, never stored on its own.</summary>
internal sealed record StepLog(
    string StepId,
    string NodeId,
    string NodeType,
    string StepType,
    int StepOrder,
    string Status,
    int Attempts,
    JsonNode? Input,
    JsonNode? Output,
    double? Duration,
    DateTimeOffset? StartedAt,
    DateTimeOffset? CompletedAt,
    string? ErrorMessage,
    string? Port);

internal static class ExecutionLogs
{
    /// <summary>The steps in the order they started, with their status read from the folded history.</summary>
    public static IReadOnlyList<StepLog> Project(ExecutionState state, NodeCatalog catalog)
    {
        var logs = new List<StepLog>(state.Steps.Count);
        var order = 0;
        // State keeps steps in the order they first appeared in the history, which is the order they started.
        foreach (var step in state.Steps)
        {
            var status = StepStatus.Of(step);
            double? duration = step.StartedAt is { } s && step.CompletedAt is { } c ? (c - s).TotalMilliseconds : null;
            var category = catalog.Find(step.NodeType)?.Category.ToString().ToLowerInvariant() ?? "unknown";
            logs.Add(new StepLog(step.StepKey, step.NodeId, step.NodeType, category, ++order, status, Math.Max(1, step.Attempt),
                step.Input?.DeepClone(), step.Output?.DeepClone(), duration, step.StartedAt, step.CompletedAt,
                step.Error is not null && status is StepStatus.Failed or StepStatus.Retrying ? step.Error : null, step.Port));
        }
        return logs;
    }
}
