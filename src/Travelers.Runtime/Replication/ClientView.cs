using System;
using System.Collections.Generic;

namespace Travelers.Replication;

/// <summary>
/// The server's view of one client: what it holds of each entity, the acknowledged baselines, the priority
/// accumulators, the budget, and the parts in flight. Used on the thread that calls Publish(); only
/// <see cref="Notify"/> comes from I/O threads.
/// </summary>
internal sealed class ClientView
{
    private const int PartRing = 256;
    private const int MaxEntries = 16384;

    private readonly object _gate = new();
    private readonly Queue<(long Token, bool Acked)> _notes = new();
    private readonly SentPart[] _parts = new SentPart[PartRing];
    private SentEntry[] _entries = new SentEntry[256];
    private long _entryHead;
    private long _tickStart;
    private uint _tick;

    public ClientView(NetConnection connection)
    {
        Connection = connection;
    }

    public NetConnection Connection { get; }

    /// <summary>Per slot: what the client holds of that entity.</summary>
    public EntityLink[] Links { get; private set; } = new EntityLink[64];

    /// <summary>Budget left, in bytes (a token bucket refilled by elapsed time).</summary>
    public double Tokens { get; set; }

    /// <summary>The timestamp of the last Publish() for this client, or 0.</summary>
    public long LastPublish { get; set; }

    /// <summary>The token of the next part.</summary>
    public long NextToken { get; private set; } = 1;

    /// <summary>Candidates of this tick (slots), reused.</summary>
    public int[] Candidates { get; set; } = new int[64];

    /// <summary>Their priorities, reused.</summary>
    public float[] CandidatePriorities { get; set; } = new float[64];

    public ref EntityLink Link(int slot)
    {
        if (slot >= Links.Length)
        {
            EntityLink[] grown = new EntityLink[Math.Max(slot + 1, Links.Length * 2)];
            Links.CopyTo(grown, 0);
            Links = grown;
        }

        return ref Links[slot];
    }

    private volatile bool _reset;

    /// <summary>The client asked for everything in full again (any thread).</summary>
    public void RequestReset() => _reset = true;

    /// <summary>Whether a reset was asked for since the last call.</summary>
    public bool TakeReset()
    {
        if (!_reset)
        {
            return false;
        }

        _reset = false;
        return true;
    }

    /// <summary>The transport's word on a part: acknowledged or lost. Any thread.</summary>
    public void Notify(long token, bool acked)
    {
        lock (_gate)
        {
            _notes.Enqueue((token, acked));
        }
    }

    /// <summary>Starts recording a part; entries follow with <see cref="Record"/>.</summary>
    public ref SentPart BeginPart(uint tick)
    {
        if (tick != _tick)
        {
            _tick = tick;
            _tickStart = _entryHead;
        }

        long token = NextToken++;
        ref SentPart part = ref _parts[token % PartRing];
        part = new SentPart { Token = token, Tick = tick, EntryStart = _entryHead, Remaining = 0 };
        return ref part;
    }

    public void Record(ref SentPart part, int slot, int generation, SentKind kind, bool owner)
    {
        // Parts stay in flight for a few ticks: the ring holds at least four ticks of this client's entries.
        if (_entryHead - _tickStart >= _entries.Length / 4 && _entries.Length < MaxEntries)
        {
            Grow();
        }

        _entries[_entryHead % _entries.Length] = new SentEntry(slot, (ushort)generation, kind, owner);
        _entryHead++;
        part.EntryCount++;
    }

    /// <summary>Applies the transport's notifications that arrived since the last call.</summary>
    public void Drain(ServerReplication world)
    {
        while (true)
        {
            (long Token, bool Acked) note;
            lock (_gate)
            {
                if (!_notes.TryDequeue(out note))
                {
                    return;
                }
            }

            ref SentPart part = ref _parts[note.Token % PartRing];
            if (part.Token != note.Token || part.Resolved)
            {
                continue; // too old to matter, or settled by an earlier fragment's loss
            }

            if (!note.Acked)
            {
                part.Resolved = true;
                Settle(world, ref part, acked: false);
                continue;
            }

            if (--part.Remaining <= 0)
            {
                part.Resolved = true;
                Settle(world, ref part, acked: true);
            }
        }
    }

    private void Grow()
    {
        var grown = new SentEntry[_entries.Length * 2];
        for (long i = Math.Max(_entryHead - _entries.Length, 0); i < _entryHead; i++)
        {
            grown[i % grown.Length] = _entries[i % _entries.Length];
        }

        _entries = grown;
    }

    private void Settle(ServerReplication world, ref SentPart part, bool acked)
    {
        if (_entryHead - part.EntryStart > _entries.Length)
        {
            return; // its entries were overwritten by newer parts': what it carried goes again as if lost
        }

        for (long i = part.EntryStart; i < part.EntryStart + part.EntryCount; i++)
        {
            SentEntry entry = _entries[i % _entries.Length];
            if (entry.Slot >= Links.Length)
            {
                continue;
            }

            ref EntityLink link = ref Links[entry.Slot];
            if (link.Generation != entry.Generation)
            {
                continue;
            }

            world.Settle(this, ref link, entry, part.Tick, acked);
        }
    }
}

/// <summary>What the server knows of one entity on one client.</summary>
internal struct EntityLink
{
    public LinkState State;
    public ushort Generation;

    /// <summary>Whether the client owns the entity, as last acknowledged, and as it should be.</summary>
    public bool OwnerAcked;
    public bool OwnerWanted;

    /// <summary>An ownership record was reported lost and may yet arrive: the client's ownership is not known until a newer one is acknowledged.</summary>
    public bool OwnerUnknown;

    /// <summary>Whether an ownership record is to be sent: the client holds another ownership than wanted, or may.</summary>
    public readonly bool OwnerPending => OwnerUnknown || OwnerAcked != OwnerWanted;

    /// <summary>The newest tick of this entity's state the client acknowledged (0: none).</summary>
    public uint Baseline;

    /// <summary>The tick at which the current spawn or despawn began.</summary>
    public uint Since;

    /// <summary>The tick of the newest state record sent and not yet settled (0: none).</summary>
    public uint InFlight;

    /// <summary>The tick of the newest ownership the client acknowledged (in a spawn or an ownership record): it holds that one.</summary>
    public uint OwnerAckedTick;

    /// <summary>The priority accumulator.</summary>
    public float Priority;
}

/// <summary>A part in flight to a client.</summary>
internal struct SentPart
{
    public long Token;
    public uint Tick;
    public long EntryStart;
    public int EntryCount;
    public int Remaining;
    public bool Resolved;
}

/// <summary>What a part carried for one entity.</summary>
internal readonly record struct SentEntry(int Slot, ushort Generation, SentKind Kind, bool Owner);

/// <summary>The kinds of <see cref="SentEntry"/>.</summary>
internal enum SentKind : byte
{
    Update,
    Spawn,
    Despawn,
    Owner,
}
