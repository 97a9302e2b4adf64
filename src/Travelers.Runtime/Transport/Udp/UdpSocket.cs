using System;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using Travelers.Transport.Simulation;

namespace Travelers.Transport.Udp;

/// <summary>What a datagram that arrived is handed to, on the receive loop.</summary>
internal delegate void DatagramHandler(ReadOnlySpan<byte> datagram, SocketAddress from);

/// <summary>
/// One UDP socket: the server's (unconnected, one for every client) or a client's (connected to its server).
/// The server's socket, and the first <see cref="DedicatedClientThreads"/> client sockets of a process, have a
/// thread of their own, blocked in the kernel's receive: one wake-up a burst, where the runtime's asynchronous
/// receive costs two (its event thread, then a pool thread) and measured 2.5x the CPU per datagram. Further client
/// sockets (a process of bots, a load test) receive asynchronously instead: a thousand blocked threads cost the
/// machine more than the hops, and a server on the same machine paid to wake one of them for every datagram it
/// sent. Either way each datagram reaches the handler with the sender's address, through
/// <see cref="SocketAddress"/> APIs that allocate nothing. Sends are synchronous: one system call a datagram, or,
/// on Linux, one for up to <see cref="MaxSegments"/> datagrams of the same size to the same peer (UDP generic
/// segmentation offload, UDP_SEGMENT: the kernel cuts the send into datagrams, which costs a fraction of a system
/// call each). With <see cref="NetworkConditions"/>, datagrams pass through a seeded simulator each way, one by one.
/// </summary>
internal sealed class UdpSocket : IUdpSender, IDisposable
{
    private readonly Socket _socket;
    private readonly SocketAddress? _peer;
    private readonly DatagramHandler _handler;
    private readonly CancellationTokenSource _stop = new();
    private readonly DatagramSimulator? _outbound;
    private readonly DatagramSimulator? _inbound;
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Thread? _thread;
    private long _sendErrors;
    private long _handlerFaults;
    private long _segmentedSends;
    private int _maxSegments;
    private static int s_clientThreads;

    /// <param name="socket">A bound socket (connected, for a client).</param>
    /// <param name="peer">The connected peer's address, handed to the handler as the sender; null for the server.</param>
    /// <param name="conditions">The simulator's settings, or null.</param>
    /// <param name="time">The simulator's clock.</param>
    /// <param name="handler">Gets each datagram.</param>
    /// <param name="segmentSize">The size of the datagrams <see cref="SendSegments"/> sends together (the MTU), or 0 for none.</param>
    public UdpSocket(Socket socket, SocketAddress? peer, NetworkConditions? conditions, TimeProvider time, DatagramHandler handler, int segmentSize = 0)
    {
        _socket = socket;
        _peer = peer;
        _handler = handler;
        _maxSegments = 1;
        if (conditions is not null)
        {
            // Both directions, each with its own stream of decisions from the same seed.
            _outbound = new DatagramSimulator(conditions, time, SendNow);
            _inbound = new DatagramSimulator(Reseeded(conditions, unchecked((conditions.Seed * 31) + 17)), time, Handle);
        }
        else if (segmentSize > 0 && OperatingSystem.IsLinux())
        {
            _maxSegments = TryEnableSegmentation(socket, segmentSize);
        }
    }

    /// <inheritdoc/>
    public int MaxSegments => Volatile.Read(ref _maxSegments);

    /// <summary>Sends that carried more than one datagram.</summary>
    public long SegmentedSends => Interlocked.Read(ref _segmentedSends);

    /// <summary>The bound address.</summary>
    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    /// <summary>Sends the OS refused (a full buffer, an unreachable address).</summary>
    public long SendErrors => Interlocked.Read(ref _sendErrors);

    /// <summary>Datagrams whose handling failed with an exception (dropped; the sender's reliability repairs it).</summary>
    public long HandlerFaults => Interlocked.Read(ref _handlerFaults);

    /// <summary>The simulator on the way out, if any (tests read its counters).</summary>
    public DatagramSimulator? Outbound => _outbound;

    /// <summary>Starts the receive thread.</summary>
    public void Start()
    {
        if (_peer is not null && Interlocked.Increment(ref s_clientThreads) > DedicatedClientThreads)
        {
            Interlocked.Decrement(ref s_clientThreads);
            _ = ReceiveLoopAsync();
            return;
        }

        // A small stack: the loop's frames and the handler's are shallow.
        _thread = new Thread(ReceiveLoop, maxStackSize: 256 * 1024)
        {
            IsBackground = true,
            Name = _peer is null ? "Travelers UDP server" : "Travelers UDP client",
        };
        _thread.Start();
    }

    /// <summary>Client sockets of one process that get a receive thread of their own; the rest receive asynchronously.</summary>
    public const int DedicatedClientThreads = 4;

    /// <summary>Whether this socket receives on a thread of its own (false until started, and for asynchronous receives).</summary>
    public bool HasReceiveThread => _thread is not null;

    /// <inheritdoc/>
    public void Send(ReadOnlySpan<byte> datagram, SocketAddress? address)
    {
        if (_outbound is not null)
        {
            _outbound.Submit(datagram, address);
            return;
        }

        SendNow(datagram, address);
    }

    /// <inheritdoc/>
    public void SendSegments(ReadOnlySpan<byte> segments, int segmentSize, SocketAddress? address)
    {
        if (segments.Length > segmentSize && MaxSegments > 1)
        {
            SocketError error = TrySend(segments, address);
            if (error == SocketError.Success)
            {
                Interlocked.Increment(ref _segmentedSends);
                return;
            }

            if (error is SocketError.WouldBlock or SocketError.NoBufferSpaceAvailable or SocketError.ConnectionRefused)
            {
                Interlocked.Increment(ref _sendErrors); // the same fate as a single datagram's: lost, repaired above
                return;
            }

            // Some devices refuse segmentation (a driver without checksum offload says EIO): send one by one from now on.
            Volatile.Write(ref _maxSegments, 1);
        }

        while (segments.Length > 0)
        {
            int length = Math.Min(segmentSize, segments.Length);
            Send(segments[..length], address);
            segments = segments[length..];
        }
    }

    /// <summary>Stops the loop and closes the socket.</summary>
    public void Dispose()
    {
        _stop.Cancel();
        _socket.Dispose();
        _outbound?.Dispose();
        _inbound?.Dispose();
    }

    /// <summary>Completes when the receive thread has stopped.</summary>
    public Task Stopped => _stopped.Task;

    private void SendNow(ReadOnlySpan<byte> datagram, SocketAddress? address)
    {
        if (TrySend(datagram, address) is not (SocketError.Success or SocketError.OperationAborted))
        {
            // UDP promises nothing: a datagram the OS will not take now is a lost one, which the layer above repairs.
            Interlocked.Increment(ref _sendErrors);
        }
    }

    private SocketError TrySend(ReadOnlySpan<byte> datagram, SocketAddress? address)
    {
        try
        {
            if (address is null)
            {
                _socket.Send(datagram, SocketFlags.None);
            }
            else
            {
                _socket.SendTo(datagram, SocketFlags.None, address);
            }

            return SocketError.Success;
        }
        catch (SocketException e)
        {
            return e.SocketErrorCode;
        }
        catch (ObjectDisposedException)
        {
            return SocketError.OperationAborted;
        }
    }

    /// <summary>
    /// Turns on UDP generic segmentation offload (Linux 4.18 and later) for datagrams of <paramref name="segmentSize"/>
    /// bytes; returns how many one send may carry (the kernel's limit is 64, and a send at most 64 KB), or 1 where
    /// the kernel does not have it.
    /// </summary>
    private static int TryEnableSegmentation(Socket socket, int segmentSize)
    {
        const int SolUdp = 17, UdpSegment = 103;
        try
        {
            Span<byte> value = stackalloc byte[sizeof(int)];
            MemoryMarshal.Write(value, in segmentSize); // an int in the machine's own byte order, as setsockopt takes it
            socket.SetRawSocketOption(SolUdp, UdpSegment, value);
            return Math.Clamp(60_000 / segmentSize, 1, 64);
        }
        catch (SocketException)
        {
            return 1;
        }
    }

    private static NetworkConditions Reseeded(NetworkConditions c, int seed) => new()
    {
        Latency = c.Latency,
        Jitter = c.Jitter,
        Loss = c.Loss,
        Duplicate = c.Duplicate,
        Reorder = c.Reorder,
        Corrupt = c.Corrupt,
        BandwidthBytesPerSecond = c.BandwidthBytesPerSecond,
        Seed = seed,
    };

    /// <summary>
    /// The inbound simulator's sink, on its timer thread, where an exception would end the process: a fault
    /// handling one datagram is counted and the datagram dropped, as on the receive loop.
    /// </summary>
    private void Handle(ReadOnlySpan<byte> datagram, SocketAddress? from)
    {
        try
        {
            _handler(datagram, from ?? _peer!);
        }
        catch (Exception)
        {
            Interlocked.Increment(ref _handlerFaults);
        }
    }

    private void ReceiveLoop()
    {
        try
        {
            byte[] buffer = GC.AllocateUninitializedArray<byte>(64 * 1024);
            var from = new SocketAddress(_socket.AddressFamily);
            CancellationToken stop = _stop.Token;
            while (!stop.IsCancellationRequested)
            {
                int received;
                try
                {
                    // Blocking: disposing the socket wakes the thread with an error, which ends the loop.
                    received = _peer is null
                        ? _socket.ReceiveFrom(buffer, SocketFlags.None, from)
                        : _socket.Receive(buffer, SocketFlags.None);
                }
                catch (SocketException e) when (!stop.IsCancellationRequested && IsTransient(e))
                {
                    continue;
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    return; // closed, or the socket itself failed: its sessions time out
                }

                Deliver(buffer.AsSpan(0, received), _peer ?? from);
            }
        }
        finally
        {
            if (_peer is not null)
            {
                Interlocked.Decrement(ref s_clientThreads);
            }

            _stopped.TrySetResult();
        }
    }

    /// <summary>A client socket's receive loop past the dedicated threads: the runtime's asynchronous receive.</summary>
    private async Task ReceiveLoopAsync()
    {
        try
        {
            await Task.Yield(); // off the caller's thread from the first receive on
            byte[] buffer = GC.AllocateUninitializedArray<byte>(64 * 1024);
            CancellationToken stop = _stop.Token;
            while (!stop.IsCancellationRequested)
            {
                int received;
                try
                {
                    received = await _socket.ReceiveAsync(buffer, SocketFlags.None, stop).ConfigureAwait(false);
                }
                catch (SocketException e) when (!stop.IsCancellationRequested && IsTransient(e))
                {
                    continue;
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
                {
                    return;
                }

                Deliver(buffer.AsSpan(0, received), _peer!);
            }
        }
        finally
        {
            _stopped.TrySetResult();
        }
    }

    /// <summary>
    /// An ICMP error for an earlier send (port unreachable, say) surfaces on a later receive, and a datagram too large
    /// for the buffer is cut: neither is fatal to the socket.
    /// </summary>
    private static bool IsTransient(SocketException e) => e.SocketErrorCode is SocketError.ConnectionReset
        or SocketError.ConnectionRefused or SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.MessageSize;

    /// <summary>Hands a datagram to the simulator or the handler; a fault handling one must not stop the socket for every other peer.</summary>
    private void Deliver(ReadOnlySpan<byte> datagram, SocketAddress sender)
    {
        try
        {
            if (_inbound is not null)
            {
                _inbound.Submit(datagram, sender);
            }
            else
            {
                _handler(datagram, sender);
            }
        }
        catch (Exception)
        {
            // Stopping or not: on a dedicated receive thread an exception let through would end the process.
            Interlocked.Increment(ref _handlerFaults);
        }
    }
}
