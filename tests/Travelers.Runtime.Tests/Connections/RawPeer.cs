using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Travelers;
using Travelers.Messaging;

namespace Travelers.Runtime.Tests.Connections;

/// <summary>A client written by hand on a raw socket, to send what a real client never would.</summary>
internal sealed class RawPeer : IDisposable
{
    private readonly Socket _socket;

    private RawPeer(Socket socket) => _socket = socket;

    /// <summary>Connects, from <paramref name="from"/> when given (another loopback address is another client to the server's per-address caps).</summary>
    public static async Task<RawPeer> ConnectAsync(IPEndPoint server, IPAddress? from = null)
    {
        var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (from is not null)
        {
            socket.Bind(new IPEndPoint(from, 0));
        }

        await socket.ConnectAsync(server, TestContext.Current.CancellationToken);
        return new RawPeer(socket);
    }

    /// <summary>A server's end written by hand: the next connection <paramref name="listener"/> accepts.</summary>
    public static async Task<RawPeer> AcceptAsync(Socket listener) =>
        new(await listener.AcceptAsync(TestContext.Current.CancellationToken));

    /// <summary>Connects and completes the handshake as a real client would, polling the server meanwhile.</summary>
    public static async Task<RawPeer> HandshakeAsync(NetServer server, MessageTable? table = null, byte flags = 0)
    {
        RawPeer peer = await ConnectAsync(server.LocalEndPoint);
        await peer.SayHelloAndExpectAcceptAsync(server, table, flags);
        return peer;
    }

    /// <summary>Sends the hello a real client would and asserts that the server, polled meanwhile, accepts it.</summary>
    public async Task SayHelloAndExpectAcceptAsync(NetServer server, MessageTable? table = null, byte flags = 0)
    {
        await SendHelloAsync(table ?? MessageTable.Current(), flags: flags);
        Task<(FrameKind Kind, byte[] Body)?> answer = ReadFrameAsync();
        await Loopback.Until(() => answer.IsCompleted, server.Poll);
        Assert.Equal(FrameKind.Accept, (await answer)?.Kind);
    }

    public Task SendHelloAsync(MessageTable table, byte[]? payload = null, byte flags = 0)
    {
        var body = new ArrayBufferWriter<byte>();
        Handshake.WriteHello(body, table, payload ?? [], flags);
        return SendFrameAsync(FrameKind.Hello, body.WrittenSpan.ToArray());
    }

    public Task SendFrameAsync(FrameKind kind, byte[] body)
    {
        byte[] frame = new byte[5 + body.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)(body.Length + 1));
        frame[4] = (byte)kind;
        body.CopyTo(frame, 5);
        return SendRawAsync(frame);
    }

    /// <summary>A batch frame of one message record: type index, length, body.</summary>
    public Task SendMessageAsync(int typeIndex, byte[] body)
    {
        var record = new List<byte>();
        AddVarUInt(record, (uint)typeIndex);
        AddVarUInt(record, (uint)body.Length);
        record.AddRange(body);
        return SendFrameAsync(FrameKind.Messages, [.. record]);
    }

    public async Task SendRawAsync(byte[] bytes) =>
        await _socket.SendAsync(bytes, SocketFlags.None, TestContext.Current.CancellationToken);

    /// <summary>The next frame, or null when the server closed the connection.</summary>
    public async Task<(FrameKind Kind, byte[] Body)?> ReadFrameAsync()
    {
        byte[] prefix = new byte[4];
        if (!await ReadExactlyAsync(prefix))
        {
            return null;
        }

        byte[] frame = new byte[BinaryPrimitives.ReadUInt32LittleEndian(prefix)];
        if (!await ReadExactlyAsync(frame))
        {
            return null;
        }

        return ((FrameKind)frame[0], frame[1..]);
    }

    /// <summary>Reads frames until the server closes; returns the notice it sent last, if any.</summary>
    public async Task<DisconnectInfo?> ReadUntilClosedAsync()
    {
        DisconnectInfo? notice = null;
        while (await ReadFrameAsync() is { } frame)
        {
            if (frame.Kind is FrameKind.Disconnect or FrameKind.Refuse)
            {
                notice = Handshake.ReadNotice(frame.Body);
            }
        }

        return notice;
    }

    private async Task<bool> ReadExactlyAsync(byte[] buffer)
    {
        int read = 0;
        while (read < buffer.Length)
        {
            int n;
            try
            {
                n = await _socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, TestContext.Current.CancellationToken);
            }
            catch (SocketException)
            {
                return false;
            }

            if (n == 0)
            {
                return false;
            }

            read += n;
        }

        return true;
    }

    private static void AddVarUInt(List<byte> bytes, uint value)
    {
        while (value >= 0x80)
        {
            bytes.Add((byte)(value | 0x80));
            value >>= 7;
        }

        bytes.Add((byte)value);
    }

    public void Dispose() => _socket.Dispose();
}
