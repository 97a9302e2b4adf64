using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;

namespace Travelers.Transport.Benchmarks;

/// <summary>
/// The floor: a length-prefixed (4-byte) loop on System.IO.Pipelines over a socket, Kestrel's shape, with
/// nothing else: no handshake, no types, no limits beyond the frame length. One end of a connection.
/// </summary>
public sealed class RawPipeLoop : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly Pipe _input = new(new PipeOptions(readerScheduler: PipeScheduler.Inline, useSynchronizationContext: false));
    private readonly Pipe _output = new(new PipeOptions(readerScheduler: PipeScheduler.Inline, pauseWriterThreshold: 0, useSynchronizationContext: false));
    private readonly Action<RawPipeLoop, ReadOnlySequence<byte>> _onFrame;
    private readonly Task _loops;

    private RawPipeLoop(Socket socket, Action<RawPipeLoop, ReadOnlySequence<byte>> onFrame)
    {
        _socket = socket;
        _socket.NoDelay = true;
        _onFrame = onFrame;
        _loops = Task.WhenAll(ReceiveAsync(), FramesAsync(), SendAsync());
    }

    /// <summary>A connected pair on loopback: (client end, server end).</summary>
    public static async Task<(RawPipeLoop Client, RawPipeLoop Server)> PairAsync(Action<RawPipeLoop, ReadOnlySequence<byte>> onClientFrame, Action<RawPipeLoop, ReadOnlySequence<byte>> onServerFrame)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        Task<Socket> accept = listener.AcceptAsync();
        await client.ConnectAsync(listener.LocalEndPoint!);
        Socket server = await accept;
        return (new RawPipeLoop(client, onClientFrame), new RawPipeLoop(server, onServerFrame));
    }

    /// <summary>Appends one frame (length + body); goes out at <see cref="Flush"/>.</summary>
    public void Write(ReadOnlySpan<byte> body)
    {
        Span<byte> span = _output.Writer.GetSpan(4 + body.Length);
        BinaryPrimitives.WriteInt32LittleEndian(span, body.Length);
        body.CopyTo(span[4..]);
        _output.Writer.Advance(4 + body.Length);
    }

    public void Flush() => _ = _output.Writer.FlushAsync();

    private async Task ReceiveAsync()
    {
        try
        {
            while (true)
            {
                Memory<byte> memory = _input.Writer.GetMemory(4096);
                int n = await _socket.ReceiveAsync(memory, SocketFlags.None);
                if (n == 0)
                {
                    break;
                }

                _input.Writer.Advance(n);
                await _input.Writer.FlushAsync();
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }

        await _input.Writer.CompleteAsync();
    }

    private async Task FramesAsync()
    {
        while (true)
        {
            ReadResult result = await _input.Reader.ReadAsync();
            ReadOnlySequence<byte> buffer = result.Buffer;
            while (buffer.Length >= 4)
            {
                int length = ReadLength(buffer);
                if (buffer.Length < 4 + length)
                {
                    break;
                }

                _onFrame(this, buffer.Slice(4, length));
                buffer = buffer.Slice(4 + length);
            }

            _input.Reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }

        await _input.Reader.CompleteAsync();
    }

    private static int ReadLength(ReadOnlySequence<byte> buffer)
    {
        Span<byte> prefix = stackalloc byte[4];
        buffer.Slice(0, 4).CopyTo(prefix);
        return BinaryPrimitives.ReadInt32LittleEndian(prefix);
    }

    private async Task SendAsync()
    {
        try
        {
            while (true)
            {
                ReadResult result = await _output.Reader.ReadAsync();
                foreach (ReadOnlyMemory<byte> segment in result.Buffer)
                {
                    await _socket.SendAsync(segment, SocketFlags.None);
                }

                _output.Reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }

        await _output.Reader.CompleteAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _output.Writer.CompleteAsync();
        _socket.Shutdown(SocketShutdown.Both);
        _socket.Dispose();
        await _loops;
    }
}
