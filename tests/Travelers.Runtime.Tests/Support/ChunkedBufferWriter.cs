using System.Buffers;

namespace Travelers.Runtime.Tests;

/// <summary>
/// An <see cref="IBufferWriter{T}"/> that hands out the smallest spans it may: exactly
/// <c>max(sizeHint, MinimumChunk)</c> bytes, a fresh array each time, so every write that crosses a
/// chunk boundary goes through the writer's refill path.
/// </summary>
internal sealed class ChunkedBufferWriter : IBufferWriter<byte>
{
    private readonly List<byte> _written = new();
    private readonly int _minimumChunk;
    private byte[] _chunk = Array.Empty<byte>();

    public ChunkedBufferWriter(int minimumChunk = 3) => _minimumChunk = minimumChunk;

    public int GetSpanCalls { get; private set; }

    public byte[] WrittenBytes => _written.ToArray();

    public void Advance(int count)
    {
        if (count < 0 || count > _chunk.Length)
        {
            throw new InvalidOperationException($"Advance({count}) past the {_chunk.Length}-byte span handed out.");
        }

        _written.AddRange(_chunk.AsSpan(0, count).ToArray());
        _chunk = Array.Empty<byte>();
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        GetSpanCalls++;
        _chunk = new byte[Math.Max(sizeHint, _minimumChunk)];
        return _chunk;
    }

    public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;
}
