using System.Diagnostics;
using System.Net;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using LiteNetLib;
using Travelers;

namespace Travelers.Transport.Benchmarks;

/// <summary>
/// 32-byte messages (<see cref="Small"/>) over UDP on loopback: Travelers' UDP transport against LiteNetLib 2.1.5
/// and the raw batched socket loop (<see cref="RawUdpLoop"/>, PEERS.md's floor), all in one run.
/// <para>
/// <b>One way</b> (per-message figures through <c>OperationsPerInvoke</c>): the client sends
/// <see cref="OneWayMessages"/> messages and the operation ends when the receiver has them. Travelers flushes
/// after every eight datagrams' worth (<see cref="UnreliablePerDatagram"/> unreliable or
/// <see cref="ReliablePerDatagram"/> reliable 32-byte messages fill its 1,200-byte datagram), as LiteNetLib's run
/// calls <c>TriggerUpdate()</c> after every 256 sends; <c>FlushEachDatagram</c> flushes after every datagram's
/// worth, the most a game could ask of it. Its server polls on its own thread at 1 kHz (<c>Thread.Sleep(1)</c>),
/// as a game server ticks; while it waits, the benchmark thread calls the client's <c>Poll()</c> as a game loop
/// would. LiteNetLib runs in its default threaded mode (<c>Start()</c>, <c>UnsyncedEvents</c>,
/// <c>UpdateTime = 1</c>, <c>TriggerUpdate()</c> after every 256 sends, as PEERS.md). The raw loop (the
/// baseline, PEERS.md's floor) sends 35 messages per datagram, one system call a datagram; <c>Raw_OneWay_Segmented</c>
/// sends the same datagrams eight to a system call with UDP_SEGMENT, as Travelers does on Linux, for the floor of
/// that mechanism.
/// </para>
/// <para>
/// <b>Loss rule</b> (unreliable modes and the raw loop only; loopback drops when a receiver falls behind):
/// every message carries its operation's number and only messages of the current operation count, so stragglers
/// of an earlier one are ignored. The operation ends when all N have arrived; or when at least 95% have and
/// nothing new arrived for <see cref="QuietAfter95"/>; or when nothing new arrived for
/// <see cref="QuietGiveUp"/>. What is missing then is counted as lost and printed at cleanup
/// (<c>// loss ...</c> lines in the benchmark's log). The quiet wait is part of the measured time. Reliable modes
/// wait for all N (and fail after 30 s).
/// </para>
/// <para>
/// <b>Ping-pong</b>: one message there and back (the server echoes with the delivery it came with). The Travelers
/// server thread polls flat out, yielding between polls; the client sends, flushes and spins on
/// <c>Poll()</c> (with <see cref="SpinWait"/>'s yields). LiteNetLib: default mode (its threads, events on its
/// receive thread, <c>TriggerUpdate()</c> after the send and the echo) and manual mode (server thread
/// busy-looping <c>PollEvents</c> + <c>ManualUpdate</c> with yields, client pumped the same way while it waits).
/// Raw: the echoing thread blocked in <c>Receive</c> (and the client too), or both busy-polling non-blocking
/// sockets. A lost unreliable ping is sent again after 200 ms and counted. BenchmarkDotNet's Median and P95 here
/// are over iterations (means of many round trips), not over round trips: <c>-- --udp-rtt</c> gives p50/p99 of
/// single round trips.
/// </para>
/// <para>
/// Both Travelers ends raise <c>MaxPacketsPerSecond</c> (default 4,000 datagrams a second accepted per connection):
/// with the client at its default, the ping-pong measured the client's limiter (its answers dropped, mean RTT 4x).
/// </para>
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 5, iterationCount: 10)]
[Config(typeof(UdpConfig))]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class UdpBenchmarks
{
    /// <summary>Messages per one-way operation.</summary>
    public const int OneWayMessages = 100_000;

    /// <summary>Unreliable 32-byte messages in one Travelers datagram: (1,200 - 13 - 4) / 37.</summary>
    public const int UnreliablePerDatagram = 31;

    /// <summary>Reliable 32-byte messages in one Travelers datagram: (1,200 - 13 - 4) / 39.</summary>
    public const int ReliablePerDatagram = 30;

    /// <summary>Datagrams' worth of messages between two flushes in the one-way runs (about LiteNetLib's 256 sends).</summary>
    public const int DatagramsPerFlush = 8;

    /// <summary>LiteNetLib default mode: <c>TriggerUpdate()</c> after this many sends (PEERS.md).</summary>
    public const int LiteNetLibBatch = 256;

    private static readonly TimeSpan QuietAfter95 = TimeSpan.FromMilliseconds(3);
    private static readonly TimeSpan QuietGiveUp = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan ReliableGiveUp = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan PingResend = TimeSpan.FromMilliseconds(200);

    private NetServer? _server;
    private NetClient? _client;
    private LiteNetLibPair? _lnl;
    private RawUdpLoop? _raw;
    private Thread? _serverThread;
    private volatile bool _stop;
    private long _op;
    private long _received;
    private long _pongs;
    private readonly Dictionary<string, (long Sent, long Lost, long Operations)> _loss = new();
    private string _lossKey = "";
    private long _lossSent;
    private long _lossLost;
    private long _lossOps;
    private long _pingResends;

    /// <summary>Stopwatch ticks the last one-way operation spent sending (before it waited for the receiver), for <c>--udp-smoke</c>.</summary>
    public long LastSendTicks { get; private set; }

    /// <summary>Median and P95 next to the mean (over iterations).</summary>
    public sealed class UdpConfig : ManualConfig
    {
        public UdpConfig() => AddColumn(StatisticColumn.Median, StatisticColumn.P95);
    }

    // ---------------------------------------------------------------- setups

    /// <summary>Travelers one way: the server polls on its own thread at 1 kHz.</summary>
    [GlobalSetup(Targets = [nameof(Travelers_OneWay_Unreliable), nameof(Travelers_OneWay_Unreliable_FlushEachDatagram), nameof(Travelers_OneWay_ReliableOrdered)])]
    public void SetupTravelersTicking() => StartTravelers(spin: false);

    /// <summary>Travelers ping-pong: the server polls flat out on its own thread, yielding between polls.</summary>
    [GlobalSetup(Targets = [nameof(Travelers_PingPong_ReliableOrdered), nameof(Travelers_PingPong_Unreliable)])]
    public void SetupTravelersSpinning() => StartTravelers(spin: true);

    [GlobalSetup(Targets = [nameof(LiteNetLib_OneWay_Unreliable), nameof(LiteNetLib_OneWay_ReliableOrdered), nameof(LiteNetLib_PingPong_Default)])]
    public void SetupLiteNetLibDefault() => _lnl = new LiteNetLibPair(manual: false);

    [GlobalSetup(Target = nameof(LiteNetLib_PingPong_Manual))]
    public void SetupLiteNetLibManual() => _lnl = new LiteNetLibPair(manual: true);

    [GlobalSetup(Target = nameof(Raw_OneWay))]
    public void SetupRawCount() => _raw = new RawUdpLoop(RawUdpLoop.Mode.Count);

    [GlobalSetup(Target = nameof(Raw_OneWay_Segmented))]
    public void SetupRawCountSegmented() => _raw = new RawUdpLoop(RawUdpLoop.Mode.Count, segments: DatagramsPerFlush);

    [GlobalSetup(Target = nameof(Raw_PingPong_Blocking))]
    public void SetupRawEchoBlocking() => _raw = new RawUdpLoop(RawUdpLoop.Mode.EchoBlocking);

    [GlobalSetup(Target = nameof(Raw_PingPong_BusyPoll))]
    public void SetupRawEchoBusy() => _raw = new RawUdpLoop(RawUdpLoop.Mode.EchoBusy);

    private void StartTravelers(bool spin)
    {
        _server = new NetServer(new NetServerOptions
        {
            Transport = NetTransport.Udp,
            Address = IPAddress.Loopback,
            Port = 0,
            MaxPacketsPerSecond = 10_000_000, // the default 4,000/s per connection would be what this measures
        });
        _server.On((NetConnection from, in Small m) =>
        {
            if (m.A < 0)
            {
                from.Send(in m, (Delivery)m.C); // a ping: answer it the way it came
            }
            else if (m.B == Volatile.Read(ref _op))
            {
                Volatile.Write(ref _received, _received + 1); // read by the benchmark thread
            }
        });
        _server.StartAsync().GetAwaiter().GetResult();
        _client = new NetClient(new NetClientOptions
        {
            Transport = NetTransport.Udp,
            MaxUnsentBytes = 256 * 1024 * 1024,
            MaxPacketsPerSecond = 10_000_000, // the client limits what it accepts too: at 4,000/s the ping-pong measured it
        });
        _client.On((NetConnection _, in Small m) => _pongs++);
        Task connect = _client.ConnectAsync(_server.LocalEndPoint);
        var clock = Stopwatch.StartNew();
        while (!connect.IsCompleted)
        {
            _server.Poll();
            if (clock.Elapsed > TimeSpan.FromSeconds(10))
            {
                throw new TimeoutException("The Travelers UDP client did not connect within 10 s.");
            }
        }

        connect.GetAwaiter().GetResult();
        _serverThread = new Thread(() =>
        {
            while (!_stop)
            {
                _server.Poll();
                if (spin)
                {
                    Thread.Yield();
                }
                else
                {
                    Thread.Sleep(1);
                }
            }
        }) { IsBackground = true, Name = "server poll" };
        _serverThread.Start();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        RecordLoss();
        foreach ((string name, (long sent, long lost, long ops)) in _loss)
        {
            Console.WriteLine($"// loss {name}: {lost:N0} of {sent:N0} messages ({(sent == 0 ? 0 : 100.0 * lost / sent):N3}%) over {ops:N0} operations");
        }

        if (_pingResends > 0)
        {
            Console.WriteLine($"// unreliable pings sent again after {PingResend.TotalMilliseconds} ms: {_pingResends}");
        }

        if (_client is not null)
        {
            ConnectionStatistics s = _client.Connection.Statistics;
            Console.WriteLine($"// travelers client: {s.MessagesSent:N0} messages in {s.PacketsSent:N0} datagrams ({(s.PacketsSent == 0 ? 0 : (double)s.MessagesSent / s.PacketsSent):N1} per datagram), {s.Resends:N0} resends, loss {s.Loss:P2}, RTT {_client.Connection.Rtt.TotalMicroseconds:N0} us");
        }

        _stop = true;
        _serverThread?.Join();
        if (_server is not null && _client is not null)
        {
            Console.WriteLine($"// travelers drops: server side {LinkCounters(_server.Connections.FirstOrDefault())}; client side {LinkCounters(_client.Connection)}");
        }

        _client?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _server?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _lnl?.Dispose();
        _raw?.Dispose();
    }

    /// <summary>The UDP link's drop counters (internal: read by reflection, for diagnosis only).</summary>
    private static string LinkCounters(NetConnection? connection)
    {
        const System.Reflection.BindingFlags Any = System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic;
        object? link = connection?.GetType().GetProperty("Link", Any)?.GetValue(connection);
        if (link is null)
        {
            return "n/a";
        }

        return string.Join(", ", new[] { "DuplicatePackets", "RateLimited", "Refused", "WrongKey", "FragmentsDropped" }
            .Select(name => $"{name} {link.GetType().GetProperty(name, Any)?.GetValue(link) ?? "?"}"));
    }

    /// <summary>Loss so far, by benchmark: (sent, lost, operations).</summary>
    public IReadOnlyDictionary<string, (long Sent, long Lost, long Operations)> Loss
    {
        get
        {
            RecordLoss();
            return _loss;
        }
    }

    // ---------------------------------------------------------------- one way

    [Benchmark(Baseline = true, OperationsPerInvoke = OneWayMessages)]
    [BenchmarkCategory("one way")]
    public void Raw_OneWay()
    {
        RawUdpLoop raw = _raw!;
        long start = raw.BeginOperation();
        raw.SendBatched(OneWayMessages);
        LastSendTicks = Stopwatch.GetTimestamp();
        Await(nameof(Raw_OneWay), OneWayMessages, static self => self._raw!.Received, start, lossTolerant: true, pump: null);
    }

    [Benchmark(OperationsPerInvoke = OneWayMessages)]
    [BenchmarkCategory("one way")]
    public void Raw_OneWay_Segmented()
    {
        RawUdpLoop raw = _raw!;
        long start = raw.BeginOperation();
        raw.SendBatched(OneWayMessages);
        LastSendTicks = Stopwatch.GetTimestamp();
        Await(nameof(Raw_OneWay_Segmented), OneWayMessages, static self => self._raw!.Received, start, lossTolerant: true, pump: null);
    }

    [Benchmark(OperationsPerInvoke = OneWayMessages)]
    [BenchmarkCategory("one way")]
    public void Travelers_OneWay_Unreliable() => TravelersOneWay(Delivery.Unreliable, DatagramsPerFlush * UnreliablePerDatagram, OneWayMessages, nameof(Travelers_OneWay_Unreliable));

    [Benchmark(OperationsPerInvoke = OneWayMessages)]
    [BenchmarkCategory("one way")]
    public void Travelers_OneWay_Unreliable_FlushEachDatagram() => TravelersOneWay(Delivery.Unreliable, UnreliablePerDatagram, OneWayMessages, nameof(Travelers_OneWay_Unreliable_FlushEachDatagram));

    [Benchmark(OperationsPerInvoke = OneWayMessages)]
    [BenchmarkCategory("one way")]
    public void Travelers_OneWay_ReliableOrdered() => TravelersOneWay(Delivery.ReliableOrdered, DatagramsPerFlush * ReliablePerDatagram, OneWayMessages, nameof(Travelers_OneWay_ReliableOrdered));

    [Benchmark(OperationsPerInvoke = OneWayMessages)]
    [BenchmarkCategory("one way")]
    public void LiteNetLib_OneWay_Unreliable() => LiteNetLibOneWay(DeliveryMethod.Unreliable, nameof(LiteNetLib_OneWay_Unreliable));

    [Benchmark(OperationsPerInvoke = OneWayMessages)]
    [BenchmarkCategory("one way")]
    public void LiteNetLib_OneWay_ReliableOrdered() => LiteNetLibOneWay(DeliveryMethod.ReliableOrdered, nameof(LiteNetLib_OneWay_ReliableOrdered));

    private void TravelersOneWay(Delivery delivery, int flushEvery, int count, string name)
    {
        NetClient client = _client!;
        long op = _op + 1;
        Volatile.Write(ref _op, op);
        long start = Volatile.Read(ref _received);
        var message = new Small { A = 1, B = op };
        int untilFlush = flushEvery; // a countdown, not i % flushEvery: a division per message was a tenth of what this measured
        for (int i = 0; i < count; i++)
        {
            message.C = i;
            client.Send(in message, delivery);
            if (--untilFlush == 0)
            {
                client.Flush();
                untilFlush = flushEvery;
            }
        }

        client.Flush();
        LastSendTicks = Stopwatch.GetTimestamp();
        Await(name, count, static self => Volatile.Read(ref self._received), start, lossTolerant: delivery == Delivery.Unreliable, pump: static self => self._client!.Poll());
    }

    /// <summary>
    /// For <c>--udp-send-cost</c> in steady state: <paramref name="rounds"/> times, a datagram's worth of Sends then a Flush,
    /// timed apart; (ns per Send, ns per Flush).
    /// </summary>
    internal (double SendNs, double FlushNs) MeasureTravelersSendAndFlush(int rounds, Delivery delivery)
    {
        NetClient client = _client!;
        long op = _op + 1;
        Volatile.Write(ref _op, op);
        var message = new Small { A = 1, B = op };
        int perDatagram = delivery == Delivery.Unreliable ? UnreliablePerDatagram : ReliablePerDatagram;
        long sending = 0, flushing = 0;
        for (int round = 0; round < rounds; round++)
        {
            long t0 = Stopwatch.GetTimestamp();
            for (int i = 0; i < perDatagram; i++)
            {
                message.C = i;
                client.Send(in message, delivery);
            }

            long t1 = Stopwatch.GetTimestamp();
            client.Flush();
            long t2 = Stopwatch.GetTimestamp();
            sending += t1 - t0;
            flushing += t2 - t1;
            if (delivery != Delivery.Unreliable && round % 16 == 15)
            {
                client.Poll(); // lets acknowledgements make room, as a game's loop does
            }
        }

        double ns = 1e9 / Stopwatch.Frequency;
        return (sending * ns / ((double)rounds * perDatagram), flushing * ns / rounds);
    }

    /// <summary>For <c>--udp-send-cost</c>: unreliable Sends with no Flush, then one Flush; (Send time, Flush time, datagrams), in microseconds.</summary>
    internal (double SendUs, double FlushUs, long Datagrams) MeasureTravelersSendThenFlush(int count)
    {
        NetClient client = _client!;
        long op = _op + 1;
        Volatile.Write(ref _op, op);
        var message = new Small { A = 1, B = op };
        long before = client.Connection.Statistics.PacketsSent;
        long started = Stopwatch.GetTimestamp();
        for (int i = 0; i < count; i++)
        {
            message.C = i;
            client.Send(in message, Delivery.Unreliable);
        }

        long sent = Stopwatch.GetTimestamp();
        client.Flush();
        long flushed = Stopwatch.GetTimestamp();
        return (Stopwatch.GetElapsedTime(started, sent).TotalMicroseconds, Stopwatch.GetElapsedTime(sent, flushed).TotalMicroseconds, client.Connection.Statistics.PacketsSent - before);
    }

    private void LiteNetLibOneWay(DeliveryMethod method, string name)
    {
        LiteNetLibPair lnl = _lnl!;
        long start = lnl.BeginOperation();
        lnl.SendMany(OneWayMessages, method, LiteNetLibBatch);
        LastSendTicks = Stopwatch.GetTimestamp();
        Await(name, OneWayMessages, static self => self._lnl!.Received, start, lossTolerant: method == DeliveryMethod.Unreliable, pump: static self => self._lnl!.PumpClient());
    }

    /// <summary>Waits for the operation's messages under the loss rule in the class comment.</summary>
    private void Await(string name, int count, Func<UdpBenchmarks, long> received, long start, bool lossTolerant, Action<UdpBenchmarks>? pump)
    {
        if (_lossKey != name)
        {
            RecordLoss();
            _lossKey = name;
        }

        long frequency = Stopwatch.Frequency;
        long quiet95 = (long)(QuietAfter95.TotalSeconds * frequency);
        long giveUp = (long)((lossTolerant ? QuietGiveUp : ReliableGiveUp).TotalSeconds * frequency);
        long last = 0;
        long lastProgress = Stopwatch.GetTimestamp();
        var spin = default(SpinWait);
        while (true)
        {
            long got = received(this) - start;
            if (got >= count)
            {
                break;
            }

            long now = Stopwatch.GetTimestamp();
            if (got != last)
            {
                last = got;
                lastProgress = now;
            }
            else if ((lossTolerant && got >= count * 0.95 && now - lastProgress > quiet95) || now - lastProgress > giveUp)
            {
                if (!lossTolerant)
                {
                    throw new TimeoutException($"{name}: {got:N0} of {count:N0} reliable messages after {ReliableGiveUp.TotalSeconds} s without progress.");
                }

                _lossLost += count - got;
                break;
            }

            pump?.Invoke(this);
            spin.SpinOnce(-1);
        }

        _lossSent += count;
        _lossOps++;
    }

    private void RecordLoss()
    {
        if (_lossKey.Length > 0 && _lossOps > 0)
        {
            (long sent, long lost, long ops) = _loss.GetValueOrDefault(_lossKey);
            _loss[_lossKey] = (sent + _lossSent, lost + _lossLost, ops + _lossOps);
        }

        _lossSent = _lossLost = _lossOps = 0;
    }

    // ---------------------------------------------------------------- ping-pong

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("ping-pong")]
    public void Raw_PingPong_Blocking() => _raw!.PingBlocking();

    [Benchmark]
    [BenchmarkCategory("ping-pong")]
    public void Raw_PingPong_BusyPoll() => _raw!.PingBusy();

    [Benchmark]
    [BenchmarkCategory("ping-pong")]
    public void Travelers_PingPong_ReliableOrdered() => TravelersPing(Delivery.ReliableOrdered);

    [Benchmark]
    [BenchmarkCategory("ping-pong")]
    public void Travelers_PingPong_Unreliable() => TravelersPing(Delivery.Unreliable);

    /// <summary>LiteNetLib's default threaded mode, ReliableOrdered.</summary>
    [Benchmark]
    [BenchmarkCategory("ping-pong")]
    public void LiteNetLib_PingPong_Default() => LiteNetLibPing();

    /// <summary>LiteNetLib's manual mode, busy-polled, ReliableOrdered.</summary>
    [Benchmark]
    [BenchmarkCategory("ping-pong")]
    public void LiteNetLib_PingPong_Manual() => LiteNetLibPing();

    private void TravelersPing(Delivery delivery)
    {
        NetClient client = _client!;
        long target = _pongs + 1;
        var ping = new Small { A = -1, C = (long)delivery };
        client.Send(in ping, delivery);
        client.Flush();
        long sentAt = Stopwatch.GetTimestamp();
        var spin = default(SpinWait);
        while (_pongs < target)
        {
            client.Poll();
            spin.SpinOnce(-1);
            if (delivery == Delivery.Unreliable && Stopwatch.GetElapsedTime(sentAt) > PingResend)
            {
                _pingResends++;
                client.Send(in ping, delivery);
                client.Flush();
                sentAt = Stopwatch.GetTimestamp();
            }
        }

        _pongs = target; // a late answer to a ping sent again does not count for the next round trip
    }

    private void LiteNetLibPing()
    {
        LiteNetLibPair lnl = _lnl!;
        long target = lnl.Pongs + 1;
        lnl.SendPing(DeliveryMethod.ReliableOrdered);
        var spin = default(SpinWait);
        while (lnl.Pongs < target)
        {
            lnl.PumpClient();
            spin.SpinOnce(-1);
        }
    }
}
