using System;
using System.Net;
using Travelers.Messaging;

namespace Travelers.Transport;

/// <summary>
/// One connection's transport, under <see cref="NetConnection"/>: a TCP stream or a UDP session. Writing a
/// message is not here (a generic virtual call costs more than the write): the connection calls the concrete
/// link's <c>WriteMessage</c>.
/// </summary>
internal abstract class Link
{
    /// <param name="rtt">The round-trip estimator: heartbeats feed it on both transports, acknowledgements too over UDP.</param>
    protected Link(RttEstimator rtt)
    {
        Rtt = rtt;
    }

    // The owner's HandshakeLimit, asked again on each use until it is 0: a connection does not go back into a handshake.
    private int _handshakeLimit = -1;

    /// <summary>The smoothed round-trip time and the retransmission timeout.</summary>
    public RttEstimator Rtt { get; }

    /// <summary>The peer's address.</summary>
    public abstract IPEndPoint RemoteEndPoint { get; }

    /// <summary>Messages written.</summary>
    public abstract long MessagesWritten { get; }

    /// <summary>Bytes handed to the socket.</summary>
    public abstract long BytesSent { get; }

    /// <summary>Bytes received from the socket.</summary>
    public abstract long BytesReceived { get; }

    /// <summary>Socket sends (TCP) or datagrams (UDP).</summary>
    public abstract long Sends { get; }

    /// <summary>Socket reads (TCP) or datagrams accepted (UDP).</summary>
    public abstract long Receives { get; }

    /// <summary>Bytes queued and not yet taken by the socket (TCP) or not yet acknowledged (UDP).</summary>
    public abstract long Unsent { get; }

    /// <summary>Reliable messages sent again (UDP).</summary>
    public virtual long Resends => 0;

    /// <summary>The recent fraction of packets lost (UDP).</summary>
    public virtual double Loss => 0;

    /// <summary>The timestamp (<see cref="TimeProvider.GetTimestamp"/>) of the last bytes received.</summary>
    public abstract long LastReceive { get; }

    /// <summary>Since when a frame has been incomplete (a timestamp), or 0.</summary>
    public virtual long PartialFrameSince => 0;

    /// <summary>Whether closing has begun.</summary>
    public abstract bool IsClosing { get; }

    /// <summary>Whether batches are compressed (agreed in the handshake).</summary>
    public abstract bool Compresses { get; }

    /// <summary>Whether this transport can compress batches.</summary>
    public abstract bool CanCompress { get; }

    /// <summary>Turns compression on, once the handshake agreed to it.</summary>
    public abstract void EnableCompression(int threshold);

    /// <summary>
    /// <see cref="ILinkOwner.HandshakeLimit"/>: while positive, the bound on what the peer may make this side buffer.
    /// Called from the receiving loop only.
    /// </summary>
    protected int HandshakeLimit(ILinkOwner owner) => _handshakeLimit == 0 ? 0 : (_handshakeLimit = owner.HandshakeLimit);

    /// <summary>Starts the link's loops.</summary>
    public abstract void Start();

    /// <summary>Sends a control frame now. False when the link is closed.</summary>
    public abstract bool SendControl(FrameKind kind, ReadOnlySpan<byte> body);

    /// <summary>The largest body <see cref="SendTracked"/> sends in one packet (UDP: a datagram's room; TCP: a frame's).</summary>
    public abstract int MaxTrackedBytes { get; }

    /// <summary>
    /// Queues a snapshot part: unreliably over UDP, where each datagram that carries a piece of it is reported
    /// acknowledged or lost to <see cref="ILinkOwner.OnTracked"/> with <paramref name="token"/>; over TCP it is
    /// reported acknowledged at once, since the stream delivers it before anything sent later. Goes out at the next flush.
    /// </summary>
    /// <returns>The number of reports to expect (datagrams used), 0 when the link is closed.</returns>
    public abstract int SendTracked(ReadOnlySpan<byte> body, long token);

    /// <summary>Hands everything written since the last flush to the socket. Any thread.</summary>
    public abstract void Flush();

    /// <summary>Ends the link once; see the concrete links for what graceful means on each.</summary>
    /// <param name="info">Why.</param>
    /// <param name="notifyPeer">Whether the peer is told why.</param>
    /// <param name="abort">Whether to drop the socket at once, unsent data included.</param>
    /// <param name="here">Whether this side decided it (a kick, a violation, backpressure), rather than the peer (its
    /// notice, its end of stream) or the network: what the peer sent before still counts only when it did not.</param>
    public abstract void Close(DisconnectInfo info, bool notifyPeer, bool abort = false, bool here = true);

    /// <summary>
    /// The largest record (type index, length and body) a link of <paramref name="transport"/> sends: a TCP frame
    /// spends a byte on its kind, a UDP message is reassembled up to <c>MaxFrameBytes</c>.
    /// </summary>
    public static int MaxRecordBytes(NetTransport transport, int maxFrameBytes) =>
        transport == NetTransport.Tcp ? maxFrameBytes - 1 : maxFrameBytes;

    /// <summary>The size of a record of <paramref name="length"/> body bytes at <paramref name="typeIndex"/>.</summary>
    public static int RecordBytes(int typeIndex, int length) =>
        NetWriter.VarUIntSize((uint)typeIndex) + NetWriter.VarUIntSize((uint)length) + length;

    /// <summary>What a send of a record larger than <see cref="MaxRecordBytes"/> throws.</summary>
    public static ArgumentException RecordTooLarge(string what, int length, int maxFrameBytes) => new(
        $"A {what} of {length} bytes does not fit in MaxFrameBytes = {maxFrameBytes}: raise the option on both sides, or send less at once.",
        "message");

    /// <summary>Throws what a UDP send with <paramref name="delivery"/> on <paramref name="channel"/> would: a mode that is not one, a channel past <paramref name="maxChannels"/>.</summary>
    public static void RequireDelivery(Delivery delivery, byte channel, int maxChannels)
    {
        if ((uint)delivery > (uint)Delivery.ReliableOrdered)
        {
            throw new ArgumentOutOfRangeException(nameof(delivery), delivery, "Not a delivery mode.");
        }

        if (channel >= maxChannels)
        {
            throw new ArgumentOutOfRangeException(nameof(channel), channel, $"Channels go from 0 to MaxChannels - 1 ({maxChannels - 1}); raise MaxChannels on both sides for more.");
        }
    }
}

/// <summary>Makes the link of a new connection, given the connection that owns it.</summary>
internal delegate Link LinkFactory(ILinkOwner owner);
