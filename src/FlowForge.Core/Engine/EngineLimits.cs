namespace FlowForge.Core.Engine;

/// <summary>
/// The limits the decider enforces, given by the host (from its configuration) so the decider stays pure:
/// the same limits and history always give the same decisions. Messages name the host's settings.
/// </summary>
/// <param name="MaxStepOutputBytes">Largest resolved value, step output or variable set, in bytes of JSON (Limits__MaxStepOutputBytes, default 1 MiB).</param>
/// <param name="MaxSubworkflowDepth">How deep sub-workflows may nest: a top-level execution is depth 0 (Engine__MaxSubworkflowDepth, default 10).</param>
/// <param name="ChildStartRefusal">
/// Set by the host for one turn when the organisation's start quota is used up: a sub-workflow step fails with this
/// message instead of starting a child (a fire-and-forget step would otherwise complete before the host could refuse).
/// </param>
public sealed record EngineLimits(
    long MaxStepOutputBytes = EngineLimits.DefaultMaxStepOutputBytes,
    int MaxSubworkflowDepth = EngineLimits.DefaultMaxSubworkflowDepth,
    string? ChildStartRefusal = null)
{
    public const long DefaultMaxStepOutputBytes = 1024 * 1024;

    public const int DefaultMaxSubworkflowDepth = 10;

    /// <summary>
    /// Deepest nesting of a step output (fixed). History events are stored with the JSON writer's limit of 64 levels and
    /// wrap an output in up to a few levels of envelope (the event, its input, a parent's copy of a child's output):
    /// 48 leaves that headroom, so a step output that could not be stored fails its step instead of its commit.
    /// </summary>
    public const int MaxOutputDepth = 48;

    public static EngineLimits Default { get; } = new();
}
