using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using Travelers;
using Travelers.Messaging;
using Travelers.Transport;
using Travelers.Transport.Udp;

namespace Travelers.Runtime.Tests.Udp;

/// <summary>A numbered message on a channel, for the reliability tests.</summary>
[NetMessage]
public partial struct Numbered
{
    public byte Channel;
    public int Value;
}

/// <summary>A message of any size, for fragmentation.</summary>
[NetMessage]
public partial class Payload
{
    [MaxLength(1024 * 1024)] public byte[] Data { get; set; } = [];
}

/// <summary>Stands in for the connection above a link: records what the link hands up.</summary>
internal sealed class RecordingOwner : ILinkOwner
{
    public List<(int Index, byte[] Body)> Records { get; } = new();

    public List<(FrameKind Kind, byte[] Body)> Frames { get; } = new();

    public DisconnectInfo? Closing { get; private set; }

    public DisconnectInfo? Closed { get; private set; }

    public bool Room { get; set; } = true;

    public int HandshakeLimit { get; set; }

    public FramePool Pool { get; } = new();

    public bool HasReceiveRoom => Room;

    public void OnFrame(Link link, FrameKind kind, in ReadOnlySequence<byte> body) => Frames.Add((kind, body.ToArray()));

    public void OnBatch(Link link, byte[] buffer, int length)
    {
        int offset = 0;
        while (offset < length)
        {
            Assert.True(NetEndpoint.TryReadVarUInt(buffer.AsSpan(0, length), ref offset, out uint index));
            Assert.True(NetEndpoint.TryReadVarUInt(buffer.AsSpan(0, length), ref offset, out uint size));
            Records.Add(((int)index, buffer.AsSpan(offset, (int)size).ToArray()));
            offset += (int)size;
        }

        Pool.Return(buffer);
    }

    public ValueTask WaitForReceiveRoomAsync(Link link) => ValueTask.CompletedTask;

    /// <summary>Runs inside <see cref="OnClosing"/>: what another thread might do while a close is under way.</summary>
    public Action? DuringClosing { get; set; }

    /// <summary>How many times the link reported its end, and whether one came before its closing.</summary>
    public int ClosedCount { get; private set; }

    public bool ClosedBeforeClosing { get; private set; }

    public void OnClosing(Link link, DisconnectInfo info, bool here)
    {
        Closing ??= info;
        DuringClosing?.Invoke();
    }

    public void OnClosed(Link link, DisconnectInfo info)
    {
        Closed ??= info;
        ClosedCount++;
        ClosedBeforeClosing |= Closing is null;
    }

    /// <summary>Tracked bodies' fates, in the order reported.</summary>
    public List<(long Token, bool Acked)> Tracked { get; } = new();

    public void OnTracked(Link link, long token, bool acked) => Tracked.Add((token, acked));

    public IEnumerable<Numbered> Numbers => Records.Select(r => NetSerializer.Deserialize<Numbered>(r.Body));
}

/// <summary>Collects what a link sends; with <see cref="MaxSegments"/> above 1 it stands in for a socket with segmentation offload.</summary>
internal sealed class Outbox : IUdpSender
{
    public List<byte[]> Datagrams { get; } = new();

    /// <summary>The lengths of the datagrams of each <see cref="SendSegments"/> call, in order.</summary>
    public List<int[]> SegmentedSends { get; } = new();

    public int MaxSegments { get; set; } = 1;

    public void Send(ReadOnlySpan<byte> datagram, SocketAddress? address) => Datagrams.Add(datagram.ToArray());

    public void SendSegments(ReadOnlySpan<byte> segments, int segmentSize, SocketAddress? address)
    {
        // As the kernel does: cut every segmentSize bytes, the last piece whatever is left.
        var lengths = new List<int>();
        for (int at = 0; at < segments.Length; at += segmentSize)
        {
            byte[] datagram = segments.Slice(at, Math.Min(segmentSize, segments.Length - at)).ToArray();
            lengths.Add(datagram.Length);
            Datagrams.Add(datagram);
        }

        Assert.InRange(lengths.Count, 2, MaxSegments);
        SegmentedSends.Add(lengths.ToArray());
    }
}

/// <summary>
/// Two links of one established session joined by a simulated path on a fake clock: each step advances the
/// clock, flushes both links, and moves their datagrams across with the path's loss, duplication and delay
/// (delays that differ reorder). Deterministic for a seed: the tests of the reliability layer's promises.
/// </summary>
internal sealed class LinkPair
{
    private readonly Random _random;
    private readonly List<(long Due, long Order, bool ToB, byte[] Datagram)> _inTransit = new();
    private long _order;

    public LinkPair(int seed, UdpLinkSettings? settings = null)
    {
        _random = new Random(seed);
        Time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        settings ??= new UdpLinkSettings(Mtu: 1200, MaxChannels: 8, MaxMessageBytes: 512 * 1024, MaxUnsentBytes: 64 * 1024 * 1024, MaxHeldBytes: 4 * 1024 * 1024, MaxPacketsPerSecond: 1_000_000);
        var endpoint = new IPEndPoint(IPAddress.Loopback, 1);
        A = new UdpLink(OwnerA, OutA, endpoint, null, key: 0x1234, settings, Time, OwnerA.Pool);
        B = new UdpLink(OwnerB, OutB, endpoint, null, key: 0x1234, settings, Time, OwnerB.Pool);
    }

    public FakeTimeProvider Time { get; }

    public UdpLink A { get; }

    public UdpLink B { get; }

    public RecordingOwner OwnerA { get; } = new();

    public RecordingOwner OwnerB { get; } = new();

    public Outbox OutA { get; } = new();

    public Outbox OutB { get; } = new();

    public double Loss { get; set; }

    public double Duplicate { get; set; }

    public TimeSpan Latency { get; set; } = TimeSpan.FromMilliseconds(20);

    public TimeSpan Jitter { get; set; }

    /// <summary>Datagrams that reached B (after loss), counted.</summary>
    public long DeliveredToB { get; private set; }

    /// <summary>Sends <paramref name="count"/> numbered messages from A.</summary>
    public void SendFromA(int count, Delivery delivery, byte channel, int start = 0)
    {
        for (int i = 0; i < count; i++)
        {
            var message = new Numbered { Channel = channel, Value = start + i };
            Assert.True(A.WriteMessage(0, in message, NetLimits.Default, delivery, channel));
        }
    }

    /// <summary>One step: the clock moves, both links flush, datagrams cross or are lost.</summary>
    public void Step(TimeSpan? by = null)
    {
        Time.Advance(by ?? TimeSpan.FromMilliseconds(10));
        A.Flush();
        B.Flush();
        Take(OutA, toB: true);
        Take(OutB, toB: false);
        long now = Time.GetTimestamp();
        foreach ((long due, long order, bool toB, byte[] datagram) in _inTransit.Where(d => d.Due <= now).OrderBy(d => d.Due).ThenBy(d => d.Order).ToList())
        {
            _inTransit.Remove((due, order, toB, datagram));
            if (toB)
            {
                DeliveredToB++;
                B.Receive(datagram);
            }
            else
            {
                A.Receive(datagram);
            }
        }
    }

    /// <summary>Steps until <paramref name="condition"/> holds; fails after <paramref name="maxSteps"/>.</summary>
    public int RunUntil(Func<bool> condition, int maxSteps = 100_000)
    {
        for (int step = 0; step < maxSteps; step++)
        {
            if (condition())
            {
                return step;
            }

            Step();
        }

        Assert.Fail($"The condition did not hold within {maxSteps} steps of simulated time.");
        return -1;
    }

    private void Take(Outbox outbox, bool toB)
    {
        foreach (byte[] datagram in outbox.Datagrams)
        {
            int copies = _random.NextDouble() < Duplicate ? 2 : 1;
            for (int i = 0; i < copies; i++)
            {
                if (_random.NextDouble() < Loss)
                {
                    continue;
                }

                double jitter = Jitter.TotalMilliseconds * ((_random.NextDouble() * 2) - 1);
                long delay = (long)((Latency.TotalMilliseconds + jitter) / 1000.0 * Time.TimestampFrequency);
                _inTransit.Add((Time.GetTimestamp() + Math.Max(0, delay), _order++, toB, datagram));
            }
        }

        outbox.Datagrams.Clear();
    }
}
