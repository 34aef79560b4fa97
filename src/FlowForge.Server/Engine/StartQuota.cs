using System.Collections.Concurrent;
using FlowForge.Core.Engine;
using FlowForge.Core.Storage;
using FlowForge.Server.Api;
using Microsoft.Extensions.Options;

namespace FlowForge.Server.Engine;

/// <summary>Why a start was refused: the message names the setting; <see cref="RetryAfter"/> is when to try again.</summary>
internal sealed record QuotaRefusal(string Setting, string Message, TimeSpan RetryAfter);

/// <summary>
/// Per-organisation start quotas (Limits__MaxRunningExecutionsPerOrganization, Limits__StartsPerSecondPerOrganization),
/// checked on every start (API, retries, hooks, schedules, sub-workflows) so one tenant cannot starve the others.
/// </summary>
/// <remarks>
/// Kept off the hot path: the unfinished count is an indexed count that <see cref="StartQuotaRefresher"/> re-reads once a
/// second for the organisations that started something lately, plus the starts this process made since; the rate is a
/// token bucket in memory. The dispatcher reads only these cached values (<see cref="ReserveChildStarts"/>), so a
/// database error while counting never reaches a turn. A start through the API waits for the first count of an
/// organisation it has not seen yet. Both are per process: with N processes an organisation may start up to N times the
/// rate, and the running count may overshoot by what other processes started within the last second.
/// </remarks>
internal sealed class StartQuota(IExecutionClientStore store, IOptions<RequestLimits> limits, TimeProvider clock)
{
    /// <summary>How often an organisation's unfinished executions are counted again.</summary>
    public static readonly TimeSpan CountEvery = TimeSpan.FromSeconds(1);

    /// <summary>Organisations idle for longer are no longer counted (and forgotten: their bucket would be full again anyway).</summary>
    private static readonly TimeSpan KeepFor = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, Organization> _organizations = new(StringComparer.Ordinal);

    private sealed class Organization
    {
        public readonly Lock Gate = new();
        public double Tokens = double.NaN;
        public long RefilledAt;
        public int Counted;
        public bool HasCount;
        public int StartedSince;
        public long UsedAt;
    }

    /// <summary>Takes one start for <paramref name="orgId"/>: null when allowed (and counted), else why not.</summary>
    public async Task<QuotaRefusal?> TryStartAsync(string orgId, CancellationToken ct)
    {
        var org = Touch(orgId);
        bool counted;
        lock (org.Gate) counted = org.HasCount;
        if (!counted) await CountAsync(orgId, org, ct);
        lock (org.Gate)
        {
            var options = limits.Value;
            Refill(org, options);
            if (Refusal(org, options, reserved: 0) is { } refused) return refused;
            org.Tokens -= 1;
            org.StartedSince++;
            return null;
        }
    }

    /// <summary>Gives back a start taken by <see cref="TryStartAsync"/> that started nothing (an idempotent repeat).</summary>
    public void GiveBack(string orgId)
    {
        if (!_organizations.TryGetValue(orgId, out var org)) return;
        lock (org.Gate)
        {
            org.Tokens = Math.Min(limits.Value.StartsPerSecondPerOrganization, org.Tokens + 1);
            org.StartedSince--;
        }
    }

    /// <summary>
    /// Reserves every start the organisation may make now, for one decider turn; the turn spends what it needs and
    /// <see cref="SettleChildStarts"/> gives back the rest. Reads cached values only: never the database.
    /// </summary>
    public ChildStartAllowance ReserveChildStarts(string orgId)
    {
        var org = Touch(orgId);
        lock (org.Gate)
        {
            var options = limits.Value;
            Refill(org, options);
            var room = options.MaxRunningExecutionsPerOrganization - (org.Counted + org.StartedSince);
            var allowed = (int)Math.Max(0, Math.Min(room, Math.Floor(org.Tokens)));
            org.Tokens -= allowed;
            // What the first step past the allowance is told.
            var refusal = Refusal(org, options, allowed)!;
            return new ChildStartAllowance(allowed, refusal.Message, refusal.RetryAfter);
        }
    }

    /// <summary>After the turn: <paramref name="used"/> of the <paramref name="reserved"/> starts were spent; the rest go back.</summary>
    public void SettleChildStarts(string orgId, int reserved, int used)
    {
        var org = Touch(orgId);
        lock (org.Gate)
        {
            org.Tokens += reserved - used;
            org.StartedSince += used;
        }
    }

    /// <summary>One pass of the background count: every organisation that started something lately is counted again.</summary>
    public async Task RefreshAsync(CancellationToken ct)
    {
        var now = clock.GetTimestamp();
        foreach (var (orgId, org) in _organizations)
        {
            long usedAt;
            lock (org.Gate) usedAt = org.UsedAt;
            if (clock.GetElapsedTime(usedAt, now) > KeepFor)
            {
                _organizations.TryRemove(new KeyValuePair<string, Organization>(orgId, org));
                continue;
            }
            await CountAsync(orgId, org, ct);
        }
    }

    private async Task CountAsync(string orgId, Organization org, CancellationToken ct)
    {
        // Starts made while the count runs may or may not be in it; those made before it are: only they are forgotten.
        int before;
        lock (org.Gate) before = org.StartedSince;
        var count = await store.CountUnfinishedAsync(orgId, ct);
        lock (org.Gate)
        {
            org.Counted = count;
            org.HasCount = true;
            org.StartedSince -= before;
        }
    }

    private Organization Touch(string orgId)
    {
        var org = _organizations.GetOrAdd(orgId, _ => new Organization());
        lock (org.Gate) org.UsedAt = clock.GetTimestamp();
        return org;
    }

    /// <summary>A bucket of one second's starts, refilled continuously.</summary>
    private void Refill(Organization org, RequestLimits options)
    {
        var now = clock.GetTimestamp();
        double rate = options.StartsPerSecondPerOrganization;
        if (double.IsNaN(org.Tokens)) org.Tokens = rate;
        else org.Tokens = Math.Min(rate, org.Tokens + clock.GetElapsedTime(org.RefilledAt, now).TotalSeconds * rate);
        org.RefilledAt = now;
    }

    /// <summary>Why one more start (after <paramref name="reserved"/> already taken from the bucket) would be refused; null when it would not.</summary>
    private static QuotaRefusal? Refusal(Organization org, RequestLimits options, int reserved)
    {
        var running = org.Counted + org.StartedSince + reserved;
        if (running >= options.MaxRunningExecutionsPerOrganization)
        {
            return new QuotaRefusal("Limits__MaxRunningExecutionsPerOrganization",
                $"The organisation has {running} unfinished executions: starting another exceeds Limits__MaxRunningExecutionsPerOrganization " +
                $"({options.MaxRunningExecutionsPerOrganization}). Try again when some have finished.",
                TimeSpan.FromSeconds(5));
        }
        if (org.Tokens < 1)
        {
            double rate = options.StartsPerSecondPerOrganization;
            var wait = TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling((1 - org.Tokens) / rate)));
            return new QuotaRefusal("Limits__StartsPerSecondPerOrganization",
                $"The organisation is starting executions faster than Limits__StartsPerSecondPerOrganization ({options.StartsPerSecondPerOrganization}) allows. " +
                $"Try again in {wait.TotalSeconds:0} s.",
                wait);
        }
        return null;
    }
}

/// <summary>Keeps <see cref="StartQuota"/>'s counts fresh, off the dispatcher's path; during an outage the last counts stay in use.</summary>
internal sealed class StartQuotaRefresher(StartQuota quota, ILogger<StartQuotaRefresher> logger, TimeProvider clock) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var backoff = new OutageBackoff("start quota counter", logger, clock);
        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = StartQuota.CountEvery;
            try
            {
                await quota.RefreshAsync(stoppingToken);
                backoff.Succeeded();
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                wait = backoff.Failed(e) + StartQuota.CountEvery;
            }
            await Task.Delay(wait, clock, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }
}
