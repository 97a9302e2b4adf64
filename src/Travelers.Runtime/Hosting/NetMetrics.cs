using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Net.Sockets;
using System.Threading;

namespace Travelers;

/// <summary>
/// The instruments of one server or client, on a <see cref="Meter"/> named <c>Travelers.Server</c> or
/// <c>Travelers.Client</c>, following OpenTelemetry's naming. Counts of messages, bytes and connections
/// are observable: they are read from the connections' own counters when a listener asks, so the hot path
/// pays nothing for them. Durations and round trips are histograms recorded as they happen.
/// </summary>
internal sealed class NetMetrics : IDisposable
{
    private const string Transport = "network.transport";
    private const string NetworkType = "network.type";
    private readonly Func<IEnumerable<NetConnection>> _connections;
    private readonly string _transport;
    private readonly Histogram<double> _rtt;
    private readonly Histogram<double> _duration;
    private readonly Histogram<double> _tick;
    private readonly Counter<long> _rpcRefused;
    private readonly Counter<long>? _connectionsRefused;
    private readonly object _gate = new();
    private Totals _closedV4;
    private Totals _closedV6;

    // Messages dispatched, counted as Poll() dispatches them: a connection's batches may still be dispatched after its
    // socket is gone (the peer closed), when its own counts have moved into the totals already.
    private long _receivedV4;
    private long _receivedV6;

    public NetMetrics(string meterName, bool server, string transport, Func<IEnumerable<NetConnection>> connections, NetWorld? world = null)
    {
        Meter = new Meter(meterName, typeof(NetMetrics).Assembly.GetName().Version?.ToString());
        _connections = connections;
        _transport = transport;
        if (server)
        {
            Meter.CreateObservableUpDownCounter("travelers.server.active_connections", () => Observe(static (_, open) => open ? 1 : 0, countClosed: false), "{connection}", "Connections through the handshake and not closed.");
            _connectionsRefused = Meter.CreateCounter<long>("travelers.server.connections.refused", "{connection}", "Connections the server refused, or ended in their handshake: attribute reason (stopping, address_cap, pending_cap, evicted, mismatch, approval).");
        }

        Meter.CreateObservableCounter("travelers.messages.sent", () => Observe(static (s, _) => s.MessagesSent, countClosed: true, static t => t.MessagesSent), "{message}", "Messages sent.");
        Meter.CreateObservableCounter("travelers.messages.received", ObserveReceived, "{message}", "Messages received.");
        Meter.CreateObservableCounter("travelers.bytes.sent", () => Observe(static (s, _) => s.BytesSent, countClosed: true, static t => t.BytesSent), "By", "Bytes handed to sockets, Travelers' headers included.");
        Meter.CreateObservableCounter("travelers.bytes.received", () => Observe(static (s, _) => s.BytesReceived, countClosed: true, static t => t.BytesReceived), "By", "Bytes read from sockets.");
        Meter.CreateObservableCounter("travelers.packets.resent", () => Observe(static (s, _) => s.Resends, countClosed: true, static t => t.Resends), "{packet}", "Packets sent again after a loss (UDP).");
        if (world is not null)
        {
            // Read from the world's own counters when a listener asks (plain 64-bit reads: whole, if a tick old).
            KeyValuePair<string, object?> tag = new(Transport, transport);
            Meter.CreateObservableUpDownCounter("travelers.replication.entities", () => new Measurement<long>(world.Statistics.Entities, tag), "{entity}", "Entities in the world (server) or held (client).");
            if (server)
            {
                Meter.CreateObservableCounter("travelers.replication.bytes.sent", () => new Measurement<long>(world.Statistics.BytesSent, tag), "By", "Snapshot bytes sent to all clients, Travelers' packet headers not included.");
                Meter.CreateObservableCounter("travelers.replication.clamped", () => new Measurement<long>(world.Statistics.Clamped, tag), "{value}", "Replicated values clamped to their [Quantize] or [Bits] range, or strings fitted to their [MaxLength].");
            }
            else
            {
                Meter.CreateObservableCounter("travelers.replication.bytes.received", () => new Measurement<long>(world.Statistics.BytesReceived, tag), "By", "Snapshot bytes received.");
                Meter.CreateObservableCounter("travelers.replication.dropped", () => new Measurement<long>(world.Statistics.Dropped, tag), "{record}", "Snapshot parts and records dropped as malformed or unusable.");
            }
        }

        _rpcRefused = Meter.CreateCounter<long>("travelers.rpc.rejected", "{call}", "RPC calls and answers dropped without running: attribute reason (unknown, malformed, direction, entity, visibility, ownership, rate, service, expired).");
        _rtt = Meter.CreateHistogram<double>("travelers.rtt", "s", "Round-trip times measured by heartbeats.");
        _duration = Meter.CreateHistogram<double>("travelers.connection.duration", "s", "How long connections lasted, from handshake to close.");
        _tick = Meter.CreateHistogram<double>("travelers.tick.duration", "s", "How long each Poll() took.");
    }

    public Meter Meter { get; }

    public void RecordRtt(TimeSpan rtt, NetConnection connection)
    {
        if (_rtt.Enabled)
        {
            _rtt.Record(rtt.TotalSeconds, new KeyValuePair<string, object?>(Transport, _transport), new KeyValuePair<string, object?>(NetworkType, TypeOf(connection)));
        }
    }

    public void RecordRpcRefused(string reason)
    {
        if (_rpcRefused.Enabled)
        {
            _rpcRefused.Add(1, new KeyValuePair<string, object?>(Transport, _transport), new KeyValuePair<string, object?>("reason", reason));
        }
    }

    /// <summary>Counts a connection the server refused, or ended in its handshake, for <paramref name="reason"/>.</summary>
    public void RecordConnectionRefused(string reason)
    {
        if (_connectionsRefused is { Enabled: true } counter)
        {
            counter.Add(1, new KeyValuePair<string, object?>(Transport, _transport), new KeyValuePair<string, object?>("reason", reason));
        }
    }

    /// <summary>Counts <paramref name="count"/> messages of <paramref name="connection"/> dispatched by Poll() (once per batch).</summary>
    public void CountReceived(NetConnection connection, int count) =>
        Interlocked.Add(ref TypeOf(connection) == "ipv6" ? ref _receivedV6 : ref _receivedV4, count);

    public void RecordTick(TimeSpan duration)
    {
        if (_tick.Enabled)
        {
            _tick.Record(duration.TotalSeconds, new KeyValuePair<string, object?>(Transport, _transport));
        }
    }

    /// <summary>
    /// Marks a connection closed (<paramref name="close"/>) and moves its counts into the totals, under the lock the
    /// observers take: no reading sees it twice or not at all. A connection that had been open has its lifetime
    /// recorded.
    /// </summary>
    public void Retire(NetConnection connection, bool wasOpen, Action close, TimeSpan lifetime)
    {
        bool v6 = TypeOf(connection) == "ipv6";
        lock (_gate)
        {
            close();
            ref Totals totals = ref v6 ? ref _closedV6 : ref _closedV4;
            totals.Add(connection.Statistics);
        }

        if (wasOpen && _duration.Enabled)
        {
            _duration.Record(lifetime.TotalSeconds, new KeyValuePair<string, object?>(Transport, _transport), new KeyValuePair<string, object?>(NetworkType, v6 ? "ipv6" : "ipv4"));
        }
    }

    public void Dispose() => Meter.Dispose();

    private IEnumerable<Measurement<long>> Observe(Func<ConnectionStatistics, bool, long> value, bool countClosed, Func<Totals, long>? closed = null)
    {
        long v4 = 0;
        long v6 = 0;
        lock (_gate)
        {
            foreach (NetConnection connection in _connections())
            {
                if (connection.State == ConnectionState.Closed)
                {
                    continue; // counted in the totals
                }

                bool open = connection.IsConnected;
                if (!open && !countClosed)
                {
                    continue;
                }

                long n = value(connection.Statistics, open);
                if (TypeOf(connection) == "ipv6")
                {
                    v6 += n;
                }
                else
                {
                    v4 += n;
                }
            }

            if (closed is not null)
            {
                v4 += closed(_closedV4);
                v6 += closed(_closedV6);
            }
        }

        return
        [
            new Measurement<long>(v4, new KeyValuePair<string, object?>(Transport, _transport), new KeyValuePair<string, object?>(NetworkType, "ipv4")),
            new Measurement<long>(v6, new KeyValuePair<string, object?>(Transport, _transport), new KeyValuePair<string, object?>(NetworkType, "ipv6")),
        ];
    }

    private IEnumerable<Measurement<long>> ObserveReceived() =>
    [
        new Measurement<long>(Interlocked.Read(ref _receivedV4), new KeyValuePair<string, object?>(Transport, _transport), new KeyValuePair<string, object?>(NetworkType, "ipv4")),
        new Measurement<long>(Interlocked.Read(ref _receivedV6), new KeyValuePair<string, object?>(Transport, _transport), new KeyValuePair<string, object?>(NetworkType, "ipv6")),
    ];

    private static string TypeOf(NetConnection connection)
    {
        System.Net.IPAddress address = connection.RemoteEndPoint.Address;
        return address.AddressFamily == AddressFamily.InterNetworkV6 && !address.IsIPv4MappedToIPv6 ? "ipv6" : "ipv4";
    }

    /// <summary>Counts of connections that have closed.</summary>
    private struct Totals
    {
        public long MessagesSent;
        public long BytesSent;
        public long BytesReceived;
        public long Resends;

        public void Add(ConnectionStatistics s)
        {
            MessagesSent += s.MessagesSent;
            BytesSent += s.BytesSent;
            BytesReceived += s.BytesReceived;
            Resends += s.Resends;
        }
    }
}
