using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Travelers;

namespace Travelers.Runtime.Tests.Connections;

/// <summary>The instruments DESIGN names, read with a <see cref="MeterListener"/> as OpenTelemetry or dotnet-counters would.</summary>
public sealed class MetricsTests
{
    /// <summary>
    /// A metric listener that throws when a connection's duration is recorded (the game's code, run inside the close):
    /// the server still forgets the connection and still stops. The close's completion once came after that record,
    /// so a throw left the connection in the server's table and DisposeAsync waiting for it for ever.
    /// </summary>
    [Theory]
    [InlineData(NetTransport.Tcp)]
    [InlineData(NetTransport.Udp)]
    public async Task A_metric_listener_throwing_inside_a_close_does_not_keep_the_server_from_stopping(NetTransport transport)
    {
        NetServerOptions options = Loopback.ServerOptions(transport);
        NetServer server = await Loopback.StartServerAsync(options);
        int thrown = 0;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter == server.Metrics.Meter && instrument.Name == "travelers.connection.duration")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<double>((_, _, _, _) =>
        {
            Interlocked.Increment(ref thrown);
            throw new InvalidOperationException("a listener's bug");
        });
        listener.Start();
        await using NetClient client = await Loopback.ConnectAsync(server, new NetClientOptions { Transport = transport });

        NetConnection kicked = server.Connections.Single();
        try
        {
            kicked.Disconnect("bye");
        }
        catch (InvalidOperationException)
        {
            // A UDP close with nothing left to acknowledge ends here, on the caller's thread.
        }

        await Loopback.Until(() => Volatile.Read(ref thrown) == 1 && client.Connection.State == ConnectionState.Closed, server.Poll, client.Poll);
        Assert.Equal(ConnectionState.Closed, kicked.State);

        Task stop = server.DisposeAsync().AsTask();
        await Loopback.Until(() => stop.IsCompleted);
        if (stop.IsFaulted)
        {
            // A close the UDP service thread finished: its fault is the stop's to report.
            Assert.Equal("a listener's bug", Assert.IsType<InvalidOperationException>(stop.Exception!.InnerException).Message);
        }
    }

    [Fact]
    public async Task The_server_and_client_meters_report_connections_messages_bytes_rtt_ticks_and_durations()
    {
        var options = Loopback.ServerOptions();
        options.HeartbeatInterval = TimeSpan.FromMilliseconds(20);
        await using NetServer server = await Loopback.StartServerAsync(options);
        server.On((NetConnection from, in Echo e) => from.Send(in e));
        int echoes = 0;
        NetClient client = await Loopback.ConnectAsync(server, new NetClientOptions { HeartbeatInterval = TimeSpan.FromMilliseconds(20) }, c => c.On((NetConnection _, in Echo e) => echoes++));

        Meter serverMeter = server.Metrics.Meter;
        Meter clientMeter = client.Metrics.Meter;
        Assert.Equal("Travelers.Server", serverMeter.Name);
        Assert.Equal("Travelers.Client", clientMeter.Name);

        var longs = new ConcurrentDictionary<(Meter, string, string?), long>();
        var doubles = new ConcurrentDictionary<(Meter, string), int>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter == serverMeter || instrument.Meter == clientMeter)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string? type = null;
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                if (tag.Key == "network.type")
                {
                    type = (string?)tag.Value;
                }
                else
                {
                    Assert.Equal(("network.transport", "tcp"), (tag.Key, (string?)tag.Value));
                }
            }

            longs[(instrument.Meter, instrument.Name, type)] = value;
        });
        listener.SetMeasurementEventCallback<double>((instrument, value, _, _) =>
        {
            Assert.True(value >= 0);
            doubles.AddOrUpdate((instrument.Meter, instrument.Name), 1, (_, n) => n + 1);
        });
        listener.Start();

        for (int i = 0; i < 10; i++)
        {
            client.Send(new Echo { Sequence = i });
        }

        await Loopback.Until(() => echoes == 10 && server.Connections.Single().Rtt > TimeSpan.Zero, server.Poll, client.Poll);
        listener.RecordObservableInstruments();
        Assert.Equal(1, longs[(serverMeter, "travelers.server.active_connections", "ipv4")]);
        Assert.Equal(0, longs[(serverMeter, "travelers.server.active_connections", "ipv6")]);
        Assert.Equal(10, longs[(serverMeter, "travelers.messages.received", "ipv4")]);
        Assert.Equal(10, longs[(serverMeter, "travelers.messages.sent", "ipv4")]);
        Assert.Equal(10, longs[(clientMeter, "travelers.messages.sent", "ipv4")]);
        Assert.True(longs[(serverMeter, "travelers.bytes.received", "ipv4")] > 10 * 4);
        Assert.True(longs[(clientMeter, "travelers.bytes.received", "ipv4")] > 10 * 4);
        Assert.Equal(0, longs[(serverMeter, "travelers.packets.resent", "ipv4")]);
        Assert.False(longs.ContainsKey((clientMeter, "travelers.server.active_connections", "ipv4")));
        Assert.True(doubles[(serverMeter, "travelers.tick.duration")] > 0);
        await Loopback.Until(() => doubles.ContainsKey((serverMeter, "travelers.rtt")), server.Poll, client.Poll);

        // Closed: the connection's counts stay in the totals (counters never go back) and its duration is recorded.
        await client.DisposeAsync();
        // ConnectionClosed comes when closing begins; the duration when the socket is gone, after the peer closed too.
        await Loopback.Until(() => server.Connections.Count == 0 && doubles.ContainsKey((serverMeter, "travelers.connection.duration")), server.Poll);
        listener.RecordObservableInstruments();
        Assert.Equal(0, longs[(serverMeter, "travelers.server.active_connections", "ipv4")]);
        Assert.Equal(10, longs[(serverMeter, "travelers.messages.received", "ipv4")]);
        Assert.Equal(1, doubles[(serverMeter, "travelers.connection.duration")]);
    }

    /// <summary>
    /// A client sends messages and leaves before the server polls: the server handles them (the peer closed, so what
    /// had arrived is still handled), but they used to be missing from travelers.messages.received: the connection's
    /// counts had moved into the totals when its socket closed, and those dispatched later were counted on a
    /// connection the meter no longer reads.
    /// </summary>
    [Fact]
    public async Task Messages_handled_after_their_connection_closed_are_counted_as_received()
    {
        await using NetServer server = await Loopback.StartServerAsync();
        int handled = 0;
        server.On((NetConnection _, in Echo e) => handled++);
        NetClient client = await Loopback.ConnectAsync(server);
        await Loopback.Until(() => server.Connections.Count == 1, server.Poll, client.Poll);
        NetConnection connection = server.Connections.Single();

        var longs = new ConcurrentDictionary<string, long>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter == server.Metrics.Meter && instrument.Name == "travelers.messages.received")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                if (tag.Key == "network.type")
                {
                    longs[(string)tag.Value!] = value;
                }
            }
        });
        listener.Start();

        for (int i = 0; i < 5; i++)
        {
            client.Send(new Echo { Sequence = i });
        }

        await client.DisposeAsync(); // flushes, closes, waits for the server's end to close too
        await Loopback.Until(() => connection.State == ConnectionState.Closed); // the server has not polled
        await Loopback.Until(() => server.Connections.Count == 0, server.Poll);
        Assert.Equal(5, handled);

        listener.RecordObservableInstruments();
        Assert.Equal(5, longs["ipv4"]);
    }
}
