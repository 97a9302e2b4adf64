using System;
using System.Runtime.CompilerServices;
using Travelers.Messaging;

namespace Travelers.Transport.Udp;

/// <summary>Where a receiver hands the units it releases, in the order their channel promises.</summary>
internal interface IUnitSink
{
    void Deliver(in Unit unit, ReadOnlySpan<byte> payload);
}

/// <summary>What a receiver would do with a unit: checked for a whole packet before any unit of it is applied.</summary>
internal enum UnitVerdict
{
    /// <summary>Already had it: dropped (the packet is still acknowledged).</summary>
    Duplicate,

    /// <summary>Delivered now.</summary>
    Deliver,

    /// <summary>Held until the units before it arrive (ordered channels).</summary>
    Hold,

    /// <summary>Beyond the window a correct sender keeps to: the peer broke the protocol.</summary>
    OutOfWindow,
}

/// <summary>
/// The receiving half of one reliable channel. Ordered: units are released in sequence, those ahead of a gap
/// held (at most a window of them). Unordered: each unit is released the first time it arrives; a bitmap of the
/// window remembers which came, so a resent or duplicated one is dropped. Guarded by the link's lock.
/// </summary>
internal sealed class ReliableReceiver
{
    private const int Window = ReliableSender.Window;

    private readonly bool _ordered;
    private (byte[]? Data, Unit Header)[] _held;
    private bool[] _seen;
    private ushort _expected;

    private readonly FramePool _pool;
    private readonly StrongBox<long> _linkHeld;

    /// <param name="ordered">Whether units are released in sequence.</param>
    /// <param name="pool">Where held units' buffers come from.</param>
    /// <param name="linkHeld">The held bytes of all the link's channels, kept with this one's: checked on every packet received.</param>
    public ReliableReceiver(bool ordered, FramePool pool, StrongBox<long> linkHeld)
    {
        _ordered = ordered;
        _pool = pool;
        _linkHeld = linkHeld;
        // Rings over the window ahead of the next expected unit, grown (up to the window) as a sender runs ahead.
        _held = ordered ? new (byte[]?, Unit)[ReliableSender.InitialSlots] : Array.Empty<(byte[]?, Unit)>();
        _seen = ordered ? Array.Empty<bool>() : new bool[ReliableSender.InitialSlots];
    }

    /// <summary>Payload bytes held ahead of a gap.</summary>
    public long HeldBytes { get; private set; }

    private void AddHeld(long bytes)
    {
        HeldBytes += bytes;
        _linkHeld.Value += bytes;
    }

    /// <summary>What <see cref="Accept"/> would do with unit <paramref name="sequence"/>.</summary>
    public UnitVerdict Judge(ushort sequence)
    {
        int ahead = Sequence.Diff(sequence, _expected);
        if (ahead < 0)
        {
            return UnitVerdict.Duplicate;
        }

        if (ahead >= Window)
        {
            return UnitVerdict.OutOfWindow;
        }

        // Past the ring's end nothing can be held or seen yet.
        if (_ordered)
        {
            return ahead == 0 ? UnitVerdict.Deliver : ahead >= _held.Length || _held[sequence & (_held.Length - 1)].Data is null ? UnitVerdict.Hold : UnitVerdict.Duplicate;
        }

        return ahead < _seen.Length && _seen[sequence & (_seen.Length - 1)] ? UnitVerdict.Duplicate : UnitVerdict.Deliver;
    }

    /// <summary>Takes a unit the packet check allowed, releasing to <paramref name="sink"/> whatever is now in order.</summary>
    public void Accept(in Unit unit, ReadOnlySpan<byte> payload, IUnitSink sink)
    {
        ushort sequence = unit.Sequence;
        switch (Judge(sequence))
        {
            case UnitVerdict.Deliver when _ordered:
                sink.Deliver(unit, payload);
                _expected++;
                ReleaseHeld(sink);
                return;
            case UnitVerdict.Deliver:
                while (Sequence.Diff(sequence, _expected) >= _seen.Length)
                {
                    _seen = GrowSeen(_seen);
                }

                _seen[sequence & (_seen.Length - 1)] = true;
                sink.Deliver(unit, payload);
                while (_seen[_expected & (_seen.Length - 1)])
                {
                    _seen[_expected & (_seen.Length - 1)] = false;
                    _expected++;
                }

                return;
            case UnitVerdict.Hold:
                while (Sequence.Diff(sequence, _expected) >= _held.Length)
                {
                    _held = GrowHeld(_held);
                }

                byte[] copy = _pool.Rent(payload.Length);
                payload.CopyTo(copy);
                _held[sequence & (_held.Length - 1)] = (copy, unit);
                AddHeld(payload.Length);
                return;
            default:
                return;
        }
    }

    /// <summary>Gives the held buffers back to the pool (the link has ended).</summary>
    public void Clear()
    {
        for (int i = 0; i < _held.Length; i++)
        {
            if (_held[i].Data is { } data)
            {
                _pool.Return(data);
                _held[i] = default;
            }
        }

        AddHeld(-HeldBytes);
    }

    /// <summary>The held ring doubled, each held unit at its sequence's slot in the new one.</summary>
    private static (byte[]? Data, Unit Header)[] GrowHeld((byte[]? Data, Unit Header)[] ring)
    {
        var grown = new (byte[]? Data, Unit Header)[ring.Length * 2];
        foreach ((byte[]? Data, Unit Header) entry in ring)
        {
            if (entry.Data is not null)
            {
                grown[entry.Header.Sequence & (grown.Length - 1)] = entry;
            }
        }

        return grown;
    }

    /// <summary>The seen ring doubled: the marks for the window ahead of the next expected unit keep their sequences.</summary>
    private bool[] GrowSeen(bool[] ring)
    {
        bool[] grown = new bool[ring.Length * 2];
        for (int i = 0; i < ring.Length; i++)
        {
            ushort sequence = (ushort)(_expected + i);
            grown[sequence & (grown.Length - 1)] = ring[sequence & (ring.Length - 1)];
        }

        return grown;
    }

    private void ReleaseHeld(IUnitSink sink)
    {
        while (_held[_expected & (_held.Length - 1)] is { Data: { } data } held)
        {
            _held[_expected & (_held.Length - 1)] = default;
            AddHeld(-held.Header.Length);
            _expected++;
            try
            {
                sink.Deliver(held.Header, data.AsSpan(0, held.Header.Length));
            }
            finally
            {
                _pool.Return(data);
            }
        }
    }
}
