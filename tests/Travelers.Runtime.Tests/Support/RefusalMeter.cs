using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Travelers.Runtime.Tests;

/// <summary>Tallies one server's <c>travelers.server.connections.refused</c> by reason, as a metrics pipeline would.</summary>
internal sealed class RefusalMeter : IDisposable
{
    private readonly MeterListener _listener;
    private readonly ConcurrentDictionary<string, long> _byReason = new();

    public RefusalMeter(NetServer server)
    {
        Meter meter = server.Metrics.Meter;
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter == meter && instrument.Name == "travelers.server.connections.refused")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                if (tag.Key == "reason")
                {
                    _byReason.AddOrUpdate((string)tag.Value!, value, (_, n) => n + value);
                }
            }
        });
        _listener.Start();
    }

    /// <summary>Refusals counted for <paramref name="reason"/> so far.</summary>
    public long this[string reason] => _byReason.GetValueOrDefault(reason);

    /// <summary>Every reason counted, for a failure's message.</summary>
    public override string ToString() => string.Join(", ", _byReason.Select(p => $"{p.Key}={p.Value}"));

    public void Dispose() => _listener.Dispose();
}
