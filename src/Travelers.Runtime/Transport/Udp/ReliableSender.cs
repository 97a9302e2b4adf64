using System;
using System.Buffers;
using System.Collections.Generic;

namespace Travelers.Transport.Udp;

/// <summary>One reliable unit kept until acknowledged.</summary>
internal sealed class SendUnit
{
    public bool Live;
    public ushort Sequence;
    public byte[] Data = Array.Empty<byte>();
    public int Length;
    public Unit Header;
    public long LastSent;
    public ushort LastPacket;
    public int Sends;
}

/// <summary>
/// The sending half of one reliable channel (ordered or unordered): a window of at most <see cref="Window"/>
/// units sent and not yet acknowledged, which is also the receiver's buffer bound (flow control: the receiver
/// never has to hold more than a window ahead of what it delivered), and a queue of units waiting for room.
/// Guarded by the link's lock.
/// </summary>
internal sealed class ReliableSender
{
    /// <summary>Units in flight per channel; a power of two, far below half the 16-bit sequence space.</summary>
    public const int Window = 256;

    private readonly SendUnit?[] _slots = new SendUnit?[Window];
    private readonly Queue<(byte[] Data, int Length, Unit Header)> _waiting = new();
    private ushort _next;
    private ushort _oldest;

    public ReliableSender(int slot)
    {
        Slot = slot;
    }

    /// <summary>This channel's index among the link's reliable channels.</summary>
    public int Slot { get; }

    /// <summary>Units waiting for room in the window.</summary>
    public int Waiting => _waiting.Count;

    /// <summary>Units sent and not acknowledged.</summary>
    public int InFlight => Sequence.Diff(_next, _oldest);

    /// <summary>Payload bytes held (waiting and unacknowledged).</summary>
    public long HeldBytes { get; private set; }

    /// <summary>Queues a unit (its header without the sequence, which is given when it enters the window). Takes <paramref name="data"/>, pooled.</summary>
    public void Enqueue(byte[] data, int length, Unit header)
    {
        _waiting.Enqueue((data, length, header));
        HeldBytes += length;
    }

    /// <summary>Moves the next waiting unit into the window if there is room; null otherwise.</summary>
    public SendUnit? TakeNew()
    {
        if (_waiting.Count == 0 || InFlight >= Window)
        {
            return null;
        }

        (byte[] data, int length, Unit header) = _waiting.Dequeue();
        ushort sequence = _next++;
        SendUnit unit = _slots[sequence & (Window - 1)] ??= new SendUnit();
        unit.Live = true;
        unit.Sequence = sequence;
        unit.Data = data;
        unit.Length = length;
        unit.Header = header with { Sequence = sequence };
        unit.Sends = 0;
        return unit;
    }

    /// <summary>The live unit with <paramref name="sequence"/>, or null (acknowledged already, or never sent).</summary>
    public SendUnit? Find(ushort sequence)
    {
        SendUnit? unit = _slots[sequence & (Window - 1)];
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

        Release(unit);
        while (_oldest != _next && _slots[_oldest & (Window - 1)] is not { Live: true })
        {
            _oldest++;
        }

        return true;
    }

    /// <summary>Gives every buffer back to the pool (the link has ended).</summary>
    public void Clear()
    {
        foreach (SendUnit? unit in _slots)
        {
            if (unit is { Live: true })
            {
                Release(unit);
            }
        }

        while (_waiting.TryDequeue(out (byte[] Data, int Length, Unit Header) item))
        {
            ArrayPool<byte>.Shared.Return(item.Data);
        }

        HeldBytes = 0;
        _oldest = _next;
    }

    private void Release(SendUnit unit)
    {
        unit.Live = false;
        HeldBytes -= unit.Length;
        ArrayPool<byte>.Shared.Return(unit.Data);
        unit.Data = Array.Empty<byte>();
    }
}
