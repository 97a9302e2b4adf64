using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using K4os.Compression.LZ4;
using Travelers.Messaging;
using Travelers.Transport.Simulation;

namespace Travelers.Transport.Tcp;

/// <summary>
/// One TCP connection in Kestrel's shape: a loop from the socket into an input pipe, a loop cutting that
/// pipe into frames, and a loop from an output pipe to the socket. A frame is a 4-byte little-endian length,
/// a <see cref="FrameKind"/> byte and a body. Messages are written straight into the output pipe (no
/// intermediate array), batched into one frame until <see cref="Flush"/>, which hands everything written
/// since the last flush to the socket loop: one frame, one send.
/// </summary>
internal sealed class TcpLink : Link
{
    /// <summary>Length prefix and kind byte.</summary>
    public const int FrameHeaderBytes = 5;

    private const int MaxVarInt32 = 5;
    private const int LengthSlot = 3; // a varint of 3 bytes holds up to 2^21 - 1, more than any frame's message
    private const int SmallBody = 128; // the longest body written with a gap as long as itself before it
    private static readonly TimeSpan s_linger = TimeSpan.FromSeconds(2);

    private readonly Socket _socket;
    private readonly ILinkOwner _owner;
    private readonly Pipe _input;
    private readonly Pipe _output;
    private readonly int _maxFrame;
    private readonly long _maxUnsent;
    private readonly TimeProvider _time;
    private readonly LinkLock _sendLock = new();
    private readonly SocketSender _sender = new();
    private readonly CancellationTokenSource _receiveStop = new();

    private ArrayBufferWriter<byte>? _staging;
    private int _compressionThreshold;
    private Memory<byte> _chunk;
    private int _chunkUsed;
    private Memory<byte> _frameHeader;
    private int _frameBytes;
    private bool _frameOpen;
    private long _pending;
    private long _unsent;

    // _unsent as the last flush left it (under the send lock): an upper bound of it until the next flush, since only
    // a flush adds to it. Per message the cap is checked against this, a field of the game thread's own; _unsent,
    // which the send loop changes on another core, is read only when the bound is over the cap.
    private long _unsentAtFlush;
    private bool _outputClosed;
    private readonly object _closeGate = new();
    private int _closing;
    private bool _lingering; // under _closeGate: the graceful close is done but for the linger
    private bool _cutShort; // under _closeGate: an abort came after the graceful close began
    private int _loops = 3;
    private DisconnectInfo _info;
    private DisconnectInfo _endOfInput;

    private long _messagesWritten;
    private long _bytesSent;
    private long _bytesReceived;
    private long _sends;
    private long _receives;
    private long _lastReceive;
    private long _partialSince;

    // Simulated latency and bandwidth (NetworkConditions), or null.
    private readonly StreamShaper? _outbound;
    private readonly StreamShaper? _inbound;

    public TcpLink(Socket socket, ILinkOwner owner, int maxFrameBytes, long maxUnsentBytes, TimeProvider time, BlockMemoryPool receiveBlocks, BlockMemoryPool sendBlocks, NetworkConditions? conditions = null)
        : base(new RttEstimator(TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(60)))
    {
        _socket = socket;
        _owner = owner;
        _maxFrame = maxFrameBytes;
        _maxUnsent = maxUnsentBytes;
        _time = time;
        _lastReceive = time.GetTimestamp();
        RemoteEndPoint = (IPEndPoint)socket.RemoteEndPoint!;
        if (StreamShaper.Shapes(conditions))
        {
            // Each way on its own: what this endpoint sends waits in the send loop, what it receives in the frame loop.
            _outbound = new StreamShaper(conditions!, time);
            _inbound = new StreamShaper(conditions!, time);
        }

        // The input pipe holds at most one frame beyond what the frame loop has not cut yet; the output pipe
        // never pauses the game thread: the unsent-bytes cap (backpressure) bounds it instead. Its reader, the
        // send loop, runs from an IoQueue: a flush on the game thread queues it rather than making the system
        // call itself, so the game thread goes on writing while a thread-pool thread sends (inline, a one-way
        // stream ran at 58% of a raw loop's rate, the game thread paying every send).
        int pause = maxFrameBytes + (64 * 1024);
        _input = new Pipe(new PipeOptions(receiveBlocks, readerScheduler: PipeScheduler.Inline, pauseWriterThreshold: pause, resumeWriterThreshold: pause / 2, minimumSegmentSize: receiveBlocks.BlockSize, useSynchronizationContext: false));
        _output = new Pipe(new PipeOptions(sendBlocks, readerScheduler: IoQueue.Next(), pauseWriterThreshold: 0, minimumSegmentSize: sendBlocks.BlockSize, useSynchronizationContext: false));
    }

    /// <summary>The peer's address.</summary>
    public override IPEndPoint RemoteEndPoint { get; }

    /// <summary>Messages written into batches (under the send lock; read without it, a 64-bit read being atomic here).</summary>
    public override long MessagesWritten => Volatile.Read(ref _messagesWritten);

    /// <summary>Bytes handed to the socket.</summary>
    public override long BytesSent => Interlocked.Read(ref _bytesSent);

    /// <summary>Bytes read from the socket.</summary>
    public override long BytesReceived => Interlocked.Read(ref _bytesReceived);

    /// <summary>Socket sends.</summary>
    public override long Sends => Interlocked.Read(ref _sends);

    /// <summary>Socket reads.</summary>
    public override long Receives => Interlocked.Read(ref _receives);

    /// <summary>Bytes flushed but not yet taken by the socket.</summary>
    public override long Unsent => Interlocked.Read(ref _unsent);

    /// <summary>The timestamp (<see cref="TimeProvider.GetTimestamp"/>) of the last bytes received.</summary>
    public override long LastReceive => Interlocked.Read(ref _lastReceive);

    /// <summary>Since when a frame has been incomplete (a timestamp), or 0.</summary>
    public override long PartialFrameSince => Interlocked.Read(ref _partialSince);

    /// <summary>Whether <see cref="Close"/> has been called.</summary>
    public override bool IsClosing => Volatile.Read(ref _closing) != 0;

    /// <inheritdoc/>
    public override bool CanCompress => true;

    /// <summary>Whether batches are compressed (agreed in the handshake).</summary>
    public override bool Compresses => Volatile.Read(ref _staging) is not null;

    /// <summary>
    /// From now on, batches are staged and compressed with LZ4 when at least <paramref name="threshold"/>
    /// bytes (and smaller compressed). Called once the handshake agreed to it, before any batch.
    /// </summary>
    public override void EnableCompression(int threshold)
    {
        lock (_sendLock)
        {
            if (_outputClosed)
            {
                return;
            }

            CloseFrame();
            CommitChunk();
            _compressionThreshold = threshold;
            Volatile.Write(ref _staging, new ArrayBufferWriter<byte>(4096));
        }
    }

    /// <summary>Starts the three loops.</summary>
    public override void Start()
    {
        _ = ReceiveLoopAsync();
        _ = FrameLoopAsync();
        _ = SendLoopAsync();
    }

    /// <summary>
    /// Appends one message (type index, length, body) to the open frame, opening one if needed. The message is
    /// serialized into the pipe's own memory, or a pooled spill buffer when larger than expected, and nothing
    /// is committed unless it is written whole: a failing serializer leaves the batch as it was.
    /// </summary>
    /// <returns>False when the link is closed (the message is dropped; the closed event tells why).</returns>
    /// <exception cref="NetSerializationException">The message cannot be serialized; nothing was sent.</exception>
    /// <exception cref="ArgumentException">The message is larger than a frame.</exception>
    /// <remarks>
    /// Never inlined. Inlined into its caller it left the JIT no budget for its own insides (the serializer, the
    /// writer's reserve), which then ran as calls: 45 ns a message instead of 26, decided afresh in each process
    /// by the order in which methods tiered up.
    /// </remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public bool WriteMessage<T>(int typeIndex, in T message, NetLimits limits)
        where T : INetMessage<T>
    {
        bool overCap;
        lock (_sendLock)
        {
            if (_outputClosed)
            {
                return false;
            }

            // Without compression the batch goes straight into the pipe; with it, into the staging buffer that
            // CloseFrame compresses into the pipe.
            PipeWriter output = _output.Writer;
            IBufferWriter<byte> target = (IBufferWriter<byte>?)_staging ?? output;
            // The body is written past room for its headers and then moved behind them, once their size is known.
            // A gap as long as the body it expects (up to SmallBody) keeps the two apart: an overlapping move goes
            // to the native memmove, a call that cost a tenth of a small message's send.
            const int Spare = FrameHeaderBytes + MaxVarInt32 + LengthSlot;
            int hint = SizeHint<T>.Value;
            int body = Spare + Math.Min(hint, SmallBody);
            int needed = body + hint;
            if (_chunk.Length - _chunkUsed < needed)
            {
                // Messages go into a chunk of the target's memory, committed once full or at a flush: one
                // GetMemory and one Advance per chunk instead of per message. Asking for what this message needs,
                // not a whole block, lets the next flush's frames fill the rest of the current block: a block per
                // flush would put a sender running ahead of its socket past the pipe's 256 pooled segments.
                CommitChunk();
                _chunk = target.GetMemory(needed);
            }

            Memory<byte> memory = _chunk[_chunkUsed..];
            Span<byte> span = memory.Span;
            int length = NetSerializer.SerializeSpilling(span[body..], in message, limits, out byte[]? spilled);
            try
            {
                SizeHint<T>.Observe(length);
                int indexBytes = NetWriter.VarUIntSize((uint)typeIndex);
                int lengthBytes = NetWriter.VarUIntSize((uint)length);
                int record = indexBytes + lengthBytes + length;
                if (record > MaxRecordBytes(NetTransport.Tcp, _maxFrame))
                {
                    throw RecordTooLarge(typeof(T).Name, length, _maxFrame);
                }

                // A staged batch (compression on) is cut into frames when it is closed; a direct one here, so that
                // its header can sit in front of it in the pipe.
                int at = 0;
                if (_staging is null && (!_frameOpen || _frameBytes + record > _maxFrame))
                {
                    CloseFrame();
                    _frameHeader = memory[..FrameHeaderBytes];
                    span[4] = (byte)FrameKind.Messages;
                    at = FrameHeaderBytes;
                    _frameBytes = 1;
                }

                _frameOpen = true;

                at += NetWriter.WriteVarUInt(span[at..], (uint)typeIndex);
                at += NetWriter.WriteVarUInt(span[at..], (uint)length);
                if (spilled is null)
                {
                    span.Slice(body, length).CopyTo(span[at..]);
                    _chunkUsed += at + length;
                }
                else
                {
                    _chunkUsed += at;
                    CommitChunk();
                    target.Write(spilled.AsSpan(0, length));
                }

                if (_staging is null)
                {
                    _pending += at + length;
                }

                _frameBytes += record;
                _messagesWritten++;

                // What the socket has not taken (flushed before) and what was written since the last flush pass the
                // cap: the flush would close the link for it, but only after every write until then was buffered (a
                // Poll() answering refused RPCs by the hundred thousand queued 42 MB against a 4 MB cap; with the cap
                // nearly reached by flushed bytes, almost a cap more). Closed now instead, as a UDP link does. With
                // compression the batch waits in the staging buffer until it is closed: counted there, its chunk not
                // yet committed included (the chunk is whatever room the buffer had, megabytes once it has grown).
                long buffered = _pending + (_staging is { } staged ? staged.WrittenCount + _chunkUsed : 0);
                overCap = _unsentAtFlush + buffered > _maxUnsent && Volatile.Read(ref _unsent) + buffered > _maxUnsent;
            }
            finally
            {
                if (spilled is not null)
                {
                    ArrayPool<byte>.Shared.Return(spilled);
                }
            }
        }

        if (overCap)
        {
            CloseForBackpressure();
        }

        return true;
    }

    /// <summary>Appends a control frame (closing the open batch first) and flushes at once.</summary>
    /// <returns>False when the link is closed.</returns>
    public override bool SendControl(FrameKind kind, ReadOnlySpan<byte> body)
    {
        bool overCap;
        lock (_sendLock)
        {
            if (_outputClosed)
            {
                return false;
            }

            WriteControlLocked(kind, body);
            overCap = FlushLocked();
        }

        if (overCap)
        {
            CloseForBackpressure();
        }

        return true;
    }

    /// <inheritdoc/>
    public override int MaxTrackedBytes => Math.Min(_maxFrame - 1, 64 * 1024);

    /// <inheritdoc/>
    public override int SendTracked(ReadOnlySpan<byte> body, long token)
    {
        lock (_sendLock)
        {
            if (_outputClosed)
            {
                return 0;
            }

            WriteControlLocked(FrameKind.Snapshot, body);
        }

        // The stream delivers it before anything written later, or the connection ends: as good as acknowledged.
        _owner.OnTracked(this, token, acked: true);
        return 1;
    }

    /// <summary>Hands everything written since the last flush to the socket loop. Any thread.</summary>
    public override void Flush()
    {
        bool overCap;
        lock (_sendLock)
        {
            if (_outputClosed || (_pending == 0 && !_frameOpen))
            {
                return;
            }

            overCap = FlushLocked();
        }

        if (overCap)
        {
            CloseForBackpressure();
        }
    }

    /// <summary>
    /// Ends the link once. Gracefully (not <paramref name="abort"/>): with a notice the peer is told why in a
    /// last frame; what was queued goes out, the sending side is shut down, and incoming bytes are read and
    /// discarded until the peer closes too, so that closing never resets data still in flight; a peer that
    /// does not close within the linger time is dropped. Aborting drops the socket at once, unsent data
    /// included; aborting a graceful close already under way cuts its linger short (a stop whose wait was
    /// cancelled). <see cref="ILinkOwner.OnClosed"/> follows when the loops have stopped.
    /// </summary>
    public override void Close(DisconnectInfo info, bool notifyPeer, bool abort = false, bool here = true)
    {
        bool cutNow = false;
        lock (_closeGate)
        {
            if (_closing != 0)
            {
                // Cut only once the first close has told the owner and ended the output, as the linger's end does:
                // a close still on its way there skips its linger instead.
                _cutShort |= abort;
                cutNow = abort && _lingering;
                if (!cutNow)
                {
                    return;
                }
            }
            else
            {
                // The reason first: whoever sees _closing set reads it.
                _info = info;
                Volatile.Write(ref _closing, 1);
            }
        }

        if (cutNow)
        {
            EndLinger();
            return;
        }

        _owner.OnClosing(this, info, here);
        if (abort)
        {
            // Before the output completes: its reader (the send loop, on the IoQueue) would otherwise send what is queued.
            _receiveStop.Cancel();
            DisposeSocket();
        }

        lock (_sendLock)
        {
            if (!_outputClosed)
            {
                if (notifyPeer && !abort)
                {
                    var body = new ArrayBufferWriter<byte>(64);
                    Handshake.WriteNotice(body, info.Reason, info.Message);
                    WriteControlLocked(FrameKind.Disconnect, body.WrittenSpan);
                }

                if (!abort)
                {
                    FlushLocked();
                }

                _outputClosed = true;
                _output.Writer.Complete();
            }
        }

        if (!abort)
        {
            bool cut;
            lock (_closeGate)
            {
                cut = _cutShort;
                _lingering = !cut;
            }

            if (cut)
            {
                EndLinger();
            }
            else
            {
                _ = LingerAsync();
            }
        }
    }

    private async Task LingerAsync()
    {
        // A peer that neither reads nor closes must not hold the socket: after the linger time it is dropped.
        try
        {
            await Task.Delay(s_linger, _time).ConfigureAwait(false);
        }
        finally
        {
            EndLinger();
        }
    }

    private void EndLinger()
    {
        _receiveStop.Cancel();
        DisposeSocket();
    }

    private void CloseForBackpressure() =>
        Close(new DisconnectInfo(DisconnectReason.Backpressure, $"More than {_maxUnsent} bytes were queued for a peer that does not read them."), notifyPeer: false, abort: true);

    /// <summary>Advances the batch's target (the pipe, or the staging buffer) past the chunk's written bytes.</summary>
    private void CommitChunk()
    {
        if (_chunkUsed > 0)
        {
            ((IBufferWriter<byte>?)_staging ?? _output.Writer).Advance(_chunkUsed);
        }

        _chunk = default;
        _chunkUsed = 0;
    }

    private void WriteControlLocked(FrameKind kind, ReadOnlySpan<byte> body)
    {
        CloseFrame();
        CommitChunk();
        PipeWriter output = _output.Writer;
        Span<byte> header = output.GetSpan(FrameHeaderBytes);
        BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)(body.Length + 1));
        header[4] = (byte)kind;
        output.Advance(FrameHeaderBytes);
        output.Write(body);
        _pending += FrameHeaderBytes + body.Length;
    }

    /// <returns>True when the unsent bytes passed the cap.</returns>
    private bool FlushLocked()
    {
        CloseFrame();
        CommitChunk();
        long unsent = Interlocked.Add(ref _unsent, _pending);
        _unsentAtFlush = unsent;
        _outbound?.Mark(_pending);
        _pending = 0;

        // The output pipe never pauses (pauseWriterThreshold 0), so this completes at once.
        ValueTask<FlushResult> flush = _output.Writer.FlushAsync();
        if (!flush.IsCompleted)
        {
            _ = flush.AsTask();
        }

        return unsent > _maxUnsent;
    }

    /// <summary>
    /// Ends the open batch frame: writes its length into its header, or, when compressing, moves the staged
    /// batch into the pipe as one frame, compressed if that makes it smaller.
    /// </summary>
    private void CloseFrame()
    {
        if (!_frameOpen)
        {
            return;
        }

        _frameOpen = false;
        if (_staging is not { } staging)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(_frameHeader.Span, (uint)_frameBytes);
            _frameHeader = default;
            return;
        }

        CommitChunk();
        ReadOnlySpan<byte> batch = staging.WrittenSpan;

        // Cut at record boundaries (records this link wrote, so well formed) into frames of at most MaxFrameBytes.
        int start = 0;
        int offset = 0;
        while (offset < batch.Length)
        {
            int next = offset;
            NetEndpoint.TryReadVarUInt(batch, ref next, out _);
            NetEndpoint.TryReadVarUInt(batch, ref next, out uint length);
            next += (int)length;
            if (next - start > _maxFrame - 1)
            {
                EmitBatch(batch[start..offset]);
                start = offset;
            }

            offset = next;
        }

        EmitBatch(batch[start..]);
        staging.ResetWrittenCount();
    }

    /// <summary>Writes one staged batch into the pipe as a frame, compressed if that makes it smaller.</summary>
    private void EmitBatch(ReadOnlySpan<byte> batch)
    {
        PipeWriter output = _output.Writer;
        if (batch.Length >= _compressionThreshold)
        {
            Span<byte> frame = output.GetSpan(FrameHeaderBytes + MaxVarInt32 + LZ4Codec.MaximumOutputSize(batch.Length));
            int lengthBytes = NetWriter.WriteVarUInt(frame[FrameHeaderBytes..], (uint)batch.Length);
            int compressed = LZ4Codec.Encode(batch, frame[(FrameHeaderBytes + lengthBytes)..]);
            if (compressed > 0 && lengthBytes + compressed < batch.Length)
            {
                int body = lengthBytes + compressed;
                BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)(body + 1));
                frame[4] = (byte)FrameKind.CompressedMessages;
                output.Advance(FrameHeaderBytes + body);
                _pending += FrameHeaderBytes + body;
                return;
            }
        }

        Span<byte> header = output.GetSpan(FrameHeaderBytes);
        BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)(batch.Length + 1));
        header[4] = (byte)FrameKind.Messages;
        output.Advance(FrameHeaderBytes);
        output.Write(batch);
        _pending += FrameHeaderBytes + batch.Length;
    }

    private async Task ReceiveLoopAsync()
    {
        Exception? error = null;
        bool ended = false;
        bool full = false;
        try
        {
            PipeWriter input = _input.Writer;
            while (true)
            {
                // Wait for data before taking a buffer, so an idle connection holds no receive memory; but not
                // right after a read that filled its buffer: more is almost surely waiting, and the extra call
                // would only cost a system call per read while a peer streams.
                if (!full)
                {
                    await _socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, _receiveStop.Token).ConfigureAwait(false);
                }

                Memory<byte> memory = input.GetMemory(BlockMemoryPool.ReceiveBlockSize);
                int received = await _socket.ReceiveAsync(memory, SocketFlags.None, _receiveStop.Token).ConfigureAwait(false);
                full = received == memory.Length;
                if (received == 0)
                {
                    ended = true;
                    break;
                }

                input.Advance(received);
                _inbound?.Mark(received);
                Interlocked.Add(ref _bytesReceived, received);
                Interlocked.Increment(ref _receives);
                Interlocked.Exchange(ref _lastReceive, _time.GetTimestamp());
                FlushResult result = await input.FlushAsync(_receiveStop.Token).ConfigureAwait(false);
                if (result.IsCompleted || result.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        catch (SocketException e)
        {
            error = e;
        }

        // The frame loop reads what is left in the pipe (a last notice, say) before it closes the link with this.
        _endOfInput = ended
            ? new DisconnectInfo(DisconnectReason.Graceful, "The peer closed the connection.")
            : new DisconnectInfo(DisconnectReason.Timeout, $"The connection was lost ({(error as SocketException)?.SocketErrorCode.ToString() ?? "closed"}).");
        await _input.Writer.CompleteAsync().ConfigureAwait(false);
        LoopEnded();
    }

    private async Task FrameLoopAsync()
    {
        PipeReader input = _input.Reader;
        try
        {
            while (true)
            {
                ReadResult result = await input.ReadAsync().ConfigureAwait(false);
                ReadOnlySequence<byte> buffer = result.Buffer;
                if (IsClosing)
                {
                    // Closing: read and discard until the peer closes (see Close), dispatching nothing.
                    input.AdvanceTo(buffer.End);
                }
                else
                {
                    bool cut = false;
                    try
                    {
                        while (!IsClosing && TryCutFrame(ref buffer, out FrameKind kind, out ReadOnlySequence<byte> body))
                        {
                            cut = true;
                            if (_inbound is { } shaper)
                            {
                                // Simulated: the frame arrives once its last byte has crossed the slower link. It is
                                // whole: no partial frame is timed while it waits.
                                Interlocked.Exchange(ref _partialSince, 0);
                                for (long left = 4 + 1 + body.Length; left > 0;)
                                {
                                    left -= await shaper.TakeAsync(left, _receiveStop.Token).ConfigureAwait(false);
                                }

                                if (IsClosing)
                                {
                                    break;
                                }
                            }

                            _owner.OnFrame(this, kind, body);
                        }
                    }
                    catch (OperationCanceledException) when (_receiveStop.IsCancellationRequested)
                    {
                        // Cut short while a simulated delay held a frame: the link is going; nothing more is dispatched.
                        buffer = buffer.Slice(buffer.End);
                    }
                    catch (Exception e)
                    {
                        // The peer broke the protocol, or (any other exception) a fault of ours: either way the
                        // connection ends, the peer is told, and the loop goes on draining like any closing link.
                        string message = e is NetProtocolException ? e.Message : $"The connection failed: {e.GetType().Name}: {e.Message}";
                        Close(new DisconnectInfo(DisconnectReason.ProtocolViolation, message), notifyPeer: true);
                        buffer = buffer.Slice(buffer.End);
                    }

                    // An incomplete frame is timed from when it began: reset whenever a frame completed.
                    if (buffer.IsEmpty)
                    {
                        Interlocked.Exchange(ref _partialSince, 0);
                    }
                    else if (cut || Interlocked.Read(ref _partialSince) == 0)
                    {
                        Interlocked.Exchange(ref _partialSince, _time.GetTimestamp());
                    }

                    input.AdvanceTo(buffer.Start, buffer.End);
                }

                if (result.IsCompleted || result.IsCanceled)
                {
                    Close(_endOfInput, notifyPeer: false, abort: _endOfInput.Reason != DisconnectReason.Graceful, here: false);
                    break;
                }

                if (!IsClosing)
                {
                    await _owner.WaitForReceiveRoomAsync(this).ConfigureAwait(false);
                }
            }
        }
        catch (InvalidOperationException)
        {
            // The pipe was completed under us by a close.
        }
        finally
        {
            await input.CompleteAsync().ConfigureAwait(false);
            LoopEnded();
        }
    }

    /// <summary>Cuts one whole frame off <paramref name="buffer"/>; refuses a bad length as soon as its 4 bytes are in.</summary>
    private bool TryCutFrame(ref ReadOnlySequence<byte> buffer, out FrameKind kind, out ReadOnlySequence<byte> body)
    {
        kind = default;
        body = default;
        if (buffer.Length < 4)
        {
            return false;
        }

        Span<byte> prefix = stackalloc byte[4];
        buffer.Slice(0, 4).CopyTo(prefix);
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(prefix);
        if (length == 0 || length > (uint)_maxFrame)
        {
            throw new NetProtocolException($"a frame of {length} bytes (the maximum is {_maxFrame})");
        }

        int stranger = HandshakeLimit(_owner);
        if (stranger > 0 && length > (uint)stranger)
        {
            throw new NetProtocolException(
                $"a frame of {length} bytes before the handshake completed, where at most {stranger} are taken then (twice this server's largest hello and 16 KB)");
        }

        if (buffer.Length < 4 + length)
        {
            return false;
        }

        kind = (FrameKind)buffer.Slice(4, 1).FirstSpan[0];
        body = buffer.Slice(5, length - 1);
        buffer = buffer.Slice(4 + length);
        return true;
    }

    private async Task SendLoopAsync()
    {
        PipeReader output = _output.Reader;
        try
        {
            while (true)
            {
                ReadResult result = await output.ReadAsync().ConfigureAwait(false);
                ReadOnlySequence<byte> buffer = result.Buffer;

                // Read before AdvanceTo: the blocks go back to the pool there, and a sequence's length is worked
                // out from its blocks.
                long length = buffer.Length;
                long released = 0; // simulated conditions: the bytes at the buffer's head the shaper let go
                while (!buffer.IsEmpty)
                {
                    if (_outbound is { } shaper && released == 0)
                    {
                        released = await shaper.TakeAsync(buffer.Length, _receiveStop.Token).ConfigureAwait(false);
                    }

                    int sent = await _sender.SendAsync(_socket, _outbound is null ? buffer : buffer.Slice(0, released)).ConfigureAwait(false);
                    buffer = buffer.Slice(sent);
                    released -= sent;
                    Interlocked.Increment(ref _sends);
                }

                if (length > 0)
                {
                    Interlocked.Add(ref _bytesSent, length);
                }

                output.AdvanceTo(result.Buffer.End);
                Interlocked.Add(ref _unsent, -length);
                if (result.IsCompleted || result.IsCanceled)
                {
                    break;
                }
            }

            // Everything is sent: the peer reads the end of the stream after it (a graceful close).
            _socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidOperationException or OperationCanceledException)
        {
            if (!IsClosing)
            {
                Close(new DisconnectInfo(DisconnectReason.Timeout, $"The connection was lost ({(e as SocketException)?.SocketErrorCode.ToString() ?? e.GetType().Name})."), notifyPeer: false, abort: true, here: false);
            }
        }
        finally
        {
            await output.CompleteAsync().ConfigureAwait(false);
            LoopEnded();
        }
    }

    private void DisposeSocket()
    {
        try
        {
            _socket.Dispose();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private void LoopEnded()
    {
        if (Interlocked.Decrement(ref _loops) == 0)
        {
            DisposeSocket();
            _sender.Dispose(); // the send loop has ended: nothing uses it now
            DisconnectInfo info = IsClosing ? _info : new DisconnectInfo(DisconnectReason.Graceful, "The connection closed.");
            _owner.OnClosed(this, info);
        }
    }
}
