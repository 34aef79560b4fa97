using System.Security.Cryptography;
using System.Text;

namespace FlowForge.Core.Engine;

/// <summary>
/// Randomness the decider may use: a pure function of the execution id and a step key, so a replay
/// draws the same value and an A/B split never changes its mind.
/// </summary>
public static class DeterministicRandom
{
    /// <summary>A number in [0, 1) derived from the inputs.</summary>
    public static double Unit(string executionId, string stepKey)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(executionId + "\n" + stepKey), hash);
        var value = BitConverter.ToUInt64(hash[..8]) >> 11; // 53 random bits: exactly representable as a double
        return value / (double)(1UL << 53);
    }

    /// <summary>A stable id derived from the inputs (for child executions).</summary>
    public static string Id(string prefix, params string[] parts)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", parts)));
        return prefix + Convert.ToHexStringLower(hash.AsSpan(0, 16));
    }
}
