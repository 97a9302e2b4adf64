using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using Travelers.Messaging;

namespace Travelers.Replication;

/// <summary>
/// The client side of replication: reads snapshot parts in <c>Poll()</c>, spawns, updates and despawns the
/// entities they name, and keeps the clocks that interpolation reads (server time, render time).
/// </summary>
internal sealed class ClientReplication
{
    /// <summary>How long an entity is extrapolated past its newest state before it holds.</summary>
    public static readonly TimeSpan MaxExtrapolation = TimeSpan.FromMilliseconds(250);

    private const int History = SnapshotFormat.ClientHistory;
    private const int TickRing = 16;
    private const int PageBits = 8;
    private const int PageSize = 1 << PageBits;

    private readonly NetWorld _world;
    private readonly NetEndpoint _endpoint;
    private readonly List<NetEntity> _entities = new();
    private readonly TickParts[] _ticks = new TickParts[TickRing];
    private readonly HashSet<string> _logged = new();
    // Slots in pages made as they are first used: a slot number is the server's word, and a table as long as the
    // highest slot would let one record of a few bytes cost 2^20 entries (25 MB).
    private Slot[]?[] _pages = new Slot[]?[1];
    private NetEntityType[] _types = Array.Empty<NetEntityType>();
    private int _typeBits;
    private bool _clockSet;
    private long _offset; // server time minus local time, in TimeSpan ticks
    private long _serverTime;
    private long _renderTime;
    private long _lastLocal;
    private long _interval = TimeSpan.FromMilliseconds(33).Ticks;
    private long _jitter;
    private long _newestTime;
    private long _newestArrival;
    private uint _newestTick;
    private long _dropped;
    private long _partsReceived;
    private long _bytesReceived;

    // The first exception of a game's Spawned, Despawned or OwnershipChanged handler while a part is read or the world
    // emptied: thrown once the work is whole, so that one throwing handler does not leave the rest of a part unread (the
    // server counts it delivered and does not send it again) or the rest of the world held.
    private Exception? _handlerFault;
    private bool _resetWanted;

    /// <summary>Whether records this client could not use wait for a reset to be asked for (tests read it).</summary>
    internal bool ResetWanted => _resetWanted;
    private long _lastReset;

    public ClientReplication(NetWorld world, NetEndpoint endpoint)
    {
        _world = world;
        _endpoint = endpoint;
    }

    public IReadOnlyList<NetEntity> Entities => _entities;

    /// <summary>The client's connection, once open (its round trip corrects the clock).</summary>
    public NetConnection? Connection { get; set; }

    /// <summary>The server time of the newest tick known complete: every entity not in it was unchanged then.</summary>
    public long ConfirmedTime { get; private set; }

    public long MaxExtrapolationTicks => MaxExtrapolation.Ticks;

    /// <summary>The server's send interval as measured (smoothed), in ticks.</summary>
    public long IntervalTicks => _interval;

    public TimeSpan ServerTime => TimeSpan.FromTicks(_serverTime);

    public TimeSpan RenderTime => TimeSpan.FromTicks(_renderTime);

    /// <summary>The interpolation delay aimed for now: render time closes on server time minus this, gradually.</summary>
    public TimeSpan InterpolationDelay => TimeSpan.FromTicks(Delay);

    public long Dropped => _dropped;

    public long PartsReceived => _partsReceived;

    public long BytesReceived => _bytesReceived;

    public uint Tick => _newestTick;

    private long Delay => Math.Clamp((2 * _interval) + (3 * _jitter), TimeSpan.FromMilliseconds(30).Ticks, TimeSpan.FromSeconds(1).Ticks);

    private long LocalNow => _endpoint.Time.GetElapsedTime(0).Ticks;

    public void Start(MessageTable table)
    {
        _types = [.. table.EntityTypes];
        _typeBits = Quantization.BitsFor((uint)Math.Max(_types.Length - 1, 0));
    }

    /// <summary>The server's clock from the handshake's accept: a first estimate, refined by every snapshot.</summary>
    public void SetServerClock(TimeSpan serverTime)
    {
        long local = LocalNow;
        _offset = serverTime.Ticks - local;
        _clockSet = true;
        _lastLocal = local;
        _serverTime = serverTime.Ticks;
        _renderTime = Math.Max(_renderTime, _serverTime - Delay);
    }

    /// <summary>Advances server and render time to now; called in every Poll().</summary>
    public void UpdateClock()
    {
        if (!_clockSet)
        {
            return;
        }

        long local = LocalNow;
        long elapsed = Math.Max(local - _lastLocal, 0);
        _lastLocal = local;
        _serverTime = Math.Max(_serverTime, local + _offset);

        // Render time runs with the local clock, a little faster or slower (at most 10%) to close on its target; it
        // jumps forward when far behind, and never goes back.
        long target = _serverTime - Delay;
        long candidate = _renderTime + elapsed;
        long gap = target - candidate;
        if (gap > TimeSpan.FromMilliseconds(250).Ticks || _renderTime == 0)
        {
            candidate = target;
        }
        else
        {
            long correction = Math.Clamp(gap / 10, -elapsed / 10, elapsed / 10);
            candidate += correction;
        }

        _renderTime = Math.Max(_renderTime, candidate);

        // Records this client could not use mean it lost what the server believes it holds: ask for it again in
        // full, at most five times a second.
        if (_resetWanted && Connection is { IsConnected: true } connection && local - _lastReset >= TimeSpan.FromMilliseconds(200).Ticks)
        {
            _resetWanted = false;
            _lastReset = local;
            connection.SendControl(FrameKind.SnapshotReset, ReadOnlySpan<byte>.Empty);
        }
    }

    /// <summary>The entity with <paramref name="id"/> this client holds, or null.</summary>
    public NetEntity? Find(NetId id)
    {
        ref Slot entry = ref Entry(id.Slot);
        return !Unsafe.IsNullRef(ref entry) && entry.Replica is { } replica && !entry.Gone && replica.Entity.Id == id ? replica.Entity : null;
    }

    /// <summary>Reads one snapshot part, in Poll().</summary>
    public void Receive(ReadOnlySpan<byte> part)
    {
        try
        {
            ReceivePart(part);
        }
        catch
        {
            _handlerFault = null; // the part's own failure is the one to report
            throw;
        }

        ThrowHandlerFault();
    }

    private void ReceivePart(ReadOnlySpan<byte> part)
    {
        _partsReceived++;
        _bytesReceived += part.Length;
        if (part.Length < SnapshotFormat.HeaderBytes)
        {
            Drop("a part shorter than its header");
            return;
        }

        SnapshotFormat.ReadHeader(part, out uint tick, out long micros, out int index, out byte flags);
        long time = micros * 10; // TimeSpan ticks
        if (tick == 0 || index >= SnapshotFormat.MaxParts)
        {
            Drop("a part header out of range");
            return;
        }

        Clock(tick, time);
        var reader = new BitReader(part[SnapshotFormat.HeaderBytes..]);
        if (!ReadRecords(ref reader, tick, time))
        {
            return;
        }

        NotePart(tick, time, index, flags);
    }

    private void Clock(uint tick, long time)
    {
        long local = LocalNow;

        // The sample is the server's clock when it sent, plus half a round trip. Late packets make it low, so the
        // estimate rises quickly and falls slowly: the least delayed packets are the truest.
        long sample = time + (Connection?.Rtt.Ticks ?? 0) / 2 - local;
        if (!_clockSet)
        {
            _offset = sample;
            _clockSet = true;
            _lastLocal = local;
        }
        else
        {
            _offset += (sample - _offset) / (sample > _offset ? 4 : 64);
        }

        if (tick > _newestTick)
        {
            if (_newestTick != 0)
            {
                // The send interval and how irregularly parts arrive, which the interpolation delay covers.
                long interval = (time - _newestTime) / Math.Max(tick - _newestTick, 1);
                _interval += (interval - _interval) / 8;
                long expected = _newestArrival + (time - _newestTime);
                _jitter += (Math.Abs(local - expected) - _jitter) / 8;
            }

            _newestTick = tick;
            _newestTime = time;
            _newestArrival = local;
        }
    }

    private void NotePart(uint tick, long time, int index, byte flags)
    {
        ref TickParts entry = ref _ticks[tick % TickRing];
        if (entry.Tick != tick)
        {
            entry = new TickParts { Tick = tick, Last = -1 };
        }

        entry.Received |= 1UL << index;
        if ((flags & SnapshotFormat.LastFlag) != 0)
        {
            entry.Last = index;
            entry.Complete = (flags & SnapshotFormat.CompleteFlag) != 0;
        }

        if (entry.Last >= 0 && entry.Complete && entry.Received == (entry.Last == 63 ? ulong.MaxValue : (1UL << (entry.Last + 1)) - 1))
        {
            ConfirmedTime = Math.Max(ConfirmedTime, time);
        }
    }

    private bool ReadRecords(ref BitReader reader, uint tick, long time)
    {
        uint previousSlot = 0;
        uint previousBaseline = uint.MaxValue;
        while (true)
        {
            uint kind = reader.ReadBits(SnapshotFormat.KindBits);
            if (reader.IsOverrun)
            {
                return Drop("a part cut short");
            }

            if (kind == SnapshotFormat.End)
            {
                // What follows the end marker is the last byte's padding: zeros.
                if (reader.BitsRemaining >= 8 || reader.ReadBits(reader.BitsRemaining) != 0)
                {
                    return Drop("bits after the end of a part");
                }

                return true;
            }

            uint slotValue = reader.ReadRelative(previousSlot, NetId.SlotBits);
            previousSlot = slotValue;
            int slot = (int)slotValue;
            switch (kind)
            {
                case SnapshotFormat.State:
                    bool spawn = reader.ReadBool();
                    if (spawn)
                    {
                        if (!ReadSpawn(ref reader, slot, tick, time))
                        {
                            return false;
                        }

                        continue;
                    }

                    uint baseline;
                    if (reader.ReadBool())
                    {
                        if (previousBaseline == uint.MaxValue)
                        {
                            return Drop("an update that repeats a baseline no earlier record gave");
                        }

                        baseline = previousBaseline;
                    }
                    else
                    {
                        baseline = reader.ReadBool() ? tick - reader.ReadBits(SnapshotFormat.BaselineAgeBits) : 0;
                        if (baseline == tick)
                        {
                            return Drop("an update against its own tick");
                        }

                        previousBaseline = baseline;
                    }

                    ref Slot updated = ref Entry(slot);
                    if (Unsafe.IsNullRef(ref updated) || updated.Replica is not { } replica)
                    {
                        // Without the entity its type is unknown, so the record's length is too: the rest of the part is lost.
                        return Drop("an update for an entity this client does not have", reset: true);
                    }

                    if (tick < replica.SpawnTick)
                    {
                        // Older than the spawn that made the entity held: it is about an earlier entity of the slot
                        // (update records carry no generation; the server updates an entity only once its spawn was
                        // acknowledged), whose type and so whose record layout may differ: the rest of the part is
                        // lost. The transport acknowledged the part all the same, and the server counts what followed
                        // delivered: a reset gets it to the client.
                        return Drop("an update of an entity that left its slot before this one came", reset: true);
                    }

                    if (!ReadState(ref reader, replica, tick, baseline, time, spawn: false))
                    {
                        return false;
                    }

                    break;
                case SnapshotFormat.Despawn:
                    {
                        int generation = (int)reader.ReadBits(SnapshotFormat.GenerationBits);
                        ref Slot gone = ref Entry(slot);
                        if (!Unsafe.IsNullRef(ref gone) && gone.Replica is { } held && !gone.Gone && held.Entity.Id.Generation == generation && tick >= held.LastTick)
                        {
                            Remove(slot, tick);
                        }
                        else if (slot < 1 << NetId.SlotBits && generation != 0)
                        {
                            // Not held (its spawn may still be on the way, overtaken): remembered, so that it is not
                            // spawned by a copy older than this despawn.
                            Tombstone(ref EnsureEntry(slot), tick);
                        }

                        break;
                    }

                default: // ownership
                    {
                        int generation = (int)reader.ReadBits(SnapshotFormat.GenerationBits);
                        bool owner = reader.ReadBool();
                        if (reader.IsOverrun)
                        {
                            return Drop("a part cut short"); // a missing owner bit reads as 0: never applied
                        }

                        ref Slot owned = ref Entry(slot);
                        if (!Unsafe.IsNullRef(ref owned) && owned.Replica is { } held && !owned.Gone && held.Entity.Id.Generation == generation && tick > held.OwnerTick)
                        {
                            SetOwner(held, owner, tick);
                        }

                        break;
                    }
            }
        }
    }

    private bool ReadSpawn(ref BitReader reader, int slot, uint tick, long time)
    {
        int generation = (int)reader.ReadBits(SnapshotFormat.GenerationBits);
        uint typeIndex = reader.ReadBits(_typeBits);
        bool owner = reader.ReadBool();
        if (reader.IsOverrun)
        {
            return Drop("a part cut short");
        }

        if (typeIndex >= (uint)_types.Length || generation == 0)
        {
            return Drop(typeIndex >= (uint)_types.Length ? "a spawn of an unknown entity type" : "a spawn of generation 0");
        }

        if (slot >= 1 << NetId.SlotBits)
        {
            return Drop("a spawn in a slot out of range");
        }

        ref Slot entry = ref EnsureEntry(slot);
        ClientReplica? held = entry.Replica;
        NetEntityType type = _types[typeIndex];
        if (held is not null && !entry.Gone && held.Entity.Id.Generation == generation && held.Type == type)
        {
            // The spawn is sent until the server hears it arrived: a repeat is a full state.
            if (!ReadState(ref reader, held, tick, 0, time, spawn: true))
            {
                return false;
            }

            if (tick > held.OwnerTick)
            {
                SetOwner(held, owner, tick);
            }

            return true;
        }

        // A copy of a spawn from before the slot's newest despawn, whatever its generation: that despawn's entity held the
        // slot then (an entity's slot goes to the next generation only once every despawn of it was acknowledged).
        bool late = tick <= entry.GoneTick
            || (held is not null && !entry.Gone && tick <= held.LastTick); // older than the entity the slot shows
        ClientReplica created = type.CreateClientReplica(this, History);
        created.TypeIndex = (int)typeIndex;
        created.SpawnTick = tick;
        created.OwnerTick = tick;
        created.Entity.Id = NetId.Of(slot, generation);
        created.Entity.Replica = created;
        if (!ReadState(ref reader, created, tick, 0, time, spawn: true))
        {
            return false;
        }

        if (late)
        {
            return true; // read only to reach the next record
        }

        if (held is not null && !entry.Gone)
        {
            Remove(slot, tick);
        }

        entry.Replica = created;
        entry.Gone = false;
        created.Entity.IsOwner = owner;
        created.Entity.World = _world;
        _entities.Add(created.Entity);
        Raise(EntityEvent.Spawned, created.Entity);
        return true;
    }

    private bool ReadState(ref BitReader reader, ClientReplica replica, uint tick, uint baseline, long time, bool spawn)
    {
        switch (replica.Read(ref reader, tick, baseline, time, spawn))
        {
            case ClientReplica.ReadResult.Malformed:
                return Drop($"a malformed state of {replica.Type.Name}");
            case ClientReplica.ReadResult.UnknownBaseline:
                Drop("a delta against a baseline this client does not have", stop: false, reset: true);
                return true;
            default:
                return true;
        }
    }

    private void SetOwner(ClientReplica replica, bool owner, uint tick)
    {
        replica.OwnerTick = tick;
        if (replica.Entity.IsOwner != owner)
        {
            replica.Entity.IsOwner = owner;
            Raise(EntityEvent.OwnershipChanged, replica.Entity);
        }
    }

    private void Remove(int slot, uint tick)
    {
        ref Slot entry = ref Entry(slot);
        NetEntity entity = entry.Replica!.Entity;
        entry.Gone = true;
        entry.Replica.Release();
        Tombstone(ref entry, tick);
        _entities.Remove(entity);
        entity.World = null;
        Raise(EntityEvent.Despawned, entity);
    }

    /// <summary>
    /// Every entity leaves when the connection ends. A Despawned handler that throws does not keep the others in the
    /// world: they all leave, and the first exception is thrown then.
    /// </summary>
    public void Clear()
    {
        for (int page = 0; page < _pages.Length; page++)
        {
            Slot[]? entries = _pages[page];
            for (int i = 0; entries is not null && i < entries.Length; i++)
            {
                if (entries[i].Replica is not null && !entries[i].Gone)
                {
                    Remove((page << PageBits) | i, uint.MaxValue); // a handler that throws is kept for the end
                }
            }
        }

        ThrowHandlerFault();
    }

    /// <summary>Raises an event of the game's; what its handler throws is kept (the first) for <see cref="ThrowHandlerFault"/>.</summary>
    private void Raise(EntityEvent kind, NetEntity entity)
    {
        try
        {
            switch (kind)
            {
                case EntityEvent.Spawned:
                    _world.RaiseSpawned(entity);
                    break;
                case EntityEvent.Despawned:
                    _world.RaiseDespawned(entity);
                    break;
                default:
                    _world.RaiseOwnershipChanged(entity);
                    break;
            }
        }
        catch (Exception e)
        {
            _handlerFault ??= e;
        }
    }

    /// <summary>The world's events about one entity.</summary>
    private enum EntityEvent
    {
        Spawned,
        Despawned,
        OwnershipChanged,
    }

    /// <summary>Throws the first exception a handler threw meanwhile, if any, once the work it interrupted is whole.</summary>
    private void ThrowHandlerFault()
    {
        if (_handlerFault is { } fault)
        {
            _handlerFault = null;
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(fault);
        }
    }

    /// <summary>The entry of <paramref name="slot"/>, or a null reference when its page was never used.</summary>
    private ref Slot Entry(int slot)
    {
        Slot[]?[] pages = _pages;
        int page = slot >> PageBits;
        return ref (uint)page < (uint)pages.Length && pages[page] is { } entries
            ? ref entries[slot & (PageSize - 1)]
            : ref Unsafe.NullRef<Slot>();
    }

    /// <summary>The entry of <paramref name="slot"/> (less than 2^20), its page made if need be.</summary>
    private ref Slot EnsureEntry(int slot)
    {
        int page = slot >> PageBits;
        if (page >= _pages.Length)
        {
            Array.Resize(ref _pages, Math.Max(page + 1, _pages.Length * 2));
        }

        return ref (_pages[page] ??= new Slot[PageSize])[slot & (PageSize - 1)];
    }

    private bool Drop(string problem, bool stop = true, bool reset = false)
    {
        _dropped++;
        _resetWanted |= reset;
        if (_logged.Add(problem))
        {
            Log.SnapshotDropped(_endpoint.Logger, problem);
        }

        return !stop;
    }

    private static void Tombstone(ref Slot entry, uint tick)
    {
        // The newest despawn wins: a late copy of an earlier generation's despawn must not replace a newer one's.
        entry.GoneTick = Math.Max(entry.GoneTick, tick);
    }

    private struct Slot
    {
        public ClientReplica? Replica;

        /// <summary>The replica was despawned (kept to read late records about it).</summary>
        public bool Gone;

        /// <summary>The tick of the newest despawn seen in this slot, of any generation. A spawn no newer is a stale copy.</summary>
        public uint GoneTick;
    }

    private struct TickParts
    {
        public uint Tick;
        public ulong Received;
        public int Last;
        public bool Complete;
    }
}
