using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace FlowForge.Server.Telemetry;

/// <summary>
/// The trace an execution's spans belong to, derived from its id alone: every process computes the same context without
/// reading anything, so the step attempts of a run that waited three days, resumed on another process after a restart,
/// are still one trace. Nothing is stored.
/// </summary>
/// <remarks>
/// The trace id is the first 16 bytes of SHA-256 of the execution id and the parent span id the next 8. The id is hashed
/// rather than used as is: execution ids are version-7 GUIDs whose leading bytes are a timestamp, and the ratio sampler
/// decides on the leading bytes, so it would keep or drop whole time windows instead of a fair share of runs.
/// The parent is a virtual root: no process emits a span with that id (.NET cannot start a span with a chosen id), so
/// backends show the trace's spans under a root they did not receive; the <c>flowforge.execution</c> span emitted when
/// the run ends spans its whole life and carries its outcome.
/// </remarks>
internal static class ExecutionTrace
{
    /// <summary>The context every span of <paramref name="executionId"/> is parented to (sampled: the sampler decides on the trace id).</summary>
    public static ActivityContext ContextOf(string executionId)
    {
        Span<byte> utf8 = stackalloc byte[256];
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        // Execution ids are short ASCII ("ex_" + 32 hex digits); an unexpectedly long one is hashed from a rented array.
        if (Encoding.UTF8.GetMaxByteCount(executionId.Length) <= utf8.Length)
        {
            var n = Encoding.UTF8.GetBytes(executionId, utf8);
            SHA256.HashData(utf8[..n], hash);
        }
        else
        {
            SHA256.HashData(Encoding.UTF8.GetBytes(executionId), hash);
        }
        return new ActivityContext(ActivityTraceId.CreateFromBytes(hash[..16]), ActivitySpanId.CreateFromBytes(hash[16..24]),
            ActivityTraceFlags.Recorded, isRemote: true);
    }

    /// <summary>The W3C trace id (32 hex digits) of <paramref name="executionId"/>'s trace, to look it up in a tracing backend.</summary>
    public static string TraceIdOf(string executionId) => ContextOf(executionId).TraceId.ToHexString();
}
