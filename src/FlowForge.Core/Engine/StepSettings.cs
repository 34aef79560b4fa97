using System.Globalization;
using System.Text.Json;
using FlowForge.Core.Model;
using FlowForge.Core.Catalog;

namespace FlowForge.Core.Engine;

/// <summary>What a step does when an attempt fails, after its retries.</summary>
public enum OnError
{
    /// <summary>The execution fails (default).</summary>
    Stop,

    /// <summary>The step counts as done with <c>{error}</c> as its output; routing continues on its main port.</summary>
    Continue,

    /// <summary>The step follows its <c>error</c> port with <c>{error}</c> as its output.</summary>
    Error,
}

/// <summary>
/// A node's retry policy, timeout and error handling, read from its config with the documented
/// defaults. Values that do not parse fall back to the defaults: validation reports them before publish.
/// </summary>
/// <remarks>Validation caps maxAttempts at <see cref="AttemptsCap"/>, backoffCoefficient at <see cref="MaxBackoffCoefficient"/> and
/// the intervals at <see cref="MaxRetryInterval"/>; the same caps are applied here, so a stored version written before them cannot exceed them either.</remarks>
public sealed record StepSettings(int MaxAttempts, TimeSpan InitialInterval, double BackoffCoefficient, TimeSpan MaxInterval, TimeSpan Timeout, OnError OnError)
{
    public static readonly StepSettings Default = new(3, TimeSpan.FromSeconds(1), 2, TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(30), OnError.Stop);

    /// <summary>The most attempts a step may make (first included).</summary>
    public const int AttemptsCap = 100;

    /// <summary>The largest backoff coefficient.</summary>
    public const double MaxBackoffCoefficient = 10;

    /// <summary>The longest wait between two attempts.</summary>
    public static readonly TimeSpan MaxRetryInterval = TimeSpan.FromDays(1);

    public static StepSettings From(NodeDefinition node)
    {
        var settings = Default;
        if (node.GetConfig("retry") is { ValueKind: JsonValueKind.Object } retry)
        {
            settings = settings with
            {
                MaxAttempts = retry.TryGetProperty("maxAttempts", out var m) && m.TryGetInt32(out var attempts) && attempts >= 1 ? Math.Min(attempts, AttemptsCap) : Default.MaxAttempts,
                InitialInterval = Cap(Duration(retry, "initialInterval") ?? Default.InitialInterval),
                BackoffCoefficient = retry.TryGetProperty("backoffCoefficient", out var b) && b.TryGetDouble(out var c) && c >= 1 ? Math.Min(c, MaxBackoffCoefficient) : Default.BackoffCoefficient,
                MaxInterval = Cap(Duration(retry, "maxInterval") ?? Default.MaxInterval),
            };
        }
        if (node.Type != NodeTypeNames.LogicApproval && DurationOf(node.GetConfig("timeout")) is { } timeout && timeout > TimeSpan.Zero)
        {
            settings = settings with { Timeout = timeout };
        }
        settings = settings with
        {
            OnError = node.GetConfigString("onError") switch
            {
                "continue" => OnError.Continue,
                "error" => OnError.Error,
                _ => OnError.Stop,
            },
        };
        return settings;
    }

    /// <summary>The wait before attempt <paramref name="nextAttempt"/> (2 = the first retry): exponential, capped.</summary>
    public TimeSpan BackoffBefore(int nextAttempt)
    {
        var factor = Math.Pow(BackoffCoefficient, Math.Max(0, nextAttempt - 2));
        var ms = Math.Min(InitialInterval.TotalMilliseconds * factor, MaxInterval.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(Math.Max(0, ms));
    }

    private static TimeSpan Cap(TimeSpan interval) => interval > MaxRetryInterval ? MaxRetryInterval : interval;

    private static TimeSpan? Duration(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var v) ? DurationOf(v) : null;

    internal static TimeSpan? DurationOf(JsonElement? value) => value switch
    {
        { ValueKind: JsonValueKind.String } s when Durations.TryParse(s.GetString(), out var d) => d,
        { ValueKind: JsonValueKind.Number } n when n.TryGetDouble(out var seconds) && Durations.TryParse(seconds.ToString(CultureInfo.InvariantCulture), out var d) => d,
        _ => null,
    };
}
