using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Travelers.Transport.Benchmarks;

/// <summary>
/// The UDP floor (PEERS.md): two connected UDP sockets on loopback and nothing else: no header, no checksum,
/// no acknowledgements, no handshake. One way, the sender packs <see cref="PerDatagram"/> messages of 32 bytes,
/// each behind a 2-byte length, into one 1,190-byte datagram (one system call per datagram); the receiver is a
/// thread blocked in <c>Receive</c> that counts the messages of the current operation. Ping-pong, the receiving
/// end echoes each datagram back, either blocked in <c>Receive</c> (the kernel wakes it) or busy-polling a
/// non-blocking socket (yielding between empty polls, as the Travelers server thread of the ping-pong does).
/// Both sockets get 4 MB buffers, as Travelers' server socket does.
/// </summary>
public sealed class RawUdpLoop : IDisposable
{
    /// <summary>Messages per datagram: 35 x (2 + 32) = 1,190 bytes, the most that fits in a 1,200-byte payload.</summary>
    public const int PerDatagram = 35;

    private const int MessageBytes = 32;
    private const int RecordBytes = 2 + MessageBytes;

    private readonly Socket _client;
    private readonly Socket _server;
    private readonly Thread _thread;
    private readonly byte[] _datagram = new byte[PerDatagram * RecordBytes]; // with segments, that many datagrams end to end
    private readonly byte[] _pong = new byte[2048];
    private readonly Mode _mode;
    private volatile bool _stop;
    private long _op;
    private long _received;

    /// <summary>What the receiving end does.</summary>
    public enum Mode
    {
        /// <summary>Counts the messages of the current operation (one way).</summary>
        Count,

        /// <summary>Echoes each datagram, blocked in <c>Receive</c> between them.</summary>
        EchoBlocking,

        /// <summary>Echoes each datagram, polling a non-blocking socket in a loop.</summary>
        EchoBusy,
    }

    /// <param name="mode">What the receiving end does.</param>
    /// <param name="segments">One way: datagrams per system call; above 1, the client socket cuts each send into datagrams (UDP_SEGMENT, Linux).</param>
    public RawUdpLoop(Mode mode, int segments = 1)
    {
        _mode = mode;
        _server = NewSocket();
        _client = NewSocket();
        _server.Connect(_client.LocalEndPoint!);
        _client.Connect(_server.LocalEndPoint!);
        if (segments > 1)
        {
            _client.SetRawSocketOption(17, 103, BitConverter.GetBytes(PerDatagram * RecordBytes)); // SOL_UDP, UDP_SEGMENT
            _datagram = new byte[segments * PerDatagram * RecordBytes];
        }

        if (mode == Mode.EchoBusy)
        {
            _server.Blocking = false;
            _client.Blocking = false;
        }

        _thread = new Thread(mode == Mode.Count ? CountLoop : mode == Mode.EchoBlocking ? EchoBlockingLoop : EchoBusyLoop)
        {
            IsBackground = true,
            Name = $"raw udp {mode}",
        };
        _thread.Start();
    }

    /// <summary>Messages of the current operation received so far (any thread).</summary>
    public long Received => Volatile.Read(ref _received);

    /// <summary>Starts an operation: from now on only messages tagged with it count. Returns the count to add N to.</summary>
    public long BeginOperation()
    {
        Volatile.Write(ref _op, _op + 1);
        return Volatile.Read(ref _received);
    }

    /// <summary>Sends <paramref name="count"/> messages tagged with the current operation, <see cref="PerDatagram"/> to a datagram (and, segmented, as many datagrams to a send as the buffer holds).</summary>
    public void SendBatched(int count)
    {
        long op = _op;
        Span<byte> datagram = _datagram;
        int at = 0;
        for (int i = 0; i < count; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(datagram[at..], MessageBytes);
            BinaryPrimitives.WriteInt64LittleEndian(datagram[(at + 2)..], op);
            BinaryPrimitives.WriteInt64LittleEndian(datagram[(at + 10)..], i);
            at += RecordBytes;
            if (at == datagram.Length)
            {
                _client.Send(datagram, SocketFlags.None);
                at = 0;
            }
        }

        if (at > 0)
        {
            _client.Send(datagram[..at], SocketFlags.None);
        }
    }

    /// <summary>One 32-byte message there and back, the client blocked in <c>Receive</c> meanwhile.</summary>
    public void PingBlocking()
    {
        Span<byte> ping = stackalloc byte[MessageBytes];
        ping[0] = 0xFF;
        _client.Send(ping, SocketFlags.None);
        _client.Receive(_pong, SocketFlags.None);
    }

    /// <summary>One 32-byte message there and back, the client polling its non-blocking socket meanwhile.</summary>
    public void PingBusy()
    {
        Span<byte> ping = stackalloc byte[MessageBytes];
        ping[0] = 0xFF;
        _client.Send(ping, SocketFlags.None);
        var spin = default(SpinWait);
        while (true)
        {
            _client.Receive(_pong, SocketFlags.None, out SocketError error);
            if (error == SocketError.Success)
            {
                return;
            }

            spin.SpinOnce(-1);
        }
    }

    public void Dispose()
    {
        _stop = true;
        _server.Dispose(); // wakes a blocked Receive
        _client.Dispose();
        _thread.Join();
    }

    private static Socket NewSocket()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp)
        {
            ReceiveBufferSize = 4 * 1024 * 1024,
            SendBufferSize = 4 * 1024 * 1024,
        };
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return socket;
    }

    private void CountLoop()
    {
        byte[] buffer = new byte[64 * 1024];
        try
        {
            while (!_stop)
            {
                int n = _server.Receive(buffer, SocketFlags.None);
                long op = Volatile.Read(ref _op);
                int counted = 0;
                for (int at = 0; at + 2 <= n;)
                {
                    int length = BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(at));
                    if (length >= 8 && at + 2 + length <= n && BinaryPrimitives.ReadInt64LittleEndian(buffer.AsSpan(at + 2)) == op)
                    {
                        counted++;
                    }

                    at += 2 + length;
                }

                Volatile.Write(ref _received, _received + counted);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    private void EchoBlockingLoop()
    {
        byte[] buffer = new byte[64 * 1024];
        try
        {
            while (!_stop)
            {
                int n = _server.Receive(buffer, SocketFlags.None);
                _server.Send(buffer.AsSpan(0, n), SocketFlags.None);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    private void EchoBusyLoop()
    {
        byte[] buffer = new byte[64 * 1024];
        try
        {
            while (!_stop)
            {
                int n = _server.Receive(buffer, SocketFlags.None, out SocketError error);
                if (error == SocketError.Success)
                {
                    _server.Send(buffer.AsSpan(0, n), SocketFlags.None);
                }
                else
                {
                    Thread.Yield();
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }
}
