using System;
using System.Collections.Generic;
using Travelers.Messaging;

namespace Travelers.Transport.Udp;

/// <summary>
/// Puts fragmented messages back together, within bounds: at most <see cref="MaxFragments"/> pieces a message
/// (so no more than the largest message); for unreliable messages a budget of bytes held (the oldest incomplete
/// one is dropped to make room) and a time limit on completing each; for reliable ones, rules a correct sender
/// cannot break. A reliable message's pieces take consecutive sequences of its channel, so a peer could otherwise
/// send a first piece on every sequence, each of a message that can then never complete, and make this hold
/// without end. Reliable data cannot be dropped; breaking a rule ends the session as a violation:
/// <list type="bullet">
/// <item>ordered channels release units in sequence, so a message's pieces come one after another, index 0 first,
/// and one message at a time per channel;</item>
/// <item>unordered channels hand pieces up as they come: each channel's held pieces have a budget of bytes, what
/// its window and one message can leave incomplete (<see cref="ReliableSender.Window"/> pieces plus the largest
/// message's, with their bookkeeping), which no correct sender can pass. A channel's, not the link's: a sender
/// serves its channels in turn, so several can each be in the middle of large messages at once.</item>
/// </list>
/// Nothing is allocated on a fragment's word: a piece is copied into a pooled buffer of its own size, and the whole
/// message is put together only when every piece is in. Guarded by the link's lock.
/// </summary>
internal sealed class Reassembly
{
    // Apart, so that dropping the oldest unreliable message and expiring them walk those alone: reliable groups
    // are bounded by bytes, not by count, and a walk over them per piece would be the peer's to make long.
    private readonly Dictionary<(byte Kind, byte Channel, ushort Key), Group> _unreliable = new();
    private readonly Dictionary<(byte Kind, byte Channel, ushort Key), Group> _reliable = new();
    private readonly List<(byte, byte, ushort)> _expired = new();

    // The newest unreliable group number seen per kind and channel, extended past 16 bits: a group number comes back
    // every 65,536 messages, and a stale incomplete group must not take the pieces of the new message that reuses it.
    private readonly Dictionary<(byte Kind, byte Channel), long> _newestUnreliable = new();
    private readonly int _maxMessage;
    private readonly long _budget;
    private readonly long _reliableBudget; // per unordered channel
    private readonly FramePool _pool;
    private long _unreliableBytes;
    private long _reliableBytes;
    private readonly long[] _reliableBytesOf = new long[64]; // per unordered channel (at most 64)
    private ulong _orderedOpen; // a bit per channel with an ordered message begun
    private bool _controlOpen; // the same for the control channel, a sequence space of its own

    /// <param name="maxMessageBytes">The largest message accepted.</param>
    /// <param name="fragmentPayload">The payload of a full fragment, which bounds the pieces of a message.</param>
    /// <param name="budget">Bytes held at most for incomplete unreliable messages.</param>
    /// <param name="pool">Where the pieces' buffers come from.</param>
    public Reassembly(int maxMessageBytes, int fragmentPayload, long budget, FramePool pool)
    {
        _pool = pool;
        _maxMessage = maxMessageBytes;
        MaxFragments = Math.Min(ushort.MaxValue, (maxMessageBytes + fragmentPayload - 1) / fragmentPayload + 1);
        _budget = budget;
        _reliableBudget = HonestMost(fragmentPayload);
    }

    /// <summary>
    /// While positive (a stranger's connection in its handshake, see <see cref="ILinkOwner.HandshakeLimit"/>), the most
    /// bytes a message may take and incomplete unreliable messages may hold, in place of the link's own limits.
    /// </summary>
    public int Limit { get; set; }

    private int MaxMessage => Limit > 0 ? Math.Min(Limit, _maxMessage) : _maxMessage;

    private long Budget => Limit > 0 ? Math.Min(Limit, _budget) : _budget;

    /// <summary>Bytes held for one unordered channel's reliable messages past which a session ends as a violation.</summary>
    public long ReliableBudget => _reliableBudget;

    /// <summary>The most pieces a message may come in.</summary>
    public int MaxFragments { get; }

    /// <summary>Incomplete messages dropped (unreliable ones over the budget or out of time).</summary>
    public long Dropped { get; private set; }

    /// <summary>Messages being put together.</summary>
    public int Pending => _unreliable.Count + _reliable.Count;

    /// <summary>Bytes held for incomplete unreliable messages.</summary>
    public long UnreliableBytes => _unreliableBytes;

    /// <summary>Bytes held for incomplete reliable unordered messages, every channel's.</summary>
    public long ReliableBytes => _reliableBytes;

    /// <summary>
    /// The most one unordered channel's correct sender can leave held. Each incomplete message has a piece missing
    /// inside the receive window (every sequence before it has arrived), and their sequences do not overlap, so
    /// they are at most a window's plus one; only the one reaching back before the window holds pieces there
    /// (at most a largest message's), and only the last can reach past it. Pieces: a window's and a message's.
    /// Bookkeeping (<see cref="Group.OverheadOf"/>): a message's fixed part each, and 12 bytes for every piece
    /// their sequences span, a window's and a message's at either end.
    /// </summary>
    private long HonestMost(int fragmentPayload) =>
        ((long)(ReliableSender.Window + MaxFragments) * fragmentPayload)
        + ((long)(ReliableSender.Window + (2 * MaxFragments)) * 12)
        + ((long)(ReliableSender.Window + 1) * 64);

    /// <summary>
    /// Adds one piece. Returns the whole message, in a buffer rented from <paramref name="frames"/> (the
    /// caller's to return), once every piece is in; null before. Throws <see cref="Messaging.NetProtocolException"/>
    /// for a piece that contradicts its message (another count, more pieces than a message may have, a size
    /// over the largest message), or a reliable piece over the budget.
    /// </summary>
    public byte[]? Add(in Unit unit, ReadOnlySpan<byte> payload, ushort key, long now, FramePool frames, out int length)
    {
        length = 0;
        if (unit.Count > MaxFragments)
        {
            throw new Messaging.NetProtocolException($"a message in {unit.Count} fragments (at most {MaxFragments} make the largest message)");
        }

        bool reliable = unit.IsReliable;
        bool ordered = unit.Delivery == Delivery.ReliableOrdered;
        var id = (KindOf(unit), unit.Channel, key);
        Dictionary<(byte Kind, byte Channel, ushort Key), Group> groups = reliable ? _reliable : _unreliable;
        bool found = groups.TryGetValue(id, out Group? group);
        long extended = reliable ? 0 : Extend(id.Item1, id.Item2, key);
        if (found && group!.Extended != extended)
        {
            // The same number a wrap ago: that message never completed, and this piece is of another.
            Remove(id, group, reliable: false);
            Dropped++;
            found = false;
        }

        if (ordered)
        {
            RequireInOrder(unit, found ? group : null);
        }

        if (!found)
        {
            // A message's bookkeeping counts against the budget too, so tiny first pieces cannot pile up.
            int overhead = Group.OverheadOf(unit.Count);
            if (reliable && !ordered)
            {
                RequireReliableRoom(unit.Channel, overhead + payload.Length);
            }

            while (!reliable && _unreliableBytes + overhead + payload.Length > Budget && EvictOldestUnreliable(except: null))
            {
            }

            if (!reliable && _unreliableBytes + overhead + payload.Length > Budget)
            {
                Dropped++;
                return null; // a budget smaller than one piece: nothing to hold it in
            }

            group = new Group(unit.Count, now, extended);
            groups[id] = group;
            if (ordered)
            {
                SetBegun(unit.Channel, unit.Control, true);
            }
            else if (reliable)
            {
                _reliableBytes += overhead;
                _reliableBytesOf[unit.Channel] += overhead;
            }
            else
            {
                _unreliableBytes += overhead;
            }
        }
        else if (group!.Count != unit.Count)
        {
            throw new Messaging.NetProtocolException($"fragments of one message giving {group.Count} and {unit.Count} pieces");
        }

        if (group.Parts[unit.Index] is not null)
        {
            return null; // a duplicate piece of an unreliable message
        }

        int maxMessage = MaxMessage;
        if (group.Bytes + payload.Length > maxMessage)
        {
            Remove(id, group, reliable);
            throw new Messaging.NetProtocolException(Limit > 0
                ? $"a fragmented message of more than {maxMessage} bytes before the handshake completed"
                : $"a fragmented message of more than {maxMessage} bytes");
        }

        if (reliable)
        {
            if (!ordered)
            {
                RequireReliableRoom(unit.Channel, payload.Length);
            }
        }
        else
        {
            while (_unreliableBytes + payload.Length > Budget && EvictOldestUnreliable(except: id))
            {
            }

            if (_unreliableBytes + payload.Length > Budget)
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
        if (reliable)
        {
            if (!ordered)
            {
                _reliableBytes += payload.Length;
                _reliableBytesOf[unit.Channel] += payload.Length;
            }
        }
        else
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

    /// <summary>Drops unreliable messages begun more than <paramref name="limit"/> ago (reliable ones complete, or the link ends).</summary>
    public void Expire(long now, long limit)
    {
        foreach (KeyValuePair<(byte Kind, byte Channel, ushort Key), Group> entry in _unreliable)
        {
            if (now - entry.Value.Started > limit)
            {
                _expired.Add(entry.Key);
            }
        }

        foreach ((byte, byte, ushort) id in _expired)
        {
            Remove(id, _unreliable[id], reliable: false);
            Dropped++;
        }

        _expired.Clear();
    }

    /// <summary>Gives every buffer back (the link has ended).</summary>
    public void Clear()
    {
        foreach (Group group in _unreliable.Values)
        {
            group.Release(_pool);
        }

        foreach (Group group in _reliable.Values)
        {
            group.Release(_pool);
        }

        _unreliable.Clear();
        _reliable.Clear();
        _unreliableBytes = 0;
        _reliableBytes = 0;
        Array.Clear(_reliableBytesOf);
        _orderedOpen = 0;
        _controlOpen = false;
    }

    private bool EvictOldestUnreliable((byte, byte, ushort)? except)
    {
        (byte, byte, ushort)? oldest = null;
        long started = long.MaxValue;
        foreach (KeyValuePair<(byte Kind, byte Channel, ushort Key), Group> entry in _unreliable)
        {
            if (entry.Value.Started < started && entry.Key != except)
            {
                oldest = entry.Key;
                started = entry.Value.Started;
            }
        }

        if (oldest is not { } id)
        {
            return false;
        }

        Remove(id, _unreliable[id], reliable: false);
        Dropped++;
        return true;
    }

    /// <summary>Throws when holding <paramref name="bytes"/> more of reliable unordered messages would go over the budget.</summary>
    private void RequireReliableRoom(byte channel, int bytes)
    {
        if (_reliableBytesOf[channel] + bytes > _reliableBudget)
        {
            throw new Messaging.NetProtocolException(
                $"more than {_reliableBudget} bytes of reliable unordered messages held incomplete on channel {channel} (more than its window and one message can leave)");
        }
    }

    /// <summary>
    /// Throws when a whole unit comes on ordered <paramref name="channel"/> while a message's pieces are coming there:
    /// it took a sequence of that message, which can then never complete.
    /// </summary>
    public void RequireNoneBegun(byte channel, bool control)
    {
        if (Begun(channel, control))
        {
            throw new Messaging.NetProtocolException($"a whole unit among a message's pieces on ordered channel {channel}");
        }
    }

    /// <summary>
    /// <paramref name="key"/> as a number that does not wrap: the nearest to the newest seen on its kind and channel
    /// (within half the 16-bit space either way), which becomes the newest when it is ahead.
    /// </summary>
    private long Extend(byte kind, byte channel, ushort key)
    {
        ref long newest = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_newestUnreliable, (kind, channel), out bool seen);
        if (!seen)
        {
            newest = key;
            return key;
        }

        long extended = newest + (short)(ushort)(key - (ushort)newest);
        newest = Math.Max(newest, extended);
        return extended;
    }

    /// <summary>
    /// The kind a message is kept under: its delivery, and whether it is control, whose units have a sequence space
    /// of their own (the same channel's pieces of both may be incomplete at once).
    /// </summary>
    private static byte KindOf(in Unit unit) => (byte)((byte)unit.Delivery | (unit.Control ? 0x80 : 0));

    private bool Begun(byte channel, bool control) => control ? _controlOpen : (_orderedOpen & (1UL << channel)) != 0;

    private void SetBegun(byte channel, bool control, bool begun)
    {
        if (control)
        {
            _controlOpen = begun;
        }
        else if (begun)
        {
            _orderedOpen |= 1UL << channel;
        }
        else
        {
            _orderedOpen &= ~(1UL << channel);
        }
    }

    /// <summary>
    /// Throws unless <paramref name="unit"/>, a piece released in sequence on an ordered channel, is the next of
    /// <paramref name="group"/>, or the first of a message when none is begun on its channel.
    /// </summary>
    private void RequireInOrder(in Unit unit, Group? group)
    {
        bool next = group is null
            ? unit.Index == 0 && !Begun(unit.Channel, unit.Control)
            : unit.Index == group.Received;
        if (!next)
        {
            throw new Messaging.NetProtocolException(
                $"piece {unit.Index} of {unit.Count} out of turn on ordered channel {unit.Channel} (a message's pieces come one after another, index 0 first)");
        }
    }

    private void Remove((byte, byte, ushort) id, Group group, bool reliable)
    {
        if (reliable)
        {
            if ((id.Item1 & 0x7F) == (byte)Delivery.ReliableOrdered)
            {
                SetBegun(id.Item2, control: (id.Item1 & 0x80) != 0, begun: false);
            }
            else
            {
                _reliableBytes -= group.Bytes + Group.OverheadOf(group.Count);
                _reliableBytesOf[id.Item2] -= group.Bytes + Group.OverheadOf(group.Count);
            }

            _reliable.Remove(id);
        }
        else
        {
            _unreliableBytes -= group.Bytes + Group.OverheadOf(group.Count);
            _unreliable.Remove(id);
        }

        group.Release(_pool);
    }

    private sealed class Group(int count, long started, long extended)
    {
        /// <summary>An unreliable group's number extended past its 16 bits (0 for reliable ones).</summary>
        public readonly long Extended = extended;

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
