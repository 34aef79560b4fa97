namespace FlowForge.Core.Engine;

/// <summary>
/// The limits the decider enforces, given by the host (from its configuration) so the decider stays pure:
/// the same limits and history always give the same decisions. Messages name the host's settings.
/// </summary>
/// <param name="MaxStepOutputBytes">Largest resolved value, step output or variable set, in bytes of JSON (Limits__MaxStepOutputBytes, default 1 MiB).</param>
/// <param name="MaxSubworkflowDepth">How deep sub-workflows may nest: a top-level execution is depth 0 (Engine__MaxSubworkflowDepth, default 10).</param>
/// <param name="ChildStarts">
/// Set by the host for one turn: how many sub-workflow children the turn may start (the tokens it reserved from the
/// organisation's start quota). Null: no limit. Steps past the allowance fail, retryably, instead of starting a child,
/// so every refusal is decided here (a fire-and-forget step would otherwise complete before the host could refuse).
/// </param>
/// <param name="MaxStepsPerExecution">
/// Most steps (step keys: each loop iteration's steps count) one execution may record (Limits__MaxStepsPerExecution):
/// bounds what one execution writes, since each step's output is bounded but a long loop multiplies it.
/// </param>
public sealed record EngineLimits(
    long MaxStepOutputBytes = EngineLimits.DefaultMaxStepOutputBytes,
    int MaxSubworkflowDepth = EngineLimits.DefaultMaxSubworkflowDepth,
    ChildStartAllowance? ChildStarts = null,
    int MaxStepsPerExecution = EngineLimits.DefaultMaxStepsPerExecution)
{
    public const long DefaultMaxStepOutputBytes = 1024 * 1024;

    public const int DefaultMaxSubworkflowDepth = 10;

    public const int DefaultMaxStepsPerExecution = 50_000;

    /// <summary>
    /// Deepest nesting of a step output (fixed). History events are stored with the JSON writer's limit of 64 levels and
    /// wrap an output in up to a few levels of envelope (the event, its input, a parent's copy of a child's output):
    /// 48 leaves that headroom, so a step output that could not be stored fails its step instead of its commit.
    /// </summary>
    public const int MaxOutputDepth = 48;

    /// <summary>
    /// The one definition of "too deep" for a step output: a value is <paramref name="levels"/> deep when its deepest
    /// container is that many containers down (a scalar is 0, <c>{}</c> is 1); more than <see cref="MaxOutputDepth"/> is too deep.
    /// </summary>
    public static bool IsTooDeep(int levels) => levels > MaxOutputDepth;

    public static EngineLimits Default { get; } = new();
}

/// <summary>One turn's share of the organisation's start quota (see <see cref="EngineLimits.ChildStarts"/>).</summary>
/// <param name="Allowed">Children the turn may start.</param>
/// <param name="Refusal">What a step past the allowance is told; names the setting that refused it.</param>
/// <param name="RetryAfter">When the quota may allow another start: the refused step's retry waits at least this long.</param>
public sealed record ChildStartAllowance(int Allowed, string Refusal, TimeSpan RetryAfter);
