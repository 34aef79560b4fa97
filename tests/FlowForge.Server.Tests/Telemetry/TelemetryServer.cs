using System.Collections;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using FlowForge.Server.Telemetry;
using FlowForge.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;

namespace FlowForge.Server.Tests.Telemetry;

/// <summary>
/// The real server with telemetry on (and the Prometheus page), its spans exported into <see cref="Spans"/> by
/// OpenTelemetry's in-memory exporter: the server's own SDK pipeline, only the last hop swapped. The database file is the
/// caller's, so a second server on the same file is the first one restarted.
/// </summary>
public sealed class TelemetryServer(string databaseFile, SpanCollection spans) : ServerFixture(new Dictionary<string, string?>
{
    ["Storage:ConnectionString"] = $"Data Source={databaseFile}",
    ["Telemetry:Enabled"] = "true",
    ["Telemetry:Prometheus"] = "true",
})
{
    protected override void Configure(WebApplicationBuilder builder) =>
        builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(spans));
}

/// <summary>Spans exported so far; written by the exporter while tests read, hence the lock.</summary>
public sealed class SpanCollection : ICollection<Activity>
{
    private readonly List<Activity> _spans = [];

    /// <summary>The spans of <paramref name="traceId"/> exported so far.</summary>
    public List<Activity> InTrace(string traceId)
    {
        lock (_spans) return _spans.Where(s => s.TraceId.ToHexString() == traceId).ToList();
    }

    /// <summary>Every span exported so far.</summary>
    public List<Activity> All()
    {
        lock (_spans) return [.. _spans];
    }

    public void Add(Activity item)
    {
        lock (_spans) _spans.Add(item);
    }

    public int Count
    {
        get { lock (_spans) return _spans.Count; }
    }

    public bool IsReadOnly => false;

    public void Clear()
    {
        lock (_spans) _spans.Clear();
    }

    public bool Contains(Activity item)
    {
        lock (_spans) return _spans.Contains(item);
    }

    public void CopyTo(Activity[] array, int arrayIndex)
    {
        lock (_spans) _spans.CopyTo(array, arrayIndex);
    }

    public bool Remove(Activity item)
    {
        lock (_spans) return _spans.Remove(item);
    }

    public IEnumerator<Activity> GetEnumerator() => All().GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>
/// Listens to the FlowForge meter while a test runs: every measurement, with its tags. Other servers in the test process
/// record into the same instruments, so tests look only at measurements tagged with their own workflow.
/// </summary>
public sealed class MeasurementLog : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(string Instrument, double Value, Dictionary<string, object?> Tags)> _measurements = new();

    public MeasurementLog()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == FlowForgeTelemetry.Name) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        _listener.Start();
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, object?>();
        foreach (var tag in tags) copy[tag.Key] = tag.Value;
        _measurements.Enqueue((instrument.Name, value, copy));
    }

    /// <summary>The sum of <paramref name="instrument"/>'s measurements whose tags include every one of <paramref name="tags"/>.</summary>
    public double Sum(string instrument, params (string Key, object Value)[] tags) =>
        _measurements.Where(m => m.Instrument == instrument && tags.All(t => Equals(m.Tags.GetValueOrDefault(t.Key), t.Value))).Sum(m => m.Value);

    /// <summary>How many measurements of <paramref name="instrument"/> carry every one of <paramref name="tags"/>.</summary>
    public int Count(string instrument, params (string Key, object Value)[] tags) =>
        _measurements.Count(m => m.Instrument == instrument && tags.All(t => Equals(m.Tags.GetValueOrDefault(t.Key), t.Value)));

    /// <summary>Asks every observable instrument for its value now (gauges are read on demand, not pushed).</summary>
    public void Observe() => _listener.RecordObservableInstruments();

    public void Dispose() => _listener.Dispose();
}
