using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using K4os.Compression.LZ4;
using Travelers.Messaging;
using Travelers.Transport;
using Travelers.Transport.Tcp;
using Travelers.Transport.Udp;

namespace Travelers;

/// <summary>
/// One connection between a client and a server, on either side. <see cref="Send{T}"/> may be called from any
/// thread; what is sent goes out at the next <c>Poll()</c> or <c>Flush()</c> of the server or client, all in
/// one frame. Handlers and events for the connection run in <c>Poll()</c>.
/// </summary>
public sealed class NetConnection : ILinkOwner
{
    private readonly NetEndpoint _endpoint;
    private readonly Link _link;
    private readonly TcpLink? _tcp;
    private readonly UdpLink? _udp;
    private readonly long _created;
    private long _messagesReceived;
    private long _queuedBytes;
    private long _lastPing;
    private int _pingAnswered;
    private volatile bool _wasOpen;
    private long _opened;
    private int _state; // ConnectionState
    private volatile bool _closedHere;
    private int _dirty;
    private TaskCompletionSource? _receiveRoom;
    private Rpc.RpcPeer? _rpcPeer;

    internal NetConnection(NetEndpoint endpoint, LinkFactory linkFactory, long id)
    {
        _endpoint = endpoint;
        Id = id;
        _created = endpoint.Time.GetTimestamp();
        _link = linkFactory(this);
        _tcp = _link as TcpLink;
        _udp = _link as UdpLink;
    }

    /// <summary>The connection's id, given by the server (the same on both sides once connected).</summary>
    public long Id { get; internal set; }

    /// <summary>The other side's address.</summary>
    public IPEndPoint RemoteEndPoint => _link.RemoteEndPoint;

    /// <summary>The smoothed round-trip time (RFC 6298), measured by heartbeats; zero until the first one returns.</summary>
    public TimeSpan Rtt => _link.Rtt.Smoothed;

    /// <summary>Whether the handshake has completed and the connection has not ended.</summary>
    public bool IsConnected => Volatile.Read(ref _state) == (int)ConnectionState.Open && !_link.IsClosing;

    /// <summary>The connection's counters, read now.</summary>
    public ConnectionStatistics Statistics => new()
    {
        BytesSent = _link.BytesSent,
        BytesReceived = _link.BytesReceived,
        PacketsSent = _link.Sends,
        PacketsReceived = _link.Receives,
        MessagesSent = _link.MessagesWritten,
        MessagesReceived = Interlocked.Read(ref _messagesReceived),
        Resends = _link.Resends,
        Loss = _link.Loss,
    };

    internal Link Link => _link;

    /// <summary>
    /// Server: where this client looks from, for interest management (<see cref="NetWorldOptions.Interest"/>).
    /// <see cref="Vector3.Zero"/> until the game sets it; typically the position of the client's player each tick.
    /// </summary>
    public Vector3 ViewPosition { get; set; }

    /// <summary>Server: whether this client has <paramref name="entity"/> (or is being sent it): it is relevant to the client and was not despawned there.</summary>
    /// <param name="entity">An entity of the server's world.</param>
    /// <returns>True when the client sees it.</returns>
    public bool Sees(NetEntity entity)
    {
        ArgumentNullException.ThrowIfNull(entity);
        return Replication.ServerReplication.Sees(this, entity);
    }

    /// <summary>The server's replication state for this client.</summary>
    internal Replication.ClientView? ReplicationView { get; set; }

    /// <summary>Queues a tracked snapshot part; the link reports its fate to <see cref="ReplicationView"/>.</summary>
    internal int SendTracked(ReadOnlySpan<byte> body, long token)
    {
        int reports = _link.SendTracked(body, token);
        MarkDirty();
        return reports;
    }

    internal ConnectionState State => (ConnectionState)Volatile.Read(ref _state);

    internal long Created => _created;

    internal long LastPing => Interlocked.Read(ref _lastPing);

    /// <summary>Set on the polling thread when ConnectionClosed has been raised: batches still queued behind it are dropped.</summary>
    internal bool ClosedRaised { get; set; }

    /// <summary>
    /// Queues <paramref name="message"/> for this connection. Any thread. Over TCP every delivery mode is
    /// reliable and ordered and the channel is not used; over UDP each mode keeps its promise per channel
    /// (<see cref="NetEndpointOptions.MaxChannels"/>). A message sent on a closed connection is dropped.
    /// </summary>
    /// <typeparam name="T">A [NetMessage] type registered on both sides.</typeparam>
    /// <param name="message">The message; it is serialized now, so it may be changed once this returns.</param>
    /// <param name="delivery">How it is delivered. Default <see cref="Delivery.ReliableOrdered"/>.</param>
    /// <param name="channel">The channel of ordered and sequenced delivery. Default 0.</param>
    /// <exception cref="NetSerializationException">The message cannot be serialized (a member over its limit); nothing was sent.</exception>
    /// <exception cref="InvalidOperationException"><typeparamref name="T"/> was not registered when the server or client started; or the handshake has not completed (a client's connection before <c>ConnectAsync</c> returns).</exception>
    /// <exception cref="ArgumentOutOfRangeException">Over UDP, <paramref name="channel"/> is not below <see cref="NetEndpointOptions.MaxChannels"/>, or <paramref name="delivery"/> is not a known mode.</exception>
    public void Send<T>(in T message, Delivery delivery = Delivery.ReliableOrdered, byte channel = 0)
        where T : INetMessage<T> => SendRecord(_endpoint.IndexOf<T>(), in message, delivery, channel);

    /// <summary>Queues a record of type index <paramref name="index"/> (a message, or an RPC call or answer).</summary>
    internal void SendRecord<T>(int index, in T record, Delivery delivery, byte channel)
        where T : INetMessage<T>
    {
        ConnectionState state = State;
        if (state != ConnectionState.Open)
        {
            if (state < ConnectionState.Open)
            {
                ThrowNotOpenYet(); // nothing could have been sent: a drop here would lose it without a word
            }

            return; // closing or closed: ConnectionClosed says why
        }

        bool written = _tcp is { } tcp
            ? tcp.WriteMessage(index, in record, _endpoint.Limits)
            : _udp!.WriteMessage(index, in record, _endpoint.Limits, delivery, channel);
        if (written)
        {
            MarkDirty();
        }
    }

    /// <summary>The server or client this connection belongs to.</summary>
    internal NetEndpoint Endpoint => _endpoint;

    /// <summary>RPC's state for this connection (rate buckets, logged refusals, calls' tokens), once made.</summary>
    internal Rpc.RpcPeer? RpcPeer => Volatile.Read(ref _rpcPeer);

    /// <summary>RPC's state for this connection, made on first use (in Poll()).</summary>
    /// <param name="rpcs">How many RPCs the table has.</param>
    internal Rpc.RpcPeer RpcPeerFor(int rpcs) => _rpcPeer ?? MakeRpcPeer(rpcs);

    /// <summary>
    /// Ends the connection: the peer's <c>ConnectionClosed</c> sees <see cref="DisconnectReason.Kicked"/> with
    /// <paramref name="reason"/> as its message, after everything queued before it. Any thread.
    /// </summary>
    /// <param name="reason">
    /// Why, in words the other side may show. The peer gets at most its first 1,024 characters, and over UDP as many as
    /// fit one datagram's UTF-8 (about 1,180 bytes), cut at a character's edge.
    /// </param>
    public void Disconnect(string reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        Close(new DisconnectInfo(DisconnectReason.Kicked, reason), notifyPeer: true);
    }

    /// <inheritdoc/>
    public override string ToString() => $"connection {Id} ({RemoteEndPoint})";

    internal void Close(DisconnectInfo info, bool notifyPeer, bool abort = false)
    {
        // Here too, not only in OnClosing: a link the peer began to close already does not call it again, and a
        // handler that kicks its sender must stop the rest of the batch it is in all the same.
        _closedHere = true;
        _link.Close(info, notifyPeer, abort);
    }

    /// <summary>
    /// Whether this side closed the connection (a kick, a protocol violation, backpressure, an idle timeout, a
    /// refusal, shutting down): from then on nothing more it sent is handled, though batches of it were received
    /// already. A connection the peer closed, or the network broke, still has what had arrived handled.
    /// </summary>
    internal bool ClosedHere => _closedHere;

    /// <summary>What waits for <c>Poll()</c> from this connection, as counted against <c>MaxQueuedReceiveBytes</c>.</summary>
    internal long QueuedBytes => Interlocked.Read(ref _queuedBytes);

    internal void Start() => _link.Start();

    internal bool TryOpen(ConnectionState from)
    {
        Interlocked.Exchange(ref _opened, _endpoint.Time.GetTimestamp());
        return Interlocked.CompareExchange(ref _state, (int)ConnectionState.Open, (int)from) == (int)from;
    }

    /// <summary>Moves the state from <paramref name="from"/> to <paramref name="to"/>; false when it is no longer <paramref name="from"/> (a close on another thread got there first).</summary>
    internal bool TryMove(ConnectionState from, ConnectionState to) =>
        Interlocked.CompareExchange(ref _state, (int)to, (int)from) == (int)from;

    internal void SendControl(FrameKind kind, ReadOnlySpan<byte> body) => _link.SendControl(kind, body);

    /// <summary>Sends a heartbeat carrying the current timestamp.</summary>
    internal void Ping()
    {
        long now = _endpoint.Time.GetTimestamp();
        Interlocked.Exchange(ref _pingAnswered, 0);
        Interlocked.Exchange(ref _lastPing, now);
        Span<byte> body = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(body, now);
        _link.SendControl(FrameKind.Ping, body);
    }

    internal void Flush()
    {
        Volatile.Write(ref _dirty, 0);
        _link.Flush();
    }

    internal void MarkDirty()
    {
        // A plain read first: between two flushes only the first send pays for the interlocked exchange.
        if (Volatile.Read(ref _dirty) == 0 && Interlocked.Exchange(ref _dirty, 1) == 0)
        {
            _endpoint.MarkDirty(this);
        }
    }

    internal void CountReceived(int count)
    {
        if (count != 0)
        {
            Interlocked.Add(ref _messagesReceived, count);
            _endpoint.Metrics.CountReceived(this, count); // the meter's own count: this connection may be retired already
        }
    }

    /// <summary>Poll() has dispatched a batch (its <see cref="QueuedCost"/>): the link may read again if it was held back.</summary>
    internal void Drained(int cost)
    {
        if (Interlocked.Add(ref _queuedBytes, -cost) <= _endpoint.Options.MaxQueuedReceiveBytes)
        {
            Interlocked.Exchange(ref _receiveRoom, null)?.TrySetResult();
        }
    }

    void ILinkOwner.OnFrame(Link link, FrameKind kind, in ReadOnlySequence<byte> body)
    {
        switch (kind)
        {
            case FrameKind.Ping:
                Span<byte> echo = stackalloc byte[8];
                ReadFixed(body, echo);
                _link.SendControl(FrameKind.Pong, echo);
                return;
            case FrameKind.Pong:
                Span<byte> stamp = stackalloc byte[8];
                ReadFixed(body, stamp);

                // Only the answer to the ping last sent counts: a peer cannot feed the estimator made-up times.
                long sent = BinaryPrimitives.ReadInt64LittleEndian(stamp);
                if (sent != 0 && sent == Interlocked.Read(ref _lastPing) && Interlocked.Exchange(ref _pingAnswered, 1) == 0)
                {
                    TimeSpan sample = _endpoint.Time.GetElapsedTime(sent);
                    _link.Rtt.Add(sample);
                    _endpoint.Metrics.RecordRtt(sample, this);
                }

                return;
            case FrameKind.Disconnect:
                DisconnectInfo info = Read(body, static b => Handshake.ReadNotice(b));
                _link.Close(info, notifyPeer: false, here: false); // the peer closed: what it sent before is still handled
                return;
            case FrameKind.Messages when State == ConnectionState.Open:
                int length = (int)body.Length;
                if (length == 0)
                {
                    throw new NetProtocolException("an empty batch");
                }

                byte[] buffer = _endpoint.Frames.Rent(length);
                body.CopyTo(buffer);
                EnqueueBatch(buffer, length);
                return;
            case FrameKind.CompressedMessages when State == ConnectionState.Open && _link.Compresses:
                EnqueueDecompressed(body);
                return;
            case FrameKind.SnapshotReset when State == ConnectionState.Open && ReplicationView is { } view:
                view.RequestReset();
                return;
            case FrameKind.Snapshot when _endpoint.ReceivesSnapshots:
                // Never dropped for Poll() being behind: the transport took it in (TCP read it, UDP acknowledged its
                // packet), so the server counts it delivered and does not send what it changed again: a despawn dropped
                // here would leave the entity on the client for good. The bound on queued bytes is kept below instead:
                // UDP refuses packets and TCP stops reading while there is no room. Before the accept (a UDP datagram can
                // overtake it) the link holds the part; only a closing connection drops it.
                if (State != ConnectionState.Open)
                {
                    return;
                }

                int size = (int)body.Length;
                byte[] part = _endpoint.Frames.Rent(Math.Max(size, 1));
                body.CopyTo(part);
                Interlocked.Add(ref _queuedBytes, QueuedCost(part));
                _endpoint.Enqueue(new Inbound(InboundKind.Snapshot, this, part, size));
                return;
            default:
                _endpoint.OnControlFrame(this, kind, body);
                return;
        }
    }

    void ILinkOwner.OnBatch(Link link, byte[] buffer, int length)
    {
        if (State != ConnectionState.Open)
        {
            _endpoint.Frames.Return(buffer);
            throw new NetProtocolException("messages before the handshake completed");
        }

        EnqueueBatch(buffer, length);
    }

    int ILinkOwner.HandshakeLimit => State is ConnectionState.Handshaking or ConnectionState.Approving ? _endpoint.HandshakeLimit : 0;

    bool ILinkOwner.HasReceiveRoom => Interlocked.Read(ref _queuedBytes) <= _endpoint.Options.MaxQueuedReceiveBytes;

    /// <summary>What one queued batch counts against <see cref="NetEndpointOptions.MaxQueuedReceiveBytes"/>: its buffer and its queue entry, not only its bytes, so tiny batches cannot queue without bound.</summary>
    internal static int QueuedCost(byte[] buffer) => FramePool.HeldCost(buffer);

    private void EnqueueBatch(byte[] buffer, int length)
    {
        Interlocked.Add(ref _queuedBytes, QueuedCost(buffer));
        _endpoint.Enqueue(new Inbound(InboundKind.Messages, this, buffer, length));
    }

    /// <summary>The most an LZ4 block can expand: a match's length grows by 255 a byte.</summary>
    private const int MaxLz4Expansion = 255;

    /// <summary>An LZ4 batch: its declared size is checked against the frame limit and what its bytes could hold before anything is allocated for it.</summary>
    private void EnqueueDecompressed(in ReadOnlySequence<byte> body)
    {
        byte[]? joined = null;
        ReadOnlySpan<byte> source;
        if (body.IsSingleSegment)
        {
            source = body.FirstSpan;
        }
        else
        {
            joined = ArrayPool<byte>.Shared.Rent((int)body.Length);
            body.CopyTo(joined);
            source = joined.AsSpan(0, (int)body.Length);
        }

        try
        {
            int offset = 0;
            int max = _endpoint.Options.MaxFrameBytes;
            if (!NetEndpoint.TryReadVarUInt(source, ref offset, out uint declared) || declared == 0 || declared > (uint)max)
            {
                throw new NetProtocolException($"a compressed batch declaring {declared} bytes (the maximum is {max})");
            }

            int compressed = source.Length - offset;
            if (declared > (long)compressed * MaxLz4Expansion)
            {
                // Checked before the buffer is rented: ten bytes must not make the endpoint take a frame's worth.
                throw new NetProtocolException($"a compressed batch declaring {declared} bytes from {compressed} (LZ4 expands at most {MaxLz4Expansion} times)");
            }

            byte[] buffer = _endpoint.Frames.Rent((int)declared);
            int decoded = LZ4Codec.Decode(source[offset..], buffer.AsSpan(0, (int)declared));
            if (decoded != (int)declared)
            {
                _endpoint.Frames.Return(buffer);
                throw new NetProtocolException($"a compressed batch that does not decompress to its declared {declared} bytes");
            }

            EnqueueBatch(buffer, decoded);
        }
        finally
        {
            if (joined is not null)
            {
                ArrayPool<byte>.Shared.Return(joined);
            }
        }
    }

    ValueTask ILinkOwner.WaitForReceiveRoomAsync(Link link)
    {
        if (Interlocked.Read(ref _queuedBytes) <= _endpoint.Options.MaxQueuedReceiveBytes)
        {
            return ValueTask.CompletedTask;
        }

        var room = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Interlocked.Exchange(ref _receiveRoom, room); // a full fence: the reads below come after it

        // Poll() may have drained everything between the check and the write above; and a close that began in
        // between found no wait to end (OnClosing sets the state, then ends the wait it finds): this one must not
        // wait for a Poll() that a stopping endpoint will not make, nor for OnClosed, which waits for this loop.
        if (Interlocked.Read(ref _queuedBytes) <= _endpoint.Options.MaxQueuedReceiveBytes || State >= ConnectionState.Closing)
        {
            room.TrySetResult();
        }

        return new ValueTask(room.Task);
    }

    void ILinkOwner.OnClosing(Link link, DisconnectInfo info, bool here)
    {
        if (here)
        {
            _closedHere = true; // the link's own decisions: a protocol violation, backpressure
        }

        // The state moves out of Open (or Approving) atomically, so an approval racing this cannot open it.
        ConnectionState was = (ConnectionState)Interlocked.Exchange(ref _state, (int)ConnectionState.Closing);
        _wasOpen = was == ConnectionState.Open;
        Interlocked.Exchange(ref _receiveRoom, null)?.TrySetResult();
        _endpoint.OnConnectionClosing(this, info, _wasOpen);
    }

    void ILinkOwner.OnTracked(Link link, long token, bool acked) => ReplicationView?.Notify(token, acked);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowNotOpenYet() =>
        throw new InvalidOperationException("The connection's handshake has not completed: send once ConnectAsync has returned (a server's connections are open from ConnectionOpened on).");

    [MethodImpl(MethodImplOptions.NoInlining)]
    private Rpc.RpcPeer MakeRpcPeer(int rpcs)
    {
        var made = new Rpc.RpcPeer(rpcs);
        Rpc.RpcPeer peer = Interlocked.CompareExchange(ref _rpcPeer, made, null) ?? made;
        if (State == ConnectionState.Closed)
        {
            _endpoint.ReportFault(peer.Close()); // closed while it was made: OnClosed may have found none to close
        }

        return peer;
    }

    void ILinkOwner.OnClosed(Link link, DisconnectInfo info)
    {
        Interlocked.Exchange(ref _receiveRoom, null)?.TrySetResult();
        try
        {
            _endpoint.Metrics.Retire(
                this,
                _wasOpen,
                () => Interlocked.Exchange(ref _state, (int)ConnectionState.Closed),
                _endpoint.Time.GetElapsedTime(Interlocked.Read(ref _opened)));
        }
        finally
        {
            // Even when a metric listener throws: the endpoint forgets the connection, or a stop would wait for it for ever.
            Interlocked.Exchange(ref _state, (int)ConnectionState.Closed);

            // Calls still running learn of the close here, not only when Poll() handles it: a stopping server or a
            // disposed client polls no more, and a method awaiting its token would wait for ever.
            _endpoint.ReportFault(RpcPeer?.Close());
            _endpoint.OnConnectionClosed(this, info, _wasOpen);
        }
    }

    /// <summary>Reads a control frame's body with <paramref name="read"/>; a malformed one is a protocol violation.</summary>
    internal static TResult Read<TResult>(in ReadOnlySequence<byte> body, Func<byte[], TResult> read)
    {
        try
        {
            return read(body.ToArray());
        }
        catch (NetSerializationException e)
        {
            throw new NetProtocolException($"a malformed control frame: {e.Message}", e);
        }
    }

    private static void ReadFixed(in ReadOnlySequence<byte> body, Span<byte> destination)
    {
        if (body.Length != destination.Length)
        {
            throw new NetProtocolException($"a heartbeat of {body.Length} bytes instead of {destination.Length}");
        }

        body.CopyTo(destination);
    }
}

/// <summary>Where a connection is in its life.</summary>
internal enum ConnectionState
{
    /// <summary>Connected at the socket level, waiting for the hello (server) or the accept (client).</summary>
    Handshaking,

    /// <summary>The hello is waiting for the server's approval in Poll().</summary>
    Approving,

    /// <summary>Through the handshake: messages flow.</summary>
    Open,

    /// <summary>Ending: the peer is being told and what was queued sent; no message is dispatched any more.</summary>
    Closing,

    /// <summary>Ended: the socket is gone.</summary>
    Closed,
}
