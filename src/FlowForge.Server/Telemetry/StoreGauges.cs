using System.Data.Common;
using System.Diagnostics.Metrics;
using FlowForge.Core.Storage;
using FlowForge.Server.Engine;
using FlowForge.Server.Live;
using FlowForge.Storage;
using FlowForge.Storage.Postgres;
using FlowForge.Storage.Sqlite;
using Microsoft.Extensions.Options;

namespace FlowForge.Server.Telemetry;

/// <summary>
/// The gauges whose value is a count: unfinished executions by status (<c>waiting</c> are the parked ones), activities
/// leased and queued, live-hub connections and dropped live events. Store counts are read by this loop once per
/// <see cref="TelemetryOptions.StoreCountInterval"/> and cached, so a scrape (or an export) never queries the database;
/// the hub's are the broadcaster's own counters. Registered only with telemetry on.
/// </summary>
internal sealed class StoreGauges : BackgroundService
{
    private readonly IServiceProvider _services;
    private readonly TelemetryOptions _options;
    private readonly ILogger<StoreGauges> _logger;
    private readonly TimeProvider _clock;
    private readonly Meter _meter;
    private volatile Counts? _counts;

    private sealed record Counts(long Pending, long Running, long Waiting, long Leased, long Queued);

    public StoreGauges(IServiceProvider services, IMeterFactory meters, IOptions<TelemetryOptions> options, ILogger<StoreGauges> logger, TimeProvider clock)
    {
        _services = services;
        _options = options.Value;
        _logger = logger;
        _clock = clock;
        // From the host's meter factory (same name as the static meter): the gauges observe this server's state and end with it.
        _meter = meters.Create(FlowForgeTelemetry.Name);
        _meter.CreateObservableGauge("flowforge.executions.unfinished", ObserveUnfinished, "{execution}",
            "Executions not finished, by status (pending, running, waiting: parked on a timer, an approval or a child), as last counted.");
        _meter.CreateObservableGauge("flowforge.activities.leased", () => Observe(c => c.Leased), "{activity}",
            "Step attempts leased to a worker (running, or held by a process that died until the lease expires), as last counted.");
        _meter.CreateObservableGauge("flowforge.activities.queued", () => Observe(c => c.Queued), "{activity}",
            "Step attempts waiting for a worker, as last counted.");
        if (services.GetService<LiveBroadcaster>() is { } live)
        {
            _meter.CreateObservableUpDownCounter("flowforge.live.connections", () => (long)live.ConnectionCount, "{connection}",
                "Live-hub (SignalR) connections to this process.");
            _meter.CreateObservableCounter("flowforge.live.dropped", () => new Measurement<long>[]
            {
                new(live.DroppedEvents, new KeyValuePair<string, object?>("flowforge.reason", "connection_outbox")),
                new(live.DroppedTurns, new KeyValuePair<string, object?>("flowforge.reason", "router")),
            }, "{event}", "Live events dropped (their clients were told to resync): a connection's outbox was full, or the router fell behind.");
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var backoff = new OutageBackoff("telemetry store count", _logger, _clock);
        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = _options.StoreCountInterval;
            try
            {
                _counts = await CountAsync(stoppingToken);
                backoff.Succeeded();
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The last counts stay exported meanwhile: a gauge that disappears in an outage hides the outage.
                wait += backoff.Failed(e);
            }
            await Task.Delay(wait, _clock, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>Counts once now (tests: a gauge has a value without waiting for the loop's first pass).</summary>
    internal async Task RefreshAsync(CancellationToken ct) => _counts = await CountAsync(ct);

    public override void Dispose()
    {
        _meter.Dispose();
        base.Dispose();
    }

    private async Task<Counts> CountAsync(CancellationToken ct)
    {
        IRelationalDatabase db = (IRelationalDatabase?)_services.GetService<SqliteDatabase>() ?? _services.GetRequiredService<PostgresDatabase>();
        await using var connection = await db.OpenConnectionAsync(ct);
        // The same SQL on both backends. Unfinished executions are the rows without completed_at (a partial index covers
        // them); activities are only the pending ones (a row is deleted with its result), so both scans stay small.
        long pending = 0, running = 0, waiting = 0;
        await using (var command = Command(connection, "SELECT status, COUNT(*) FROM executions WHERE completed_at IS NULL GROUP BY status"))
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var count = Convert.ToInt64(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture);
                switch (reader.GetString(0))
                {
                    case ExecutionStatus.Pending: pending = count; break;
                    case ExecutionStatus.Running: running = count; break;
                    case ExecutionStatus.Waiting: waiting = count; break;
                }
            }
        }
        long leased, queued;
        await using (var command = Command(connection,
            "SELECT COUNT(*) FILTER (WHERE lease_owner IS NOT NULL), COUNT(*) FILTER (WHERE lease_owner IS NULL) FROM activities"))
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            await reader.ReadAsync(ct);
            leased = Convert.ToInt64(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture);
            queued = Convert.ToInt64(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture);
        }
        return new Counts(pending, running, waiting, leased, queued);
    }

    private static DbCommand Command(DbConnection connection, string sql)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        return command;
    }

    private IEnumerable<Measurement<long>> ObserveUnfinished()
    {
        if (_counts is not { } c) return [];
        return
        [
            new(c.Pending, new KeyValuePair<string, object?>("flowforge.status", ExecutionStatus.Pending)),
            new(c.Running, new KeyValuePair<string, object?>("flowforge.status", ExecutionStatus.Running)),
            new(c.Waiting, new KeyValuePair<string, object?>("flowforge.status", ExecutionStatus.Waiting)),
        ];
    }

    private IEnumerable<Measurement<long>> Observe(Func<Counts, long> value) =>
        _counts is { } c ? [new Measurement<long>(value(c))] : [];
}
