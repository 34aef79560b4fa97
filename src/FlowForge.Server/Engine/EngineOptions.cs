using System.ComponentModel.DataAnnotations;
using FlowForge.Server.Hosting;
using FlowForge.Core.Engine;
using FlowForge.Core.Model;
using FlowForge.Core.Storage;

namespace FlowForge.Server.Engine;

/// <summary>The <c>Engine</c> configuration section.</summary>
internal sealed class EngineOptions
{
    /// <summary>Run the dispatcher (decider loop) in this process (default true).</summary>
    public bool Dispatcher { get; set; } = true;

    /// <summary>Run activity workers in this process (default true).</summary>
    public bool Workers { get; set; } = true;

    /// <summary>How many activities run at once in this process (default 32; activities mostly wait on I/O).</summary>
    [Range(1, 1024)]
    public int WorkerConcurrency { get; set; } = 32;

    /// <summary>How many executions one dispatcher turn claims and commits together (default 64).</summary>
    [Range(1, 10000)]
    public int DispatcherBatchSize { get; set; } = 64;

    /// <summary>How long a dispatcher holds an execution it claimed (default 30 s); an expired lease is taken over.</summary>
    [TimeSpanRange("00:00:01", "1.00:00:00")]
    public TimeSpan OrchestrationLease { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Extra lease time on top of an activity's timeout before another worker may reclaim it (default 30 s).</summary>
    [TimeSpanRange("00:00:00", "1.00:00:00")]
    public TimeSpan ActivityLeaseGrace { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest idle loops sleep before looking at the store again (default 1 s): bounds how late work from other processes is seen.</summary>
    [TimeSpanRange("00:00:00.010", "00:10:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>An activity claimed more than this many times without a result is failed as poison (default 5).</summary>
    [Range(1, 1000)]
    public int MaxActivityClaims { get; set; } = 5;

    /// <summary>An unfinished execution with no progress for this long is flagged <c>stuck</c> in the API (default 10 min).</summary>
    [TimeSpanRange("00:00:01", "365.00:00:00")]
    public TimeSpan StuckAfter { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Whether <paramref name="execution"/> is unfinished with no progress for <see cref="StuckAfter"/>; finished or waiting ones never are.</summary>
    public bool IsStuck(ExecutionRecord execution, DateTimeOffset now) => IsStuck(execution.Status, execution.UpdatedAt, now);

    /// <summary>The same for a list row, which has no <see cref="ExecutionRecord"/>.</summary>
    public bool IsStuck(string status, DateTimeOffset updatedAt, DateTimeOffset now) =>
        status is ExecutionStatus.Pending or ExecutionStatus.Running && now - updatedAt > StuckAfter;

    /// <summary>Finished executions older than this are purged (default 30 days; 0 keeps them forever).</summary>
    [TimeSpanRange("00:00:00", "3650.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How long a graceful shutdown waits for running activities before releasing their leases (default 10 s).</summary>
    [TimeSpanRange("00:00:00", "00:10:00")]
    public TimeSpan ShutdownGrace { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How deep sub-workflows may nest (default 10; a top-level execution is depth 0). The depth travels with each child,
    /// so a workflow that starts itself stops here; the step that would go deeper fails naming this setting.
    /// </summary>
    [Range(1, 1000)]
    public int MaxSubworkflowDepth { get; set; } = EngineLimits.DefaultMaxSubworkflowDepth;
}
