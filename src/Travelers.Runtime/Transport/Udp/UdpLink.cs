using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Threading;
using Travelers.Messaging;

namespace Travelers.Transport.Udp;

/// <summary>Where a UDP link's datagrams go: the server's one socket (to an address) or the client's connected one.</summary>
internal interface IUdpSender
{
    /// <summary>
    /// How many datagrams one <see cref="SendSegments"/> call may carry: more than 1 where the kernel segments a
    /// send into datagrams (UDP generic segmentation offload), 1 elsewhere.
    /// </summary>
    int MaxSegments { get; }

    /// <summary>Sends one datagram now (or through the network simulator). Never throws for a send the OS refuses.</summary>
    void Send(ReadOnlySpan<byte> datagram, SocketAddress? address);

    /// <summary>
    /// Sends consecutive datagrams of exactly <paramref name="segmentSize"/> bytes each (the last may be shorter),
    /// at most <see cref="MaxSegments"/> of them, in one system call where the kernel can, one by one otherwise.
    /// </summary>
    void SendSegments(ReadOnlySpan<byte> segments, int segmentSize, SocketAddress? address);
}

/// <summary>The UDP settings a link needs, taken from the endpoint's options.</summary>
internal sealed record UdpLinkSettings(int Mtu, int MaxChannels, int MaxMessageBytes, long MaxUnsentBytes, long MaxHeldBytes, int MaxPacketsPerSecond);

/// <summary>
/// One UDP session: Travelers' reliability layer. Every datagram carries the session key, a 16-bit packet
/// sequence, and the acknowledgement of the newest packet received with a bitfield of the 32 before it
/// (reliable.io's scheme), so every packet acknowledges many and a lost acknowledgement is repaired by the next.
/// Units ride in packets: unreliable ones once; reliable ones (per channel, ordered or not, and the internal
/// control channel) until a packet holding them is acknowledged. A packet is declared lost when one sent three
/// later is acknowledged, or when a retransmission timeout (RFC 6298, from <see cref="Link.Rtt"/>) passes
/// without its acknowledgement; its reliable units are then sent again, and the per-packet delivery callback
/// learns the outcome of each packet either way. Messages above the MTU are split into fragments, reassembled
/// within bounds. A client's link also runs the connect exchange (request, cookie, welcome) before the session.
/// All state is guarded by one lock: sends come from any thread, datagrams from the socket's receive loop,
/// flushes from <c>Poll()</c> and the endpoint's service timer. Flushing seals datagrams into a queue under the
/// lock; the system calls happen after it is released (<see cref="Drain"/>), one thread at a time and in order,
/// so a send or an acknowledgement never waits for another thread's system call.
/// </summary>
internal sealed class UdpLink : Link, IUnitSink
{
    /// <summary>Where a thread gathers datagrams that leave in one segmented send.</summary>
    [ThreadStatic]
    private static byte[]? t_segments;

    /// <summary>
    /// Packets whose fate may still be unknown: the ring of their records starts at <see cref="InitialSentRing"/> and
    /// doubles as a fast sender's round trip holds more (at 1,024, a sender 250,000 datagrams a second over a 5 ms
    /// round trip had its packets reported lost before their acknowledgements could come).
    /// </summary>
    private const int MaxSentWindow = 8192;
    private const int InitialSentRing = 64;
    private const int ReceivedWindow = 1024;
    private const int PacketThreshold = 3;
    private const int DisconnectCopies = 3;
    private const int AckEvery = 16;
    private const int ReliableAckEvery = 4;
    private static readonly TimeSpan s_maxAckDelay = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan s_handshakeResend = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan s_linger = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan s_fragmentTimeout = TimeSpan.FromSeconds(5);

    private readonly LinkLock _lock = new();
    private readonly ILinkOwner _owner;
    private readonly IUdpSender _sender;
    private readonly SocketAddress? _address;
    private readonly TimeProvider _time;
    private readonly FramePool _frames;
    private readonly UdpLinkSettings _settings;
    private readonly Action<UdpLink>? _ended;
    private readonly int _maxUnitPayload;

    // Sending.
    private readonly ReliableSender?[] _senders;
    private readonly Queue<int> _activeSenders = new();
    private readonly bool[] _active;
    private readonly Queue<(int Slot, ushort Sequence, int Sends)> _inFlight = new();
    private readonly Queue<(int Slot, ushort Sequence)> _due = new();
    private SentPacket?[] _sent = new SentPacket?[InitialSentRing];
    private (int Slot, ushort Sequence)[] _unitLog = new (int, ushort)[1024];
    private long _logHead;
    private long _logTail;
    private readonly ushort[] _sequencedNext;
    private readonly CongestionControl _congestion;
    private readonly Queue<(byte[] Buffer, int Length)> _outgoing = new();
    private byte[]? _openBuffer;
    private byte[]? _staged;
    private int _stagedLength;
    private int _draining;
    private const int RecordSpare = 10; // room for a varint index and a varint length in front of a body in _scratch
    private byte[] _scratch = new byte[2048];
    private readonly Queue<(byte[] Datagram, int Length, long Token)> _ready = new();
    private byte[]? _filling;
    private int _fillingLength;
    private long _fillingToken;
    private long _readyBytes;
    private readonly StrongBox<long> _heldReliable = new(); // every reliable channel's, kept by the channels
    private readonly StrongBox<long> _heldReceived = new(); // what the receiving channels hold ahead of gaps, likewise
    private ushort _unreliableGroup;
    private ushort _packetSequence;
    private long _packetsSent; // _packetSequence not wrapped: what the peer's acknowledgements are read against
    private long _peerAck = -1; // the acknowledgement the newest packet received carried, as a _packetsSent number
    private ushort _oldestUnresolved;
    private long _latestAcked = -1; // the newest packet acknowledged, as a _packetsSent number: 16 bits compared across a long gap looked newer than every later one
    private bool _anyAckSeen;
    private ushort _lastAck;
    private uint _lastAckBits;
    private SentPacket? _open;
    private int _openLength;

    // Receiving.
    private readonly ReliableReceiver?[] _receivers;
    private readonly ushort[] _sequencedLast;
    private readonly bool[] _sequencedAny;
    private bool _applyingNewest; // the packet being applied is newer than every other received: its sequenced units are too
    private readonly int[] _received = new int[ReceivedWindow];
    private readonly Reassembly _reassembly;
    private ushort _remoteLatest;
    private uint _ackBits;
    private bool _anyReceived;
    private bool _ackPending;
    private bool _ackUrgent;
    private int _unackedPackets;
    private long _ackPendingSince;
    private byte[]? _batch;
    private int _batchLength;
    private double _receiveTokens;
    private long _lastTokenRefill;

    // A client's messages and snapshot parts that overtook the server's accept, in the order they came.
    private readonly Queue<(byte[] Buffer, int Length, bool Snapshot)> _early = new();
    private bool _awaitingAccept;
    private long _earlyBytes;

    // Life.
    private Phase _phase;
    private uint _key;
    private byte[]? _cookie;
    private readonly long _attempt; // a client's: when it began, in its connect responses
    private long _lastHandshakeSend = long.MinValue;
    private long _lingerUntil;
    private bool _notifyPeer;
    private bool _closeCalled;
    private bool _peerGone; // the peer said goodbye while Close was between its two steps: Close ends the session
    private bool _cutShort; // an abort came while Close was between its two steps: Close ends the session, no linger
    private DisconnectInfo _info;

    // Counters.
    private long _messagesWritten;
    private long _bytesSent;
    private long _bytesReceived;
    private long _sends;
    private long _receives;
    private long _resends;
    private long _lastReceive;
    private long _packetsAcked;
    private long _packetsLost;
    private double _loss;

    /// <summary>A link for one side of a session.</summary>
    /// <param name="owner">The connection above.</param>
    /// <param name="sender">Where datagrams go.</param>
    /// <param name="remote">The peer's address.</param>
    /// <param name="address">The peer's socket address (server side), null for a connected client socket.</param>
    /// <param name="key">The session key (server side: chosen when the cookie came back); 0 for a client, which learns it from the welcome.</param>
    /// <param name="settings">Sizes and limits.</param>
    /// <param name="time">The clock.</param>
    /// <param name="frames">Where received batches' buffers come from.</param>
    /// <param name="ended">Called once the link has ended (the server forgets the address).</param>
    public UdpLink(ILinkOwner owner, IUdpSender sender, IPEndPoint remote, SocketAddress? address, uint key, UdpLinkSettings settings, TimeProvider time, FramePool frames, Action<UdpLink>? ended = null)
        : base(new RttEstimator(TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(30), TimeSpan.FromSeconds(2)))
    {
        _owner = owner;
        _sender = sender;
        RemoteEndPoint = remote;
        _address = address;
        _key = key;
        _settings = settings;
        _time = time;
        _frames = frames;
        _ended = ended;
        _phase = key == 0 ? Phase.Requesting : Phase.Connected;
        _attempt = key == 0 ? time.GetUtcNow().UtcTicks : 0;
        _awaitingAccept = key == 0;
        _maxUnitPayload = settings.Mtu - UdpPacket.DataHeaderBytes - UdpPacket.ChecksumBytes - Unit.MaxHeaderBytes;
        int slots = (settings.MaxChannels * 2) + 1;
        _senders = new ReliableSender?[slots];
        _receivers = new ReliableReceiver?[slots];
        _active = new bool[slots];
        _sequencedNext = new ushort[settings.MaxChannels];
        _sequencedLast = new ushort[settings.MaxChannels];
        _sequencedAny = new bool[settings.MaxChannels];
        long now = time.GetTimestamp();
        _lastReceive = now;
        _lastTokenRefill = now;
        _receiveTokens = settings.MaxPacketsPerSecond;
        _congestion = new CongestionControl(settings.Mtu, Math.Max(settings.MaxUnsentBytes, 64L * settings.Mtu), now);
        _reassembly = new Reassembly(settings.MaxMessageBytes, _maxUnitPayload, settings.MaxHeldBytes, frames);
    }

    private enum Phase
    {
        /// <summary>Client: sending connect requests until a challenge comes.</summary>
        Requesting,

        /// <summary>Client: echoing the cookie until the welcome comes.</summary>
        Responding,

        /// <summary>The session is up.</summary>
        Connected,

        /// <summary>Closing: nothing new is sent; what was queued goes out and is acknowledged, or the linger ends.</summary>
        Lingering,

        /// <summary>Over.</summary>
        Ended,
    }

    /// <summary>Called with each data packet's sequence when its fate is known: acknowledged (true) or lost (false). Under the link's lock.</summary>
    public Action<ushort, bool>? PacketNotified { get; set; }

    /// <summary>The session key.</summary>
    public uint Key => Volatile.Read(ref _key);

    /// <summary>Server side: the attempt of the client the session was made for (its connect response's), set by the listener before the welcome.</summary>
    public long Attempt { get; set; }

    /// <summary>The peer's socket address (server side).</summary>
    public SocketAddress? Address => _address;

    /// <inheritdoc/>
    public override IPEndPoint RemoteEndPoint { get; }

    /// <inheritdoc/>
    public override long MessagesWritten => Interlocked.Read(ref _messagesWritten);

    /// <inheritdoc/>
    public override long BytesSent => Interlocked.Read(ref _bytesSent);

    /// <inheritdoc/>
    public override long BytesReceived => Interlocked.Read(ref _bytesReceived);

    /// <inheritdoc/>
    public override long Sends => Interlocked.Read(ref _sends);

    /// <inheritdoc/>
    public override long Receives => Interlocked.Read(ref _receives);

    /// <inheritdoc/>
    public override long Unsent
    {
        get
        {
            lock (_lock)
            {
                return HeldBytes;
            }
        }
    }

    /// <inheritdoc/>
    public override long Resends => Interlocked.Read(ref _resends);

    /// <inheritdoc/>
    public override double Loss => Volatile.Read(ref _loss);

    /// <inheritdoc/>
    public override long LastReceive => Interlocked.Read(ref _lastReceive);

    /// <inheritdoc/>
    public override bool IsClosing => Volatile.Read(ref _closeCalled);

    /// <inheritdoc/>
    public override bool Compresses => false;

    /// <inheritdoc/>
    public override bool CanCompress => false;

    /// <summary>Datagrams dropped as duplicates or too old.</summary>
    public long DuplicatePackets { get; private set; }

    /// <summary>Datagrams dropped by the per-connection rate limit.</summary>
    public long RateLimited { get; private set; }

    /// <summary>Datagrams dropped, unacknowledged, because the receiver had no room (flow control).</summary>
    public long Refused { get; private set; }

    /// <summary>Datagrams of this session with a wrong key.</summary>
    public long WrongKey { get; private set; }

    /// <summary>Incomplete fragmented messages dropped.</summary>
    public long FragmentsDropped => _reassembly.Dropped;

    /// <summary>Bytes held for reassembly of unreliable messages.</summary>
    public long ReassemblyBytes
    {
        get
        {
            lock (_lock)
            {
                return _reassembly.UnreliableBytes;
            }
        }
    }

    /// <summary>Bytes held for reassembly of reliable messages.</summary>
    public long ReliableReassemblyBytes
    {
        get
        {
            lock (_lock)
            {
                return _reassembly.ReliableBytes;
            }
        }
    }

    /// <summary>The congestion window, in bytes.</summary>
    public long CongestionWindow
    {
        get
        {
            lock (_lock)
            {
                return _congestion.Window;
            }
        }
    }

    /// <inheritdoc/>
    public override void EnableCompression(int threshold)
    {
        // Not over UDP: the server never agrees to it for a UDP session.
    }

    /// <inheritdoc/>
    public override void Start() => Flush();

    /// <summary>
    /// Queues one message (type index, length, body) with <paramref name="delivery"/> on <paramref name="channel"/>;
    /// it goes out at the next flush. Split into fragments if larger than a datagram's room.
    /// </summary>
    /// <returns>False when the link is closing (the message is dropped).</returns>
    public bool WriteMessage<T>(int typeIndex, in T message, NetLimits limits, Delivery delivery, byte channel)
        where T : INetMessage<T>
    {
        if ((uint)delivery > (uint)Delivery.ReliableOrdered || channel >= _settings.MaxChannels)
        {
            RequireDelivery(delivery, channel, _settings.MaxChannels); // the rules' one home; compared here first, inline, per send
        }

        bool overCap;
        lock (_lock)
        {
            if (_phase >= Phase.Lingering)
            {
                return false;
            }

            if (delivery != Delivery.Unreliable || !TryWriteInPlace(typeIndex, in message, limits, channel))
            {
                WriteThroughScratch(typeIndex, in message, limits, delivery, channel);
            }

            _messagesWritten++;
            overCap = HeldBytes > _settings.MaxUnsentBytes;
        }

        if (overCap)
        {
            CloseForBackpressure();
        }

        return true;
    }

    /// <summary>
    /// An unreliable message that fits the datagram being filled (or a fresh one) is serialized straight into it,
    /// behind room for its unit header sized from the type's usual size: no copy, no queue entry.
    /// </summary>
    /// <returns>False, having done nothing, when the message must take the general path.</returns>
    private bool TryWriteInPlace<T>(int typeIndex, in T message, NetLimits limits, byte channel)
        where T : INetMessage<T>
    {
        int hint = SizeHint<T>.Value;
        int indexBytes = NetWriter.VarUIntSize((uint)typeIndex);
        int reserved = 2 + NetWriter.VarUIntSize((uint)(indexBytes + 3 + hint)) + indexBytes + NetWriter.VarUIntSize((uint)hint);
        int limit = _settings.Mtu - UdpPacket.ChecksumBytes;
        if (reserved + hint > limit - UdpPacket.DataHeaderBytes)
        {
            return false; // a large message: it may need fragments
        }

        // A type of fixed size knows whether it fits. Another tries with room for its unit header and a byte: if it
        // is larger than what is left it spills and goes, through the general path, to the next datagram (once per
        // datagram). Deciding by its hint, the largest size seen, sent every message of a type once seen large in a
        // datagram of its own.
        int needed = T.PackedSize > 0 ? hint : 1;
        if (_filling is null || _fillingToken != 0 || _fillingLength + reserved + needed > limit)
        {
            NextFilling(0);
        }

        Span<byte> room = _filling.AsSpan(_fillingLength, limit - _fillingLength);
        int length = NetSerializer.SerializeSpilling(room[reserved..], in message, limits, out byte[]? spilled);
        SizeHint<T>.Observe(length);
        int bodyBytes = NetWriter.VarUIntSize((uint)length);
        int unitLength = indexBytes + bodyBytes + length;
        int header = 2 + NetWriter.VarUIntSize((uint)unitLength) + indexBytes + bodyBytes;
        if (spilled is not null || header + length > room.Length)
        {
            // Larger than the hint said, and it does not fit here: queued through the general path from its bytes.
            ReadOnlySpan<byte> body = spilled is not null ? spilled.AsSpan(0, length) : room.Slice(reserved, length);
            try
            {
                QueueRecord(typeof(T), typeIndex, body, Delivery.Unreliable, channel);
            }
            finally
            {
                if (spilled is not null)
                {
                    ArrayPool<byte>.Shared.Return(spilled);
                }
            }

            return true;
        }

        if (header != reserved)
        {
            room.Slice(reserved, length).CopyTo(room[header..]); // a varint of another size than the hint's: the body moves
        }

        // The unit header of Unit.WriteHeader for an unfragmented unreliable unit, then the record's index and length.
        room[0] = (byte)Delivery.Unreliable;
        room[1] = channel;
        int at = 2 + NetWriter.WriteVarUInt(room[2..], (uint)unitLength);
        at += NetWriter.WriteVarUInt(room[at..], (uint)typeIndex);
        NetWriter.WriteVarUInt(room[at..], (uint)length);
        _fillingLength += header + length;
        _readyBytes += header + length;
        return true;
    }

    /// <summary>The general path: serialized into the scratch buffer, then queued (fragmented if need be).</summary>
    private void WriteThroughScratch<T>(int typeIndex, in T message, NetLimits limits, Delivery delivery, byte channel)
        where T : INetMessage<T>
    {
        int length = NetSerializer.SerializeSpilling(_scratch.AsSpan(RecordSpare), in message, limits, out byte[]? spilled);
        try
        {
            if (spilled is null)
            {
                QueueRecordAt(typeof(T), typeIndex, _scratch, length, delivery, channel);
            }
            else
            {
                QueueRecord(typeof(T), typeIndex, spilled.AsSpan(0, length), delivery, channel);
            }
        }
        finally
        {
            if (spilled is not null)
            {
                ArrayPool<byte>.Shared.Return(spilled);
            }

            if (_scratch.Length < RecordSpare + length && length <= 64 * 1024)
            {
                _scratch = new byte[RecordSpare + length]; // the next message of this size fits without spilling
            }
        }
    }

    /// <summary>Queues the record of a body held elsewhere, built in the scratch buffer (or a pooled one when larger).</summary>
    private void QueueRecord(Type type, int typeIndex, ReadOnlySpan<byte> body, Delivery delivery, byte channel)
    {
        if (_scratch.Length >= RecordSpare + body.Length)
        {
            body.CopyTo(_scratch.AsSpan(RecordSpare));
            QueueRecordAt(type, typeIndex, _scratch, body.Length, delivery, channel);
            return;
        }

        byte[] whole = ArrayPool<byte>.Shared.Rent(RecordSpare + body.Length);
        try
        {
            body.CopyTo(whole.AsSpan(RecordSpare));
            QueueRecordAt(type, typeIndex, whole, body.Length, delivery, channel);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(whole);
        }
    }

    /// <summary>Queues the record whose body sits in <paramref name="buffer"/> at <see cref="RecordSpare"/>: its index and length go in front.</summary>
    private void QueueRecordAt(Type type, int typeIndex, byte[] buffer, int length, Delivery delivery, byte channel)
    {
        int indexBytes = NetWriter.VarUIntSize((uint)typeIndex);
        int lengthBytes = NetWriter.VarUIntSize((uint)length);
        int record = indexBytes + lengthBytes + length;
        if (record > MaxRecordBytes(NetTransport.Udp, _settings.MaxMessageBytes))
        {
            throw RecordTooLarge(type.Name, length, _settings.MaxMessageBytes);
        }

        Span<byte> bytes = buffer.AsSpan(RecordSpare - indexBytes - lengthBytes, record);
        int at = NetWriter.WriteVarUInt(bytes, (uint)typeIndex);
        NetWriter.WriteVarUInt(bytes[at..], (uint)length);
        Queue(bytes, delivery, channel, control: false);
    }

    /// <summary>
    /// Sends a control message: heartbeats unreliably, everything else (hello, accept, refuse) reliably and in
    /// order on the control channel. Flushed at once.
    /// </summary>
    public override bool SendControl(FrameKind kind, ReadOnlySpan<byte> body)
    {
        bool ended;
        lock (_lock)
        {
            if (_phase >= Phase.Lingering && kind is not (FrameKind.Refuse or FrameKind.Pong))
            {
                return false;
            }

            byte[] unit = ArrayPool<byte>.Shared.Rent(body.Length + 1);
            try
            {
                unit[0] = (byte)kind;
                body.CopyTo(unit.AsSpan(1));
                bool reliable = kind is not (FrameKind.Ping or FrameKind.Pong);
                Queue(unit.AsSpan(0, body.Length + 1), reliable ? Delivery.ReliableOrdered : Delivery.Unreliable, 0, control: true);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(unit);
            }

            // A pong answers pings while the link lingers: this flush can be the one that ends the linger, and then
            // it must finish the session, or nothing would (the phase is Ended; later flushes do nothing).
            ended = FlushLocked();
        }

        Drain();
        if (ended)
        {
            Finish();
        }

        return true;
    }

    /// <inheritdoc/>
    public override int MaxTrackedBytes => _maxUnitPayload - 1;

    /// <inheritdoc/>
    public override int SendTracked(ReadOnlySpan<byte> body, long token)
    {
        lock (_lock)
        {
            if (_phase >= Phase.Lingering)
            {
                return 0;
            }

            byte[] unit = ArrayPool<byte>.Shared.Rent(body.Length + 1);
            try
            {
                unit[0] = (byte)FrameKind.Snapshot;
                body.CopyTo(unit.AsSpan(1));
                return Queue(unit.AsSpan(0, body.Length + 1), Delivery.Unreliable, 0, control: true, token);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(unit);
            }
        }
    }

    /// <summary>
    /// Sends what is due: the connect exchange (client, before the session), units declared lost or past their
    /// timeout, new units within the congestion window, and an acknowledgement if one is owed. Any thread.
    /// </summary>
    public override void Flush()
    {
        bool ended;
        lock (_lock)
        {
            ended = FlushLocked();
        }

        Drain();
        if (ended)
        {
            Finish();
        }
    }

    /// <summary>
    /// Ends the session once. Gracefully: nothing new is accepted, what was queued is sent until acknowledged
    /// (for at most the linger time), then the peer is told why with a disconnect notice sent several times.
    /// Aborting (or a peer that already said goodbye) ends it at once; aborting a graceful close already under way
    /// cuts its linger short (a stop whose wait was cancelled): what is unacknowledged is dropped, the notice still goes.
    /// </summary>
    public override void Close(DisconnectInfo info, bool notifyPeer, bool abort = false, bool here = true)
    {
        bool cut;
        lock (_lock)
        {
            if (_closeCalled)
            {
                // An abort after the graceful close began (a stop whose wait was cancelled): the linger is cut short.
                cut = abort && CutShortLocked();
                if (!cut)
                {
                    return;
                }
            }
            else
            {
                cut = false;
                _closeCalled = true;
                _info = info;
                _notifyPeer = notifyPeer && !abort && _phase == Phase.Connected;
            }
        }

        if (cut)
        {
            // The linger ended here: this call finishes the session, as a flush that ends one would.
            Drain();
            Finish();
            return;
        }

        _owner.OnClosing(this, info, here);
        bool ended;
        lock (_lock)
        {
            if (abort || _phase != Phase.Connected || _peerGone || _cutShort)
            {
                _phase = Phase.Ended;
                ended = true;
            }
            else
            {
                _phase = Phase.Lingering;
                _lingerUntil = _time.GetTimestamp() + (long)(s_linger.TotalSeconds * _time.TimestampFrequency);
                ended = FlushLocked();
            }
        }

        Drain();
        if (ended)
        {
            Finish();
        }
    }

    /// <summary>
    /// An abort after the graceful close began: a linger ends now, and a close still between its two steps ends at
    /// its second instead of lingering. Under the lock.
    /// </summary>
    /// <returns>True when a linger ended here: the caller finishes the session.</returns>
    private bool CutShortLocked()
    {
        _cutShort = true;
        if (_phase != Phase.Lingering)
        {
            return false;
        }

        _phase = Phase.Ended;
        return true;
    }

    /// <summary>
    /// A datagram for this session (its checksum already verified, its type one a link handles). Runs on the
    /// socket's receive loop.
    /// </summary>
    public void Receive(ReadOnlySpan<byte> datagram)
    {
        bool ended = false;
        DisconnectInfo? closeWith = null;
        bool notify = false;
        lock (_lock)
        {
            if (_phase == Phase.Ended)
            {
                return;
            }

            ReadOnlySpan<byte> body = datagram[..^UdpPacket.ChecksumBytes];
            long now = _time.GetTimestamp();
            switch (UdpPacket.TypeOf(body[0]))
            {
                case PacketType.Challenge when _phase == Phase.Requesting && body.Length == 1 + UdpPacket.CookieBytes:
                    _cookie = body[1..].ToArray();
                    _phase = Phase.Responding;
                    _lastHandshakeSend = long.MinValue;
                    Heard(datagram.Length, now);
                    ended = FlushLocked();
                    break;
                case PacketType.Welcome when _phase == Phase.Responding && body.Length == 5:
                    uint key = BinaryPrimitives.ReadUInt32LittleEndian(body[1..]);
                    if (key == 0)
                    {
                        return;
                    }

                    Volatile.Write(ref _key, key);
                    _phase = Phase.Connected;
                    Heard(datagram.Length, now);
                    ended = FlushLocked();
                    break;
                case PacketType.Reject when _phase is Phase.Requesting or Phase.Responding:
                    Heard(datagram.Length, now);
                    closeWith = ReadNotice(body[1..]);
                    break;
                case PacketType.Disconnect when _phase >= Phase.Connected && body.Length >= 5 && BinaryPrimitives.ReadUInt32LittleEndian(body[1..]) == _key:
                    Heard(datagram.Length, now);
                    if (_closeCalled)
                    {
                        // Closing here too: the peer is gone, so there is nothing left to wait for, nor to tell it.
                        _notifyPeer = false;
                        if (_phase == Phase.Lingering)
                        {
                            _phase = Phase.Ended;
                            ended = true;
                        }
                        else
                        {
                            // Close has not reached its second step (it is telling the owner): ending here would
                            // finish the session twice, the first time before the owner heard of the close.
                            _peerGone = true;
                        }
                    }
                    else
                    {
                        closeWith = ReadNotice(body[5..]);
                    }

                    break;
                case PacketType.Data when _phase >= Phase.Connected && body.Length >= UdpPacket.DataHeaderBytes:
                    if (BinaryPrimitives.ReadUInt32LittleEndian(body[1..]) != _key)
                    {
                        WrongKey++;
                        return;
                    }

                    try
                    {
                        ReceiveData(body, datagram.Length, now);
                    }
                    catch (NetProtocolException e)
                    {
                        closeWith = new DisconnectInfo(DisconnectReason.ProtocolViolation, e.Message);
                        notify = true;
                        break;
                    }

                    // Answer from here, not at the next tick: every fourth packet with reliable units (a streaming
                    // sender's window moves on: QUIC acknowledges every second, and at that rate the acknowledgements
                    // cost the two sides as much CPU as the data; a lone request's acknowledgement rides on its reply
                    // instead of costing a datagram of its own), every sixteenth of an unreliable burst (one acknowledgement
                    // covers 33 packets, so each is covered twice and one lost acknowledgement costs nothing), and
                    // units the acknowledgements just made room for.
                    if ((_ackUrgent && _unackedPackets >= ReliableAckEvery) || _unackedPackets >= AckEvery || HasWork)
                    {
                        ended = FlushLocked();
                    }

                    break;
                default:
                    return; // a stray handshake packet (a resend crossing the answer), or one for another phase
            }
        }

        Drain();
        if (closeWith is { } info)
        {
            // Refused, told goodbye (nothing to linger for: the peer is gone), or a protocol violation (told why):
            // only the violation is this side's decision.
            Close(info, notifyPeer: notify, abort: !notify, here: notify);
        }
        else if (ended)
        {
            Finish();
        }
    }

    /// <summary>A client's datagram from an address the server already has a session for: the welcome again, if the cookie was echoed again.</summary>
    public void Rewelcome()
    {
        lock (_lock)
        {
            if (_phase == Phase.Connected)
            {
                SendWelcome();
            }
        }

        Drain();
    }

    /// <summary>The server's first words to a new session.</summary>
    public void SendWelcome()
    {
        lock (_lock)
        {
            Span<byte> welcome = stackalloc byte[5 + UdpPacket.ChecksumBytes];
            welcome[0] = (byte)PacketType.Welcome;
            BinaryPrimitives.WriteUInt32LittleEndian(welcome[1..], _key);
            SendDatagram(welcome[..UdpPacket.Seal(welcome, 5)]);
        }

        Drain();
    }

    /// <inheritdoc/>
    void IUnitSink.Deliver(in Unit unit, ReadOnlySpan<byte> payload)
    {
        if (unit.Fragment)
        {
            ushort key = unit.IsReliable ? (ushort)(unit.Sequence - unit.Index) : unit.Sequence;
            if (unit.Delivery == Delivery.UnreliableSequenced && !_applyingNewest && _sequencedAny[unit.Channel] && !Sequence.IsNewer(unit.Sequence, _sequencedLast[unit.Channel]))
            {
                return; // a piece of a message older than one already delivered
            }

            byte[]? whole = _reassembly.Add(unit, payload, key, _time.GetTimestamp(), _frames, out int length);
            if (whole is null)
            {
                return;
            }

            if (unit.Delivery == Delivery.UnreliableSequenced)
            {
                _sequencedLast[unit.Channel] = unit.Sequence;
                _sequencedAny[unit.Channel] = true;
            }

            if (unit.Control)
            {
                try
                {
                    DeliverControl(whole.AsSpan(0, length));
                }
                finally
                {
                    _frames.Return(whole);
                }

                return;
            }

            // The whole message goes up as its own batch, after what this packet released before it.
            PushBatch();
            HandUp(whole, length);
            return;
        }

        if (unit.Delivery == Delivery.ReliableOrdered)
        {
            _reassembly.RequireNoneBegun(unit.Channel, unit.Control);
        }
        else if (unit.Delivery == Delivery.UnreliableSequenced && !unit.Control)
        {
            if (!_applyingNewest && _sequencedAny[unit.Channel] && !Sequence.IsNewer(unit.Sequence, _sequencedLast[unit.Channel]))
            {
                return; // older than one already delivered: a sequenced channel never goes back
            }

            _sequencedLast[unit.Channel] = unit.Sequence;
            _sequencedAny[unit.Channel] = true;
        }

        if (unit.Control)
        {
            DeliverControl(payload);
            return;
        }

        Stage(payload);
    }

    /// <summary>Appends a message record to the batch being built for the connection, starting another when it is full.</summary>
    private void Stage(ReadOnlySpan<byte> record)
    {
        if (_batch is null || _batch.Length - _batchLength < record.Length)
        {
            PushBatch();
            _batch = _frames.Rent(Math.Max(record.Length, _settings.Mtu));
        }

        record.CopyTo(_batch.AsSpan(_batchLength));
        _batchLength += record.Length;
    }

    /// <summary>Bytes queued and unacknowledged, which <see cref="UdpLinkSettings.MaxUnsentBytes"/> caps.</summary>
    private long HeldBytes => _readyBytes + _heldReliable.Value;

    private void DeliverControl(ReadOnlySpan<byte> payload)
    {
        PushBatch();
        var kind = (FrameKind)payload[0];
        if (kind is FrameKind.Messages or FrameKind.CompressedMessages or FrameKind.Disconnect)
        {
            throw new NetProtocolException($"a {kind} control message");
        }

        if (kind == FrameKind.Snapshot && _awaitingAccept)
        {
            // Taken in (its packet is acknowledged), so the server counts it delivered: dropped here, what it spawned
            // would never come again. It waits for the accept as messages do.
            byte[] part = _frames.Rent(Math.Max(payload.Length - 1, 1));
            payload[1..].CopyTo(part);
            HoldEarly(part, payload.Length - 1, snapshot: true);
            return;
        }

        // The body is copied: the owner may keep a sequence past this call (it does not today, but the contract is TCP's).
        byte[] copy = ArrayPool<byte>.Shared.Rent(payload.Length);
        try
        {
            payload[1..].CopyTo(copy);
            _owner.OnFrame(this, kind, new ReadOnlySequence<byte>(copy, 0, payload.Length - 1));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(copy);
        }

        if (kind == FrameKind.Accept && _awaitingAccept)
        {
            // Open now: what overtook the accept goes up first, in the order it came.
            _awaitingAccept = false;
            while (_early.TryDequeue(out (byte[] Buffer, int Length, bool Snapshot) early))
            {
                if (!early.Snapshot)
                {
                    _owner.OnBatch(this, early.Buffer, early.Length); // the owner's now
                    continue;
                }

                try
                {
                    _owner.OnFrame(this, FrameKind.Snapshot, new ReadOnlySequence<byte>(early.Buffer, 0, early.Length));
                }
                finally
                {
                    _frames.Return(early.Buffer);
                }
            }

            _earlyBytes = 0;
        }
    }

    private void PushBatch()
    {
        if (_batch is null)
        {
            return;
        }

        byte[] batch = _batch;
        int length = _batchLength;
        _batch = null;
        _batchLength = 0;
        if (length == 0)
        {
            _frames.Return(batch);
            return;
        }

        HandUp(batch, length);
    }

    /// <summary>
    /// Hands a batch to the connection; on a client before the server's accept has been delivered, holds it
    /// instead. The accept travels on the control channel and the server's first messages on others, so over a
    /// lossy path they may overtake it; they are the game's once the connection is open, not a violation.
    /// </summary>
    private void HandUp(byte[] batch, int length)
    {
        if (!_awaitingAccept)
        {
            _owner.OnBatch(this, batch, length);
            return;
        }

        HoldEarly(batch, length, snapshot: false);
    }

    /// <summary>Holds a batch or snapshot part (in a buffer of <see cref="_frames"/>) until the accept, within the bound.</summary>
    private void HoldEarly(byte[] buffer, int length, bool snapshot)
    {
        _earlyBytes += FramePool.HeldCost(buffer); // the buffer held, not the bytes in it: a batch of one byte holds an Mtu
        if (_earlyBytes > _settings.MaxHeldBytes)
        {
            _frames.Return(buffer);
            throw new NetProtocolException($"more than {_settings.MaxHeldBytes} bytes of messages before the handshake completed");
        }

        _early.Enqueue((buffer, length, snapshot));
    }

    private void ReceiveData(ReadOnlySpan<byte> body, int datagramBytes, long now)
    {
        // The per-connection rate limit comes first: a flooding peer costs a token check per datagram. A datagram
        // larger than this side's Mtu (a peer's may be larger; the socket reads up to 64 KB) takes a token per Mtu it
        // spans, so that the limit bounds bytes as well as datagrams.
        double elapsed = (now - _lastTokenRefill) / (double)_time.TimestampFrequency;
        _lastTokenRefill = now;
        _receiveTokens = Math.Min(_settings.MaxPacketsPerSecond, _receiveTokens + (elapsed * _settings.MaxPacketsPerSecond));
        int cost = datagramBytes <= _settings.Mtu ? 1 : 1 + ((datagramBytes - 1) / _settings.Mtu);
        if (_receiveTokens < cost)
        {
            RateLimited++;
            return;
        }

        _receiveTokens -= cost;

        // A stranger in its handshake is held to less than an open connection (see ILinkOwner.HandshakeLimit).
        int stranger = HandshakeLimit(_owner);
        _reassembly.Limit = stranger;
        ushort sequence = BinaryPrimitives.ReadUInt16LittleEndian(body[5..]);
        ushort ack = BinaryPrimitives.ReadUInt16LittleEndian(body[7..]);
        uint ackBits = BinaryPrimitives.ReadUInt32LittleEndian(body[9..]);
        long peerAck = -1;
        if ((body[0] & UdpPacket.AckFlag) != 0)
        {
            peerAck = SentNumberOf(ack);
        }

        // The other way round, a packet more than half the sequence space newer (the peer's packets all lost for a
        // while, at its rate) looks too old to take, and so did every one after it until the sequence came round again.
        // Its acknowledgement tells it apart too: newer than the newest packet's, it was sent after that packet.
        bool jumped = _anyReceived && Sequence.Diff(_remoteLatest, sequence) >= ReceivedWindow && _peerAck >= 0 && peerAck > _peerAck;
        if (_anyReceived && !jumped && (Sequence.Diff(_remoteLatest, sequence) >= ReceivedWindow || _received[sequence % ReceivedWindow] == sequence + 1))
        {
            DuplicatePackets++;
            return;
        }

        // A packet more than half the sequence space old looks newer than the newest: taken as such, it delivered its
        // messages again and moved the newest back, and everything after it then looked old. What tells it apart is
        // its acknowledgement: the peer's only move forward, so a newer packet never carries an older one.
        bool newest = !_anyReceived || jumped || Sequence.Diff(sequence, _remoteLatest) > 0;
        if (newest && _peerAck >= 0 && peerAck < _peerAck)
        {
            DuplicatePackets++;
            return;
        }

        // Check every unit before applying any: a malformed one fails the whole packet, and a packet this side
        // cannot take now is dropped whole and left unacknowledged, so the peer sends it again later. Plain
        // unreliable units (the bulk of a game's traffic) are staged into the batch as they are checked, so a
        // packet of nothing else is read once; the staging is undone if the packet fails or is refused.
        ReadOnlySpan<byte> units = body[UdpPacket.DataHeaderBytes..];
        int offset = 0;
        long hold = 0;
        bool any = false;
        bool urgent = false;
        bool plainOnly = true;
        int runSlot = -1; // the ordered channel whose units this packet delivers in a run so far, and the run's next
        ushort runNext = 0;
        string? violation = null;
        while (offset < units.Length)
        {
            if (units[offset] == Unit.PaddingFlag)
            {
                units = units[..offset]; // the rest is padding: the second pass stops here too
                break;
            }

            int start = offset;
            if (!Unit.TryRead(units, ref offset, out Unit unit, out ReadOnlySpan<byte> payload))
            {
                violation = $"a malformed unit at byte {UdpPacket.DataHeaderBytes + start} of a data packet";
                break;
            }

            any = true;
            // Only reliable units are acknowledged at once: snapshot parts and heartbeats wait for the next packet
            // going back (or the delay), as other unreliable units do, rather than cost a datagram each.
            urgent |= unit.IsReliable;
            if (!unit.Control && unit.Channel >= _settings.MaxChannels)
            {
                violation = $"a unit on channel {unit.Channel} (this side has {_settings.MaxChannels})";
                break;
            }

            if (unit.Control && unit.Delivery is not (Delivery.Unreliable or Delivery.ReliableOrdered))
            {
                violation = $"a control unit sent {unit.Delivery}";
                break;
            }

            // Staged only while the batch has room: a full one would be handed up before the rest of the packet was
            // checked (a datagram larger than an Mtu can fill it). Past that, the second pass stages it all.
            if (plainOnly && unit.Delivery == Delivery.Unreliable && !unit.Control && !unit.Fragment
                && (_batch is null || _batch.Length - _batchLength >= payload.Length))
            {
                Stage(payload);
                continue;
            }

            plainOnly = false;
            if (unit.IsReliable)
            {
                // A unit right behind one this packet delivers is delivered too, not held: a lost packet's units come
                // back together, and counting all but the first as held refused, for ever, the one packet that frees room.
                int slot = SlotOf(unit);
                bool follows = slot == runSlot && unit.Sequence == runNext;
                switch (Receiver(unit).Judge(unit.Sequence))
                {
                    case UnitVerdict.OutOfWindow:
                        violation = $"reliable unit {unit.Sequence} beyond the receive window";
                        break;
                    case UnitVerdict.Deliver:
                        (runSlot, runNext) = (slot, (ushort)(unit.Sequence + 1));
                        break;
                    case UnitVerdict.Hold or UnitVerdict.Duplicate when follows:
                        runNext++; // a held one is released behind it as well
                        break;
                    case UnitVerdict.Hold:
                        hold += unit.Length;
                        break;
                }

                if (violation is not null)
                {
                    break;
                }
            }
        }

        if (violation is not null)
        {
            _batchLength = 0; // nothing of a malformed packet goes up
            throw new NetProtocolException(violation);
        }

        if (!plainOnly)
        {
            _batchLength = 0; // read again, in order, below
        }

        if (any && (!_owner.HasReceiveRoom || HeldReceiveBytes + hold > (stranger > 0 ? stranger : _settings.MaxHeldBytes)))
        {
            _batchLength = 0;
            Refused++;
            return;
        }

        Heard(datagramBytes, now);
        MarkReceived(sequence, jumped);
        if (newest && peerAck >= 0)
        {
            _peerAck = peerAck;
        }
        if ((body[0] & UdpPacket.AckFlag) != 0)
        {
            Acknowledged(ack, ackBits, now);
        }

        if (!any)
        {
            return;
        }

        if (!_ackPending)
        {
            _ackPending = true;
            _ackPendingSince = now;
        }

        _ackUrgent |= urgent;
        _unackedPackets++;
        if (plainOnly)
        {
            PushBatch(); // every unit is in the batch already
            return;
        }

        // Unreliable units go out in the order they were written, so a packet newer than all before it carries sequenced
        // units newer than any delivered: compared by their 16 bits alone, a channel whose messages were all lost for
        // more than half that space (a fast channel through an outage) dropped the next ones until it came round again.
        _applyingNewest = newest;
        offset = 0;
        try
        {
            while (offset < units.Length)
            {
                Unit.TryRead(units, ref offset, out Unit unit, out ReadOnlySpan<byte> payload);
                if (unit.IsReliable)
                {
                    Receiver(unit).Accept(unit, payload, this);
                }
                else
                {
                    ((IUnitSink)this).Deliver(unit, payload);
                }

                if (_phase == Phase.Ended)
                {
                    break;
                }
            }
        }
        finally
        {
            PushBatch();
        }
    }

    /// <summary>Bytes the reliable channels hold ahead of a gap, kept by the channels.</summary>
    private long HeldReceiveBytes => _heldReceived.Value;

    private ReliableReceiver Receiver(in Unit unit)
    {
        int slot = SlotOf(unit);
        return _receivers[slot] ??= new ReliableReceiver(unit.Delivery == Delivery.ReliableOrdered, _frames, _heldReceived);
    }

    private int SlotOf(in Unit unit) => unit.Control ? _senders.Length - 1 : (unit.Channel * 2) + (unit.Delivery == Delivery.ReliableOrdered ? 1 : 0);

    private void Heard(int bytes, long now)
    {
        Interlocked.Add(ref _bytesReceived, bytes);
        Interlocked.Increment(ref _receives);
        Interlocked.Exchange(ref _lastReceive, now);
    }

    /// <summary>The newest packet sent whose sequence is <paramref name="sequence"/>, numbered from the first (-1 before any): a peer acknowledges only what was sent.</summary>
    private long SentNumberOf(ushort sequence)
    {
        long last = _packetsSent - 1;
        return last < 0 ? -1 : last - (ushort)((ushort)last - sequence);
    }

    private void MarkReceived(ushort sequence, bool jumped)
    {
        _received[sequence % ReceivedWindow] = sequence + 1;
        if (!_anyReceived || jumped)
        {
            _anyReceived = true;
            _remoteLatest = sequence;
            _ackBits = 0;
            return;
        }

        int ahead = Sequence.Diff(sequence, _remoteLatest);
        if (ahead > 0)
        {
            _ackBits = ahead >= 32 ? (ahead == 32 ? 1u << 31 : 0) : (_ackBits << ahead) | (1u << (ahead - 1));
            _remoteLatest = sequence;
        }
        else if (ahead < 0 && -ahead <= 32)
        {
            _ackBits |= 1u << (-ahead - 1);
        }
    }

    private void Acknowledged(ushort ack, uint bits, long now)
    {
        // Every packet repeats the newest acknowledgement until a newer one: the same again changes nothing.
        if (_anyAckSeen && ack == _lastAck && bits == _lastAckBits)
        {
            return;
        }

        _anyAckSeen = true;
        _lastAck = ack;
        _lastAckBits = bits;
        SentPacket? newest = FindSent(ack);
        if (newest is null)
        {
            // An acknowledgement of a packet never sent (or a whole window ago): ignore it rather than trust its bits.
            return;
        }

        _latestAcked = Math.Max(_latestAcked, SentNumberOf(ack));
        if (!newest.Resolved)
        {
            if (newest.ReliableBytes > 0)
            {
                // Only packets with reliable units are acknowledged at once: their round trips are the path's,
                // not an acknowledgement's deliberate delay.
                Rtt.Add(TimeSpan.FromSeconds((now - newest.SentAt) / (double)_time.TimestampFrequency));
            }

            Resolve(newest, acked: true, now);
        }

        for (int i = 0; i < 32; i++)
        {
            if ((bits & (1u << i)) != 0 && FindSent((ushort)(ack - 1 - i)) is { Resolved: false } packet)
            {
                Resolve(packet, acked: true, now);
            }
        }

        DetectLosses(now);
    }

    private SentPacket? FindSent(ushort sequence)
    {
        SentPacket? packet = _sent[sequence & (_sent.Length - 1)];
        return packet is { InUse: true } && packet.Sequence == sequence && Sequence.Diff(_packetSequence, sequence) > 0 ? packet : null;
    }

    /// <summary>
    /// Declares lost what is past the packet threshold behind the newest acknowledgement, or past its timeout: 1.5
    /// retransmission timeouts plus the delay the peer may take to acknowledge a packet of unreliable units
    /// (QUIC's probe timeout adds max_ack_delay the same way), or a lone snapshot part that arrived would be
    /// reported lost before its acknowledgement could come.
    /// </summary>
    private void DetectLosses(long now)
    {
        long timeout = (long)(Rtt.Rto.TotalSeconds * _time.TimestampFrequency * 1.5) + MaxAckDelayTicks;
        while (_oldestUnresolved != _packetSequence)
        {
            SentPacket? packet = FindSent(_oldestUnresolved);
            if (packet is { Resolved: false })
            {
                bool passed = _latestAcked >= 0 && _latestAcked - SentNumberOf(packet.Sequence) >= PacketThreshold;
                if (!passed && now - packet.SentAt <= timeout)
                {
                    break;
                }

                Resolve(packet, acked: false, now);
            }

            _oldestUnresolved++;
        }

        // The unit log's entries before the oldest unresolved packet are read no more.
        _logHead = FindSent(_oldestUnresolved) is { } oldest ? oldest.LogStart : _logTail;
    }

    private void Resolve(SentPacket packet, bool acked, long now)
    {
        packet.Resolved = true;
        for (int i = 0; i < packet.UnitCount; i++)
        {
            (int slot, ushort sequence) = _unitLog[(packet.LogStart + i) & (_unitLog.Length - 1)];
            ReliableSender sender = _senders[slot]!;
            if (acked)
            {
                sender.Acknowledge(sequence);
            }
            else if (sender.Find(sequence) is { } unit && unit.LastPacket == packet.Sequence)
            {
                _due.Enqueue((slot, sequence));
            }
        }

        if (packet.ReliableBytes > 0)
        {
            if (acked)
            {
                _congestion.OnAcknowledged(packet.ReliableBytes);
            }
            else
            {
                _congestion.OnLost(packet.ReliableBytes, now, SrttTicks);
            }
        }

        if (acked)
        {
            _packetsAcked++;
        }
        else
        {
            _packetsLost++;
        }

        // An exponential average over about the last hundred packets.
        Volatile.Write(ref _loss, (_loss * 0.99) + (acked ? 0 : 0.01));
        PacketNotified?.Invoke(packet.Sequence, acked);
        if (packet.Token != 0)
        {
            _owner.OnTracked(this, packet.Token, acked);
        }
    }

    private long MaxAckDelayTicks => (long)(s_maxAckDelay.TotalSeconds * _time.TimestampFrequency);

    private long SrttTicks => (long)((Rtt.Smoothed == TimeSpan.Zero ? Rtt.Rto : Rtt.Smoothed).TotalSeconds * _time.TimestampFrequency);

    /// <summary>Queues <paramref name="bytes"/> (a record, or a control message) as one unit or as fragments.</summary>
    private int Queue(ReadOnlySpan<byte> bytes, Delivery delivery, byte channel, bool control, long token = 0)
    {
        int pieces = bytes.Length <= _maxUnitPayload ? 1 : (bytes.Length + _maxUnitPayload - 1) / _maxUnitPayload;
        bool fragment = pieces > 1;
        ushort sequence = 0;
        if (delivery == Delivery.UnreliableSequenced)
        {
            sequence = _sequencedNext[channel]++;
        }
        else if (delivery == Delivery.Unreliable && fragment)
        {
            sequence = _unreliableGroup++;
        }

        int slot = control ? _senders.Length - 1 : (channel * 2) + (delivery == Delivery.ReliableOrdered ? 1 : 0);
        for (int i = 0; i < pieces; i++)
        {
            ReadOnlySpan<byte> piece = bytes.Slice(i * _maxUnitPayload, Math.Min(_maxUnitPayload, bytes.Length - (i * _maxUnitPayload)));
            var unit = new Unit(delivery, control, channel, sequence, fragment, (ushort)i, (ushort)(fragment ? pieces : 0), piece.Length);
            if (delivery >= Delivery.ReliableUnordered)
            {
                ReliableSender sender = _senders[slot] ??= new ReliableSender(slot, _frames, _heldReliable);
                sender.Enqueue(piece, unit);
                if (!_active[slot])
                {
                    _active[slot] = true;
                    _activeSenders.Enqueue(slot);
                }
            }
            else
            {
                // Unreliable units go straight into the datagram that will carry them, behind room for its header.
                // A tracked body's pieces travel in datagrams of their own, whose fate is reported with its token.
                int needed = unit.HeaderBytes + piece.Length;
                if (_filling is null || _fillingToken != token || _fillingLength + needed > _settings.Mtu - UdpPacket.ChecksumBytes)
                {
                    NextFilling(token);
                }

                int at = _fillingLength + unit.WriteHeader(_filling.AsSpan(_fillingLength));
                piece.CopyTo(_filling.AsSpan(at));
                _fillingLength = at + piece.Length;
                _readyBytes += needed;
            }
        }

        return pieces;
    }

    /// <summary>Seals what is due into the outgoing queue; the caller drains it once the lock is released.</summary>
    /// <summary>Closes the datagram being filled with unreliable units (if any) and opens a fresh one for units with <paramref name="token"/>.</summary>
    [MemberNotNull(nameof(_filling))]
    private void NextFilling(long token)
    {
        if (_filling is not null)
        {
            _ready.Enqueue((_filling, _fillingLength, _fillingToken));
        }

        _filling = _frames.Rent(_settings.Mtu);
        _fillingLength = UdpPacket.DataHeaderBytes;
        _fillingToken = token;
    }

    /// <returns>True when the link has just ended (the caller finishes it outside the lock).</returns>
    private bool FlushLocked()
    {
        bool ended = FlushCore();
        SealStaged(pad: false);
        return ended;
    }

    private bool FlushCore()
    {
        long now = _time.GetTimestamp();
        switch (_phase)
        {
            case Phase.Ended:
                return false;
            case Phase.Requesting or Phase.Responding:
                if (_lastHandshakeSend == long.MinValue || _time.GetElapsedTime(_lastHandshakeSend, now) >= s_handshakeResend)
                {
                    _lastHandshakeSend = now;
                    SendHandshake();
                }

                return false;
        }

        DetectLosses(now);
        _reassembly.Expire(now, (long)(s_fragmentTimeout.TotalSeconds * _time.TimestampFrequency));
        bool reliableBlocked = false;

        // 1. Units whose packet was declared lost, then units past their retransmission timeout.
        while (!reliableBlocked && _due.TryPeek(out (int Slot, ushort Sequence) due))
        {
            if (_senders[due.Slot]!.Find(due.Sequence) is not { } unit)
            {
                _due.Dequeue();
                continue;
            }

            if (!TryAppendReliable(unit, due.Slot, now))
            {
                reliableBlocked = true;
                break;
            }

            _due.Dequeue();
        }

        long rto = (long)(Rtt.Rto.TotalSeconds * _time.TimestampFrequency);
        bool backedOff = false;
        while (!reliableBlocked && _inFlight.TryPeek(out (int Slot, ushort Sequence, int Sends) entry))
        {
            SendUnit? unit = _senders[entry.Slot]!.Find(entry.Sequence);
            if (unit is null || unit.Sends != entry.Sends)
            {
                _inFlight.Dequeue(); // acknowledged, or sent again since
                continue;
            }

            if (now - unit.LastSent < rto)
            {
                break;
            }

            if (!backedOff)
            {
                // A timeout means the estimate was too low, or the path is down: wait longer next time (RFC 6298 5.5).
                Rtt.BackOff();
                backedOff = true;
            }

            if (!TryAppendReliable(unit, entry.Slot, now))
            {
                reliableBlocked = true;
                break;
            }

            _inFlight.Dequeue();
        }

        // 2. Unreliable units, already in their datagrams: each goes as it is, with its header filled in now.
        if (_filling is not null)
        {
            _ready.Enqueue((_filling, _fillingLength, _fillingToken));
            _filling = null;
        }

        if (_ready.Count > 0 && _open is not null)
        {
            SendOpen(now); // what was gathered before goes first, in order
        }

        while (_ready.TryDequeue(out (byte[] Datagram, int Length, long Token) ready))
        {
            SentPacket packet = NextPacket(now);
            packet.Token = ready.Token;
            SendPacket(ready.Datagram, ready.Length, packet, now); // the buffer goes with it, back to the pool once sent
        }

        _readyBytes = 0;

        // 3. New reliable units, a channel at a time in turn, within the window of each and the congestion window.
        int turns = _activeSenders.Count;
        while (!reliableBlocked && turns-- > 0 && _activeSenders.TryDequeue(out int slot))
        {
            ReliableSender sender = _senders[slot]!;
            while (sender.Waiting > 0)
            {
                SendUnit? unit = sender.TakeNew();
                if (unit is null)
                {
                    break; // this channel's window is full
                }

                if (!TryAppendReliable(unit, slot, now))
                {
                    // In the window but not sent: first in line next time, so it cannot be stranded.
                    _due.Enqueue((slot, unit.Sequence));
                    reliableBlocked = true;
                    break;
                }
            }

            if (sender.Waiting > 0)
            {
                _activeSenders.Enqueue(slot);
            }
            else
            {
                _active[slot] = false;
            }
        }

        if (_open is not null)
        {
            SendOpen(now);
        }
        else if (_ackPending && (_ackUrgent || _unackedPackets >= AckEvery || now - _ackPendingSince >= MaxAckDelayTicks))
        {
            // An acknowledgement alone: at once for reliable units (their sender waits on it); for unreliable
            // ones, every few packets or after a short delay (QUIC's rule), since data going the other way
            // usually carries it sooner and an acknowledgement of its own is a datagram to send and receive.
            BeginPacket(now);
            SendOpen(now);
        }

        if (_phase == Phase.Lingering && (AllAcknowledged || now >= _lingerUntil))
        {
            _phase = Phase.Ended;
            return true;
        }

        return false;
    }

    /// <summary>Whether units wait to be sent: lost ones due again, or new ones queued.</summary>
    private bool HasWork => _due.Count > 0 || _activeSenders.Count > 0;

    private bool AllAcknowledged
    {
        get
        {
            foreach (ReliableSender? sender in _senders)
            {
                if (sender is not null && (sender.Waiting > 0 || sender.InFlight > 0))
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>Puts a reliable unit into the open packet if the congestion window lets it; false if it does not.</summary>
    private bool TryAppendReliable(SendUnit unit, int slot, long now)
    {
        int size = unit.Header.HeaderBytes + unit.Length;
        if (_open is null || _openLength + size > _settings.Mtu - UdpPacket.ChecksumBytes)
        {
            if (!_congestion.CanSend(size, now, SrttTicks))
            {
                return false;
            }

            if (_open is not null)
            {
                SendOpen(now);
            }

            BeginPacket(now);
        }
        else if (!_congestion.CanSend(size, now, SrttTicks))
        {
            return false;
        }

        int at = _openLength + unit.Header.WriteHeader(_openBuffer.AsSpan(_openLength));
        unit.Data.CopyTo(_openBuffer.AsSpan(at));
        _openLength = at + unit.Length;
        if (unit.Sends > 0)
        {
            Interlocked.Increment(ref _resends);
        }

        unit.Sends++;
        unit.LastSent = now;
        unit.LastPacket = _open!.Sequence;
        LogUnit(slot, unit.Sequence);
        _open.UnitCount++;
        _open.ReliableBytes += size;
        _congestion.OnSent(size);
        _inFlight.Enqueue((slot, unit.Sequence, unit.Sends));
        return true;
    }

    /// <summary>
    /// Records which reliable unit the open packet carries, in one log for all packets (a ring indexed by
    /// absolute position, doubled when the unresolved packets need more): no packet keeps an array of its own.
    /// </summary>
    private void LogUnit(int slot, ushort sequence)
    {
        if (_logTail - _logHead == _unitLog.Length)
        {
            var grown = new (int, ushort)[_unitLog.Length * 2];
            for (long i = _logHead; i < _logTail; i++)
            {
                grown[i & (grown.Length - 1)] = _unitLog[i & (_unitLog.Length - 1)];
            }

            _unitLog = grown;
        }

        _unitLog[_logTail & (_unitLog.Length - 1)] = (slot, sequence);
        _logTail++;
    }

    /// <summary>The record of the next packet to send, taking its slot in the window.</summary>
    private SentPacket NextPacket(long now)
    {
        ushort sequence = _packetSequence;
        SentPacket? packet = _sent[sequence & (_sent.Length - 1)];
        if (packet is { InUse: true, Resolved: false } && _sent.Length < MaxSentWindow)
        {
            GrowSent();
            packet = _sent[sequence & (_sent.Length - 1)];
        }

        packet ??= _sent[sequence & (_sent.Length - 1)] = new SentPacket();
        if (packet.InUse && !packet.Resolved)
        {
            Resolve(packet, acked: false, now); // a whole window behind: it will never be acknowledged now
        }

        packet.Reset(sequence, now, _logTail);
        return packet;
    }

    /// <summary>Doubles the ring of sent packets' records, each at its sequence's slot (they cover consecutive sequences, so none collide).</summary>
    private void GrowSent()
    {
        var grown = new SentPacket?[_sent.Length * 2];
        foreach (SentPacket? record in _sent)
        {
            if (record is { InUse: true })
            {
                grown[record.Sequence & (grown.Length - 1)] = record;
            }
        }

        _sent = grown;
    }

    private void BeginPacket(long now)
    {
        _open = NextPacket(now);
        _openBuffer = _frames.Rent(_settings.Mtu);
        _openLength = UdpPacket.DataHeaderBytes;
    }

    private void SendOpen(long now)
    {
        SentPacket packet = _open!;
        byte[] buffer = _openBuffer!;
        _open = null;
        _openBuffer = null;
        SendPacket(buffer, _openLength, packet, now);
        _openLength = 0;
    }

    /// <summary>
    /// Fills in the header of a datagram whose units are in place and stages it as <paramref name="packet"/>: it is
    /// sealed into the outgoing queue when the next one comes or the flush ends. <paramref name="datagram"/> is a
    /// pooled buffer that goes with it.
    /// </summary>
    private void SendPacket(byte[] datagram, int length, SentPacket packet, long now)
    {
        // Until something has arrived there is nothing to acknowledge: the flag says so, as no sequence can.
        datagram[0] = (byte)(_anyReceived ? (byte)PacketType.Data | UdpPacket.AckFlag : (byte)PacketType.Data);
        BinaryPrimitives.WriteUInt32LittleEndian(datagram.AsSpan(1), _key);
        BinaryPrimitives.WriteUInt16LittleEndian(datagram.AsSpan(5), packet.Sequence);
        BinaryPrimitives.WriteUInt16LittleEndian(datagram.AsSpan(7), _anyReceived ? _remoteLatest : (ushort)0);
        BinaryPrimitives.WriteUInt32LittleEndian(datagram.AsSpan(9), _anyReceived ? _ackBits : 0);
        bool elicits = length > UdpPacket.DataHeaderBytes;
        packet.InUse = true;
        packet.Resolved = !elicits; // an acknowledgement alone is not acknowledged or tracked
        packet.SentAt = now;
        _packetSequence++;
        _packetsSent++;
        _ackPending = false;
        _ackUrgent = false;
        _unackedPackets = 0;

        // The datagram before this one is sealed now, padded to a whole segment if that costs little, so that the
        // two can leave in one system call where the kernel segments sends.
        SealStaged(pad: true);
        _staged = datagram;
        _stagedLength = length;
    }

    /// <summary>
    /// Seals the staged data packet into the outgoing queue. With <paramref name="pad"/> (another datagram follows in
    /// this flush) and segmentation offload, a packet within <see cref="UdpPacket.MaxPadding"/> of the MTU is
    /// padded to it, since only datagrams of one size travel together.
    /// </summary>
    private void SealStaged(bool pad)
    {
        if (_staged is not { } datagram)
        {
            return;
        }

        int length = _stagedLength;
        int full = _settings.Mtu - UdpPacket.ChecksumBytes;
        if (pad && _sender.MaxSegments > 1 && length < full && full - length <= UdpPacket.MaxPadding(_settings.Mtu))
        {
            datagram[length] = Unit.PaddingFlag;
            datagram.AsSpan(length + 1, full - length - 1).Clear();
            length = full;
        }

        _staged = null;
        Enqueue(datagram, UdpPacket.Seal(datagram, length));
    }

    private void Enqueue(byte[] datagram, int length)
    {
        Interlocked.Add(ref _bytesSent, length);
        Interlocked.Increment(ref _sends);
        _outgoing.Enqueue((datagram, length));
    }

    /// <summary>
    /// Sends the outgoing queue, outside the lock: one thread at a time (the others leave what they queued to it),
    /// so datagrams leave in the order they were sealed. Consecutive datagrams of the MTU's size go in one system
    /// call where the socket can segment.
    /// </summary>
    private void Drain()
    {
        while (Interlocked.CompareExchange(ref _draining, 1, 0) == 0)
        {
            while (TakeOutgoing(out byte[]? single, out int length))
            {
                if (single is not null)
                {
                    _sender.Send(single.AsSpan(0, length), _address);
                    _frames.Return(single);
                }
                else
                {
                    _sender.SendSegments(t_segments.AsSpan(0, length), _settings.Mtu, _address);
                }
            }

            Volatile.Write(ref _draining, 0);
            lock (_lock)
            {
                // Another thread may have queued after the last look and left, seeing this one draining.
                if (_outgoing.Count == 0)
                {
                    return;
                }
            }
        }
    }

    /// <summary>
    /// The next thing to send: one datagram (<paramref name="single"/>), or several of the MTU's size (and a last
    /// one of any) copied end to end into this thread's segment buffer (<paramref name="single"/> null).
    /// </summary>
    private bool TakeOutgoing(out byte[]? single, out int length)
    {
        lock (_lock)
        {
            if (!_outgoing.TryDequeue(out (byte[] Buffer, int Length) first))
            {
                single = null;
                length = 0;
                return false;
            }

            int max = _sender.MaxSegments;
            if (max == 1 || first.Length != _settings.Mtu || _outgoing.Count == 0)
            {
                single = first.Buffer;
                length = first.Length;
                return true;
            }

            byte[] segments = t_segments ??= new byte[64 * 1024];
            first.Buffer.AsSpan(0, first.Length).CopyTo(segments);
            _frames.Return(first.Buffer);
            length = first.Length;
            int count = 1;
            while (count < max && _outgoing.TryPeek(out (byte[] Buffer, int Length) next) && length + next.Length <= segments.Length)
            {
                _outgoing.Dequeue();
                next.Buffer.AsSpan(0, next.Length).CopyTo(segments.AsSpan(length));
                _frames.Return(next.Buffer);
                length += next.Length;
                count++;
                if (next.Length != _settings.Mtu)
                {
                    break; // only the last may be shorter
                }
            }

            single = null;
            return true;
        }
    }

    private void SendHandshake()
    {
        if (_phase == Phase.Requesting)
        {
            Span<byte> request = stackalloc byte[UdpPacket.RequestBytes];
            request.Clear();
            request[0] = (byte)PacketType.ConnectRequest;
            BinaryPrimitives.WriteUInt32LittleEndian(request[1..], UdpPacket.Magic);
            BinaryPrimitives.WriteUInt16LittleEndian(request[5..], UdpPacket.Version);
            BinaryPrimitives.WriteInt64LittleEndian(request[UdpPacket.RequestAttemptOffset..], _attempt);
            SendDatagram(request[..UdpPacket.Seal(request, UdpPacket.RequestBytes - UdpPacket.ChecksumBytes)]);
        }
        else
        {
            Span<byte> response = stackalloc byte[UdpPacket.ResponseBytes + UdpPacket.ChecksumBytes];
            response[0] = (byte)PacketType.ConnectResponse;
            _cookie.CopyTo(response[1..]);
            BinaryPrimitives.WriteInt64LittleEndian(response[(1 + UdpPacket.CookieBytes)..], _attempt);
            SendDatagram(response[..UdpPacket.Seal(response, UdpPacket.ResponseBytes)]);
        }
    }

    /// <summary>Queues a datagram that is not a data packet (handshake, notice), after what was staged.</summary>
    private void SendDatagram(ReadOnlySpan<byte> datagram)
    {
        SealStaged(pad: false);
        byte[] copy = _frames.Rent(datagram.Length);
        datagram.CopyTo(copy);
        Enqueue(copy, datagram.Length);
    }

    private void CloseForBackpressure() =>
        Close(new DisconnectInfo(DisconnectReason.Backpressure, $"More than {_settings.MaxUnsentBytes} bytes were queued for a peer that does not acknowledge them."), notifyPeer: false, abort: true);

    /// <summary>Sends the disconnect notice (if owed), gives the buffers back and tells the owner. Outside the lock, once.</summary>
    private void Finish()
    {
        lock (_lock)
        {
            if (_notifyPeer)
            {
                _notifyPeer = false;
                var notice = new ArrayBufferWriter<byte>(64);
                notice.Write(stackalloc byte[] { (byte)PacketType.Disconnect, 0, 0, 0, 0 });
                Handshake.WriteNotice(notice, _info.Reason, _info.Message, _settings.Mtu - UdpPacket.ChecksumBytes - notice.WrittenCount);
                byte[] datagram = new byte[notice.WrittenCount + UdpPacket.ChecksumBytes];
                notice.WrittenSpan.CopyTo(datagram);
                BinaryPrimitives.WriteUInt32LittleEndian(datagram.AsSpan(1), _key);
                UdpPacket.Seal(datagram, datagram.Length - UdpPacket.ChecksumBytes);
                for (int i = 0; i < DisconnectCopies; i++)
                {
                    SendDatagram(datagram);
                }
            }

            foreach (ReliableSender? sender in _senders)
            {
                sender?.Clear();
            }

            foreach (ReliableReceiver? receiver in _receivers)
            {
                receiver?.Clear();
            }

            _reassembly.Clear();
            while (_early.TryDequeue(out (byte[] Buffer, int Length, bool Snapshot) early))
            {
                _frames.Return(early.Buffer);
            }

            if (_filling is not null)
            {
                _frames.Return(_filling);
                _filling = null;
            }

            while (_ready.TryDequeue(out (byte[] Datagram, int Length, long Token) ready))
            {
                _frames.Return(ready.Datagram);
            }

            _readyBytes = 0;
            if (_openBuffer is not null)
            {
                _frames.Return(_openBuffer);
                _openBuffer = null;
                _open = null;
            }
        }

        Drain(); // the notices, after whatever was queued before them
        try
        {
            _ended?.Invoke(this);
        }
        finally
        {
            _owner.OnClosed(this, _info);
        }
    }

    private static DisconnectInfo ReadNotice(ReadOnlySpan<byte> body)
    {
        try
        {
            return Handshake.ReadNotice(body);
        }
        catch (NetSerializationException)
        {
            return new DisconnectInfo(DisconnectReason.ProtocolViolation, "The peer's notice was malformed.");
        }
    }

    /// <summary>What was sent in one data packet, kept until its fate is known.</summary>
    private sealed class SentPacket
    {
        public bool InUse;
        public bool Resolved;
        public ushort Sequence;
        public long SentAt;
        public int ReliableBytes;
        public long LogStart;
        public int UnitCount;
        public long Token;

        public void Reset(ushort sequence, long now, long logStart)
        {
            Token = 0;
            InUse = false;
            Resolved = false;
            Sequence = sequence;
            SentAt = now;
            ReliableBytes = 0;
            LogStart = logStart;
            UnitCount = 0;
        }
    }
}
