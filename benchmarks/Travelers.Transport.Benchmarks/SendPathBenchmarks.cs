using System.Buffers;
using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using Travelers.Messaging;
using Travelers.Transport.Udp;

namespace Travelers.Transport.Benchmarks;

/// <summary>
/// The UDP send path alone, with no socket under it: a connected session's link serializing <see cref="Small"/>
/// messages into datagrams and sealing them, its datagrams handed to a sender that drops them. Per message, with
/// a flush every <see cref="FlushEvery"/> (eight datagrams' worth), so what it shows is what a sending thread
/// pays above the system calls. Nothing comes back, so no acknowledgement ever arrives: unreliable only.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 5, iterationCount: 10)]
public class SendPathBenchmarks
{
    /// <summary>Messages an operation.</summary>
    public const int Messages = 31 * 8 * 40;
    private const int FlushEvery = 31 * 8;

    private UdpLink _link = null!;
    private int _index;

    private UdpLink _sender = null!;

    [GlobalSetup]
    public void Setup()
    {
        var settings = new UdpLinkSettings(Mtu: 1200, MaxChannels: 8, MaxMessageBytes: 512 * 1024, MaxUnsentBytes: 64 * 1024 * 1024, MaxHeldBytes: 4 * 1024 * 1024, MaxPacketsPerSecond: int.MaxValue);
        var pool = new FramePool();
        _link = new UdpLink(new NullOwner(pool), new DropSender(), new IPEndPoint(IPAddress.Loopback, 1), null, key: 0x1234, settings, TimeProvider.System, pool);
        _index = 0;

        // Send and receive: two links wired back to back on this thread, each datagram handed to the other's Receive.
        var toReceiver = new WireSender();
        var toSender = new WireSender();
        _sender = new UdpLink(new NullOwner(pool), toReceiver, new IPEndPoint(IPAddress.Loopback, 1), null, key: 0x1234, settings, TimeProvider.System, pool);
        UdpLink receiver = new UdpLink(new NullOwner(pool), toSender, new IPEndPoint(IPAddress.Loopback, 2), null, key: 0x1234, settings, TimeProvider.System, pool);
        toReceiver.Peer = receiver;
        toSender.Peer = _sender;
    }

    /// <summary>The same messages sent and received (checksum, units, batches handed up), on one thread: less <see cref="Unreliable"/>, the receiving side's cost.</summary>
    [Benchmark(OperationsPerInvoke = Messages)]
    public void UnreliableSentAndReceived()
    {
        var message = new Small { A = 1 };
        int untilFlush = FlushEvery;
        for (int i = 0; i < Messages; i++)
        {
            message.C = i;
            _sender.WriteMessage(_index, in message, NetLimits.Default, Delivery.Unreliable, 0);
            if (--untilFlush == 0)
            {
                _sender.Flush();
                untilFlush = FlushEvery;
            }
        }
    }

    [Benchmark(OperationsPerInvoke = Messages)]
    public void Unreliable()
    {
        var message = new Small { A = 1 };
        int untilFlush = FlushEvery;
        for (int i = 0; i < Messages; i++)
        {
            message.C = i;
            _link.WriteMessage(_index, in message, NetLimits.Default, Delivery.Unreliable, 0);
            if (--untilFlush == 0)
            {
                _link.Flush();
                untilFlush = FlushEvery;
            }
        }
    }

    private sealed class DropSender : IUdpSender
    {
        public int MaxSegments => 8;

        public void Send(ReadOnlySpan<byte> datagram, SocketAddress? address)
        {
        }

        public void SendSegments(ReadOnlySpan<byte> segments, int segmentSize, SocketAddress? address)
        {
        }
    }

    /// <summary>Hands each datagram to the link on the other end, checked as a socket's receive thread checks it.</summary>
    private sealed class WireSender : IUdpSender
    {
        public UdpLink? Peer { get; set; }

        public int MaxSegments => 8;

        public void Send(ReadOnlySpan<byte> datagram, SocketAddress? address)
        {
            if (UdpPacket.IsIntact(datagram))
            {
                Peer!.Receive(datagram);
            }
        }

        public void SendSegments(ReadOnlySpan<byte> segments, int segmentSize, SocketAddress? address)
        {
            for (int at = 0; at < segments.Length; at += segmentSize)
            {
                Send(segments.Slice(at, Math.Min(segmentSize, segments.Length - at)), address);
            }
        }
    }

    private sealed class NullOwner(FramePool pool) : ILinkOwner
    {
        public int HandshakeLimit => 0;

        public bool HasReceiveRoom => true;

        public void OnFrame(Link link, FrameKind kind, in ReadOnlySequence<byte> body)
        {
        }

        public void OnBatch(Link link, byte[] buffer, int length) => pool.Return(buffer);

        public ValueTask WaitForReceiveRoomAsync(Link link) => ValueTask.CompletedTask;

        public void OnClosing(Link link, DisconnectInfo info, bool here)
        {
        }

        public void OnTracked(Link link, long token, bool acked)
        {
        }

        public void OnClosed(Link link, DisconnectInfo info)
        {
        }
    }
}
