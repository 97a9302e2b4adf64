using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Travelers.Runtime.Tests.Rpc;

/// <summary>Counts <c>travelers.rpc.rejected</c> of the given meters by reason, as OpenTelemetry would read them.</summary>
internal sealed class RefusalCounter : IDisposable
{
    private readonly MeterListener _listener;
    private readonly ConcurrentDictionary<(Meter Meter, string Reason), long> _counts = new();

    public RefusalCounter(params Meter[] meters)
    {
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Name == "travelers.rpc.rejected" && meters.Contains(instrument.Meter))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string reason = string.Empty;
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                if (tag.Key == "reason")
                {
                    reason = (string)tag.Value!;
                }
            }

            _counts.AddOrUpdate((instrument.Meter, reason), value, (_, old) => old + value);
        });
        _listener.Start();
    }

    /// <summary>Refusals of <paramref name="reason"/> counted on <paramref name="meter"/>.</summary>
    public long Count(Meter meter, string reason) => _counts.GetValueOrDefault((meter, reason));

    /// <summary>Every refusal counted.</summary>
    public long Total => _counts.Values.Sum();

    public void Dispose() => _listener.Dispose();
}
