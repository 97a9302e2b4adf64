using System;
using System.Buffers;
using System.Collections.Generic;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading.Tasks;
using System.Threading.Tasks.Sources;

namespace Travelers.Transport.Tcp;

/// <summary>
/// A TCP link's sends, Kestrel's way: one reusable <see cref="SocketAsyncEventArgs"/> awaited as a
/// <see cref="ValueTask{TResult}"/>, sending up to <see cref="MaxBuffers"/> blocks of the output pipe in one
/// gathered system call. The socket's list overload allocates a task per call, and past eight buffers the
/// runtime's vectors too; a block at a time allocates nothing but costs a system call each.
/// </summary>
internal sealed class SocketSender : SocketAsyncEventArgs, IValueTaskSource<int>
{
    /// <summary>Blocks per send: the runtime pins this many on the stack; more are allocated per call.</summary>
    public const int MaxBuffers = 8;

    private readonly List<ArraySegment<byte>> _buffers = new(MaxBuffers);
    private ManualResetValueTaskSourceCore<int> _source;

    public SocketSender()
        : base(unsafeSuppressExecutionContextFlow: true)
    {
    }

    /// <summary>Sends the start of <paramref name="buffer"/> (its first <see cref="MaxBuffers"/> blocks at most).</summary>
    /// <returns>The bytes sent.</returns>
    public ValueTask<int> SendAsync(Socket socket, in ReadOnlySequence<byte> buffer)
    {
        if (buffer.IsSingleSegment)
        {
            BufferList = null;
            SetBuffer(MemoryMarshal.AsMemory(buffer.First));
        }
        else
        {
            SetBuffer(null, 0, 0);
            _buffers.Clear();
            foreach (ReadOnlyMemory<byte> segment in buffer)
            {
                if (_buffers.Count == MaxBuffers)
                {
                    break;
                }

                if (!MemoryMarshal.TryGetArray(segment, out ArraySegment<byte> array))
                {
                    throw new InvalidOperationException("The output pipe's blocks are arrays.");
                }

                _buffers.Add(array);
            }

            BufferList = _buffers;
        }

        _source.Reset();
        if (socket.SendAsync(this))
        {
            return new ValueTask<int>(this, _source.Version);
        }

        return SocketError == SocketError.Success
            ? new ValueTask<int>(BytesTransferred)
            : ValueTask.FromException<int>(new SocketException((int)SocketError));
    }

    /// <inheritdoc/>
    protected override void OnCompleted(SocketAsyncEventArgs e)
    {
        if (SocketError == SocketError.Success)
        {
            _source.SetResult(BytesTransferred);
        }
        else
        {
            _source.SetException(new SocketException((int)SocketError));
        }
    }

    int IValueTaskSource<int>.GetResult(short token) => _source.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<int>.GetStatus(short token) => _source.GetStatus(token);

    void IValueTaskSource<int>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _source.OnCompleted(continuation, state, token, flags);
}
