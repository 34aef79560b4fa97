using System.Collections.Concurrent;
using FlowForge.Core.Storage;
using FlowForge.Server.Api;
using Microsoft.Extensions.Options;

namespace FlowForge.Server.Engine;

/// <summary>Why a start was refused: the message names the setting; <see cref="RetryAfter"/> is when to try again.</summary>
public sealed record QuotaRefusal(string Setting, string Message, TimeSpan RetryAfter);

/// <summary>
/// Per-organisation start quotas (Limits__MaxRunningExecutionsPerOrganization, Limits__StartsPerSecondPerOrganization),
/// checked on every start (API, retries, hooks, schedules, sub-workflows) so one tenant cannot starve the others.
/// </summary>
/// <remarks>
/// Kept off the hot path: the unfinished count is an indexed count read at most once a second per organisation (and
/// only by one caller at a time), plus the starts this process made since; the rate is a token bucket in memory. Both
/// are per process: with N processes an organisation may start up to N times the rate, and the running count may
/// overshoot by what other processes started within the last second. Finishing executions are seen at the next refresh.
/// </remarks>
public sealed class StartQuota(IExecutionStore store, IOptions<RequestLimits> limits, TimeProvider clock)
{
    private static readonly TimeSpan CountFor = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, Organization> _organizations = new(StringComparer.Ordinal);

    private sealed class Organization
    {
        public readonly Lock Gate = new();
        public double Tokens = double.NaN;
        public long RefilledAt;
        public int Counted;
        public long CountedAt;
        public bool Counting;
        public int StartedSince;
    }

    /// <summary>Takes one start for <paramref name="orgId"/>: null when allowed (and counted), else why not.</summary>
    public Task<QuotaRefusal?> TryStartAsync(string orgId, CancellationToken ct) => CheckAsync(orgId, take: true, ct);

    /// <summary>Whether a start would be allowed now, without taking it.</summary>
    public Task<QuotaRefusal?> PeekAsync(string orgId, CancellationToken ct) => CheckAsync(orgId, take: false, ct);

    private async Task<QuotaRefusal?> CheckAsync(string orgId, bool take, CancellationToken ct)
    {
        var options = limits.Value;
        var org = _organizations.GetOrAdd(orgId, _ => new Organization());
        var now = clock.GetTimestamp();
        bool refresh;
        lock (org.Gate)
        {
            refresh = !org.Counting && (org.CountedAt == 0 || clock.GetElapsedTime(org.CountedAt, now) >= CountFor);
            if (refresh) org.Counting = true;
        }
        if (refresh)
        {
            int count;
            try
            {
                count = await store.CountUnfinishedAsync(orgId, ct);
            }
            finally
            {
                lock (org.Gate) org.Counting = false;
            }
            lock (org.Gate)
            {
                org.Counted = count;
                org.CountedAt = now;
                org.StartedSince = 0;
            }
        }

        lock (org.Gate)
        {
            var running = org.Counted + org.StartedSince;
            if (running >= options.MaxRunningExecutionsPerOrganization)
            {
                return new QuotaRefusal("Limits__MaxRunningExecutionsPerOrganization",
                    $"The organisation has {running} unfinished executions: starting another exceeds Limits__MaxRunningExecutionsPerOrganization " +
                    $"({options.MaxRunningExecutionsPerOrganization}). Try again when some have finished.",
                    TimeSpan.FromSeconds(5));
            }
            // A bucket of one second's starts, refilled continuously.
            double rate = options.StartsPerSecondPerOrganization;
            if (double.IsNaN(org.Tokens)) org.Tokens = rate;
            else org.Tokens = Math.Min(rate, org.Tokens + clock.GetElapsedTime(org.RefilledAt, now).TotalSeconds * rate);
            org.RefilledAt = now;
            if (org.Tokens < 1)
            {
                var wait = TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling((1 - org.Tokens) / rate)));
                return new QuotaRefusal("Limits__StartsPerSecondPerOrganization",
                    $"The organisation is starting executions faster than Limits__StartsPerSecondPerOrganization ({options.StartsPerSecondPerOrganization}) allows. " +
                    $"Try again in {wait.TotalSeconds:0} s.",
                    wait);
            }
            if (take)
            {
                org.Tokens -= 1;
                org.StartedSince++;
            }
            return null;
        }
    }
}
