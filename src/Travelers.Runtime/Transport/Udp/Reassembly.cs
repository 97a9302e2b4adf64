using System;
using System.Collections.Generic;
using Travelers.Messaging;

namespace Travelers.Transport.Udp;

/// <summary>
/// Puts fragmented messages back together, within bounds: at most <see cref="MaxFragments"/> pieces a message
/// (so no more than the largest message), a budget of bytes held for unreliable messages (the oldest incomplete
/// one is dropped to make room), and a time limit on completing each. Reliable fragments need no budget: a
/// correct sender keeps them within its window, so what a peer can make this hold is bounded by the window and
/// the largest message. Nothing is allocated on a fragment's word: a piece is copied into a pooled buffer of its
/// own size, and the whole message is put together only when every piece is in. Guarded by the link's lock.
/// </summary>
internal sealed class Reassembly
{
    private readonly Dictionary<(byte Kind, byte Channel, ushort Key), Group> _groups = new();
    private readonly List<(byte, byte, ushort)> _expired = new();
    private readonly int _maxMessage;
    private readonly long _unreliableBudget;
    private readonly FramePool _pool;
    private long _unreliableBytes;

    /// <param name="maxMessageBytes">The largest message accepted.</param>
    /// <param name="fragmentPayload">The payload of a full fragment, which bounds the pieces of a message.</param>
    /// <param name="unreliableBudget">Bytes held at most for incomplete unreliable messages.</param>
    /// <param name="pool">Where the pieces' buffers come from.</param>
    public Reassembly(int maxMessageBytes, int fragmentPayload, long unreliableBudget, FramePool pool)
    {
        _pool = pool;
        _maxMessage = maxMessageBytes;
        MaxFragments = Math.Min(ushort.MaxValue, (maxMessageBytes + fragmentPayload - 1) / fragmentPayload + 1);
        _unreliableBudget = unreliableBudget;
    }

    /// <summary>The most pieces a message may come in.</summary>
    public int MaxFragments { get; }

    /// <summary>Incomplete messages dropped (unreliable ones over the budget or out of time).</summary>
    public long Dropped { get; private set; }

    /// <summary>Messages being put together.</summary>
    public int Pending => _groups.Count;

    /// <summary>Bytes held for incomplete unreliable messages.</summary>
    public long UnreliableBytes => _unreliableBytes;

    /// <summary>
    /// Adds one piece. Returns the whole message, in a buffer rented from <paramref name="frames"/> (the
    /// caller's to return), once every piece is in; null before. Throws <see cref="Messaging.NetProtocolException"/>
    /// for a piece that contradicts its message (another count, more pieces than a message may have, a size
    /// over the largest message).
    /// </summary>
    public byte[]? Add(in Unit unit, ReadOnlySpan<byte> payload, ushort key, long now, FramePool frames, out int length)
    {
        length = 0;
        if (unit.Count > MaxFragments)
        {
            throw new Messaging.NetProtocolException($"a message in {unit.Count} fragments (at most {MaxFragments} make the largest message)");
        }

        bool reliable = unit.IsReliable;
        var id = ((byte)unit.Delivery, unit.Channel, key);
        if (!_groups.TryGetValue(id, out Group? group))
        {
            // An unreliable message's bookkeeping counts against the budget too, so tiny first pieces cannot pile up.
            int overhead = Group.OverheadOf(unit.Count);
            while (!reliable && _unreliableBytes + overhead + payload.Length > _unreliableBudget && EvictOldestUnreliable(except: null))
            {
            }

            if (!reliable && _unreliableBytes + overhead + payload.Length > _unreliableBudget)
            {
                Dropped++;
                return null; // a budget smaller than one piece: nothing to hold it in
            }

            group = new Group(unit.Count, now);
            _groups[id] = group;
            if (!reliable)
            {
                _unreliableBytes += overhead;
            }
        }
        else if (group.Count != unit.Count)
        {
            throw new Messaging.NetProtocolException($"fragments of one message giving {group.Count} and {unit.Count} pieces");
        }

        if (group.Parts[unit.Index] is not null)
        {
            return null; // a duplicate piece of an unreliable message
        }

        if (group.Bytes + payload.Length > _maxMessage)
        {
            Remove(id, group, reliable);
            throw new Messaging.NetProtocolException($"a fragmented message of more than {_maxMessage} bytes");
        }

        if (!reliable)
        {
            while (_unreliableBytes + payload.Length > _unreliableBudget && EvictOldestUnreliable(except: id))
            {
            }

            if (_unreliableBytes + payload.Length > _unreliableBudget)
            {
                Remove(id, group, reliable: false);
                Dropped++;
                return null;
            }
        }

        byte[] part = frames.Rent(payload.Length);
        payload.CopyTo(part);
        group.Parts[unit.Index] = part;
        group.Lengths[unit.Index] = payload.Length;
        group.Bytes += payload.Length;
        group.Received++;
        if (!reliable)
        {
            _unreliableBytes += payload.Length;
        }

        if (group.Received < group.Count)
        {
            return null;
        }

        byte[] whole = frames.Rent(group.Bytes);
        for (int i = 0; i < group.Count; i++)
        {
            group.Parts[i].AsSpan(0, group.Lengths[i]).CopyTo(whole.AsSpan(length));
            length += group.Lengths[i];
        }

        Remove(id, group, reliable);
        return whole;
    }

    /// <summary>Drops unreliable messages begun more than <paramref name="limit"/> ago (reliable ones always complete or the link ends).</summary>
    public void Expire(long now, long limit)
    {
        foreach (KeyValuePair<(byte Kind, byte Channel, ushort Key), Group> entry in _groups)
        {
            if (entry.Key.Kind < (byte)Delivery.ReliableUnordered && now - entry.Value.Started > limit)
            {
                _expired.Add(entry.Key);
            }
        }

        foreach ((byte, byte, ushort) id in _expired)
        {
            Remove(id, _groups[id], reliable: false);
            Dropped++;
        }

        _expired.Clear();
    }

    /// <summary>Gives every buffer back (the link has ended).</summary>
    public void Clear()
    {
        foreach (Group group in _groups.Values)
        {
            group.Release(_pool);
        }

        _groups.Clear();
        _unreliableBytes = 0;
    }

    private bool EvictOldestUnreliable((byte, byte, ushort)? except)
    {
        (byte, byte, ushort)? oldest = null;
        long started = long.MaxValue;
        foreach (KeyValuePair<(byte Kind, byte Channel, ushort Key), Group> entry in _groups)
        {
            if (entry.Key.Kind < (byte)Delivery.ReliableUnordered && entry.Value.Started < started && entry.Key != except)
            {
                oldest = entry.Key;
                started = entry.Value.Started;
            }
        }

        if (oldest is not { } id)
        {
            return false;
        }

        Remove(id, _groups[id], reliable: false);
        Dropped++;
        return true;
    }

    private void Remove((byte, byte, ushort) id, Group group, bool reliable)
    {
        if (!reliable)
        {
            _unreliableBytes -= group.Bytes + Group.OverheadOf(group.Count);
        }

        group.Release(_pool);
        _groups.Remove(id);
    }

    private sealed class Group(int count, long started)
    {
        public readonly byte[]?[] Parts = new byte[]?[count];
        public readonly int[] Lengths = new int[count];
        public readonly int Count = count;
        public readonly long Started = started;
        public int Received;
        public int Bytes;

        public static int OverheadOf(int count) => 64 + (count * 12);

        public void Release(FramePool pool)
        {
            for (int i = 0; i < Parts.Length; i++)
            {
                if (Parts[i] is { } part)
                {
                    pool.Return(part);
                    Parts[i] = null;
                }
            }
        }
    }
}
