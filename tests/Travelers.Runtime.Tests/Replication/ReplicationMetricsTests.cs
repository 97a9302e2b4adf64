using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Travelers;

namespace Travelers.Runtime.Tests.Replication;

/// <summary>The world's instruments, read with a <see cref="MeterListener"/> as OpenTelemetry or dotnet-counters would.</summary>
public sealed class ReplicationMetricsTests
{
    [Fact]
    public async Task The_meters_report_entities_snapshot_bytes_clamped_values_and_dropped_records()
    {
        await using ReplicationRig rig = await ReplicationRig.StartAsync(NetTransport.Udp);
        NetClient client = await rig.ConnectAsync();
        rig.World.Spawn(new TestPlayer { Name = "ann", Health = 500 }); // clamped to 100
        rig.World.Spawn(new Scoreboard());
        await rig.Until(() => client.World.Entities.Count == 2);

        Meter serverMeter = rig.Server.Metrics.Meter;
        Meter clientMeter = client.Metrics.Meter;
        var values = new ConcurrentDictionary<(Meter, string), long>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if ((instrument.Meter == serverMeter || instrument.Meter == clientMeter) && instrument.Name.StartsWith("travelers.replication.", StringComparison.Ordinal))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            Assert.Equal(("network.transport", "udp"), (tags[0].Key, (string?)tags[0].Value));
            values[(instrument.Meter, instrument.Name)] = value;
        });
        listener.Start();

        client.World.Client!.Receive(new byte[3]); // a part too short to read: dropped
        listener.RecordObservableInstruments();

        Assert.Equal(2, values[(serverMeter, "travelers.replication.entities")]);
        Assert.Equal(2, values[(clientMeter, "travelers.replication.entities")]);
        Assert.True(values[(serverMeter, "travelers.replication.clamped")] >= 1);
        Assert.Equal(rig.World.Statistics.BytesSent, values[(serverMeter, "travelers.replication.bytes.sent")]);
        Assert.True(values[(clientMeter, "travelers.replication.bytes.received")] > 0);
        Assert.Equal(1, values[(clientMeter, "travelers.replication.dropped")]);
        Assert.False(values.ContainsKey((clientMeter, "travelers.replication.clamped")));
    }
}
