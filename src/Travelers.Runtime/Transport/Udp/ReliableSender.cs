using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using Travelers.Messaging;

namespace Travelers.Transport.Udp;

/// <summary>One reliable unit kept until acknowledged.</summary>
internal sealed class SendUnit
{
    public bool Live;
    public ushort Sequence;
    public SendChunk? Chunk;
    public int Offset;
    public int Length;
    public Unit Header;
    public long LastSent;
    public ushort LastPacket;
    public int Sends;

    /// <summary>The unit's payload.</summary>
    public ReadOnlySpan<byte> Data => Chunk!.Bytes.AsSpan(Offset, Length);
}

/// <summary>A block of units' payloads, back to the pool once every unit in it is acknowledged.</summary>
internal sealed class SendChunk
{
    public byte[] Bytes = Array.Empty<byte>();
    public int Used;
    public int Live;
}

/// <summary>
/// The sending half of one reliable channel (ordered or unordered): a window of at most <see cref="Window"/>
/// units sent and not yet acknowledged, which is also the receiver's buffer bound (flow control: the receiver
/// never has to hold more than a window ahead of what it delivered), and a queue of units waiting for room.
/// The window's ring starts at <see cref="InitialSlots"/> and doubles as a channel's traffic needs, so a quiet
/// channel of one of a thousand sessions costs little. Payloads are copied end to end into pooled chunks, so a
/// burst of small messages costs a few chunks, not a buffer each; a chunk goes back when its last unit is
/// acknowledged. Guarded by the link's lock.
/// </summary>
internal sealed class ReliableSender
{
    /// <summary>
    /// Units in flight per channel; a power of two, far below half the 16-bit sequence space. At 256 a channel
    /// moved 256 units a round trip: 2,560 messages a second at 100 ms, and 1.5 M on loopback against 1.8 M at this.
    /// </summary>
    public const int Window = 1024;

    /// <summary>The window ring's first size (a power of two).</summary>
    public const int InitialSlots = 32;

    /// <summary>The size of a payload chunk; any unit (at most a datagram) fits in one.</summary>
    public const int ChunkBytes = 16 * 1024;

    private SendUnit?[] _slots = new SendUnit?[InitialSlots];
    private readonly Queue<(SendChunk Chunk, int Offset, int Length, Unit Header)> _waiting = new();
    private readonly Stack<SendChunk> _spareChunks = new();
    private readonly FramePool _pool;
    private readonly StrongBox<long> _linkHeld;
    private SendChunk? _write;
    private ushort _next;
    private ushort _oldest;

    /// <param name="slot">The channel's index among the link's reliable channels.</param>
    /// <param name="pool">Where the chunks come from and go back to (rented on the sender's thread, given back on the receive loop's: a shared pool's per-thread caches would not keep them).</param>
    /// <param name="linkHeld">The held bytes of all the link's channels, kept with this one's: the link checks its cap on every send.</param>
    public ReliableSender(int slot, FramePool pool, StrongBox<long> linkHeld)
    {
        Slot = slot;
        _pool = pool;
        _linkHeld = linkHeld;
    }

    /// <summary>This channel's index among the link's reliable channels.</summary>
    public int Slot { get; }

    /// <summary>Units waiting for room in the window.</summary>
    public int Waiting => _waiting.Count;

    /// <summary>Units sent and not acknowledged.</summary>
    public int InFlight => Sequence.Diff(_next, _oldest);

    /// <summary>Payload bytes held (waiting and unacknowledged).</summary>
    public long HeldBytes { get; private set; }

    private void AddHeld(long bytes)
    {
        HeldBytes += bytes;
        _linkHeld.Value += bytes;
    }

    /// <summary>Queues a copy of <paramref name="payload"/> with its header (the sequence is given when it enters the window).</summary>
    public void Enqueue(ReadOnlySpan<byte> payload, Unit header)
    {
        if (_write is null || _write.Bytes.Length - _write.Used < payload.Length)
        {
            if (_write is { Live: 0 })
            {
                Recycle(_write);
            }

            _write = _spareChunks.TryPop(out SendChunk? spare) ? spare : new SendChunk();
            _write.Bytes = _pool.Rent(Math.Max(ChunkBytes, payload.Length));
            _write.Used = 0;
        }

        payload.CopyTo(_write.Bytes.AsSpan(_write.Used));
        _waiting.Enqueue((_write, _write.Used, payload.Length, header));
        _write.Used += payload.Length;
        _write.Live++;
        AddHeld(payload.Length);
    }

    /// <summary>Moves the next waiting unit into the window if there is room; null otherwise.</summary>
    public SendUnit? TakeNew()
    {
        if (_waiting.Count == 0 || InFlight >= Window)
        {
            return null;
        }

        if (InFlight == _slots.Length)
        {
            Grow();
        }

        (SendChunk chunk, int offset, int length, Unit header) = _waiting.Dequeue();
        ushort sequence = _next++;
        SendUnit unit = _slots[sequence & (_slots.Length - 1)] ??= new SendUnit();
        unit.Live = true;
        unit.Sequence = sequence;
        unit.Chunk = chunk;
        unit.Offset = offset;
        unit.Length = length;
        unit.Header = header with { Sequence = sequence };
        unit.Sends = 0;
        return unit;
    }

    /// <summary>The live unit with <paramref name="sequence"/>, or null (acknowledged already, or never sent).</summary>
    public SendUnit? Find(ushort sequence)
    {
        SendUnit? unit = _slots[sequence & (_slots.Length - 1)];
        return unit is { Live: true } && unit.Sequence == sequence ? unit : null;
    }

    /// <summary>A packet holding unit <paramref name="sequence"/> was acknowledged: the unit is done.</summary>
    /// <returns>Whether this acknowledged it (false when it already was).</returns>
    public bool Acknowledge(ushort sequence)
    {
        SendUnit? unit = Find(sequence);
        if (unit is null)
        {
            return false;
        }

        unit.Live = false;
        Release(unit.Chunk!, unit.Length);
        unit.Chunk = null;
        while (_oldest != _next && _slots[_oldest & (_slots.Length - 1)] is not { Live: true })
        {
            _oldest++;
        }

        return true;
    }

    /// <summary>Gives every chunk back to the pool (the link has ended).</summary>
    public void Clear()
    {
        foreach (SendUnit? unit in _slots)
        {
            if (unit is { Live: true })
            {
                unit.Live = false;
                Release(unit.Chunk!, unit.Length);
                unit.Chunk = null;
            }
        }

        while (_waiting.TryDequeue(out (SendChunk Chunk, int Offset, int Length, Unit Header) item))
        {
            Release(item.Chunk, item.Length);
        }

        if (_write is { Live: 0 })
        {
            Recycle(_write);
        }

        _write = null;
        AddHeld(-HeldBytes);
        _oldest = _next;
    }

    /// <summary>
    /// Doubles the ring, each unit in flight moving to its slot in the larger one (their sequences are consecutive,
    /// so none collide). Spare units stay behind: a channel grows a few times in its life, not per message.
    /// </summary>
    private void Grow()
    {
        var grown = new SendUnit?[_slots.Length * 2];
        foreach (SendUnit? unit in _slots)
        {
            if (unit is { Live: true })
            {
                grown[unit.Sequence & (grown.Length - 1)] = unit;
            }
        }

        _slots = grown;
    }

    private void Release(SendChunk chunk, int length)
    {
        AddHeld(-length);
        if (--chunk.Live == 0 && chunk != _write)
        {
            Recycle(chunk);
        }
    }

    private void Recycle(SendChunk chunk)
    {
        _pool.Return(chunk.Bytes);
        chunk.Bytes = Array.Empty<byte>();
        _spareChunks.Push(chunk);
    }
}
