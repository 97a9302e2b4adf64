using System;
using System.Collections.Generic;
using System.Numerics;
using Travelers.Messaging;

namespace Travelers.Replication;

/// <summary>
/// The server side of replication: the entities by slot, the tick's capture, and per client the choice of what
/// to send within its budget, written into snapshot parts. Runs on the thread that calls
/// <see cref="NetWorld.Publish"/> (the one that polls the server).
/// </summary>
internal sealed class ServerReplication
{
    private readonly NetWorld _world;
    private NetWorldOptions _options;
    private readonly NetEndpoint _endpoint;
    private readonly List<ClientView> _views = new();
    private readonly List<NetEntity> _alive = new();
    private readonly List<ServerReplica> _withSpawnCalls = new();
    private readonly Stack<int> _free = new();
    private readonly byte[] _scratch = new byte[64 * 1024];
    private ServerReplica?[] _slots = new ServerReplica?[64];
    private SlotInfo[] _info = new SlotInfo[64];
    private ushort[] _generations = new ushort[64];
    private int _highSlot;
    private uint _tick;
    private Dictionary<Type, (NetEntityType Type, int Index)>? _types;
    private int _typeBits;
    private long _clamped;
    private long _bytesSent;
    private long _partsSent;
    private long _lastBytes;
    private long _deferred;
    private long _lastDeferred;

    /// <summary>How many slots an id can name: 2^20; lower in tests, which cannot spawn a million entities quickly.</summary>
    internal int SlotLimit { get; set; } = 1 << NetId.SlotBits;

    public ServerReplication(NetWorld world, NetWorldOptions options, NetEndpoint endpoint)
    {
        _world = world;
        _options = options;
        _endpoint = endpoint;
    }

    public IReadOnlyList<NetEntity> Alive => _alive;

    public uint Tick => _tick;

    public long Clamped => _clamped;

    public long BytesSent => _bytesSent;

    public long PartsSent => _partsSent;

    public long LastPublishBytes => _lastBytes;

    /// <summary>Records the budget held back in the last Publish(), summed over clients.</summary>
    public long LastPublishDeferred => _lastDeferred;

    private int History => _options.SnapshotHistory;

    /// <summary>
    /// Resolves the entity types of the endpoint's table, and takes the world's options in force now (set through
    /// <c>server.Options.World</c> after the constructor, say); called when the server starts, once they are validated.
    /// </summary>
    public void Start(MessageTable table, NetWorldOptions options)
    {
        _options = options;
        var types = new Dictionary<Type, (NetEntityType, int)>();
        for (int i = 0; i < table.EntityTypes.Length; i++)
        {
            types[table.EntityTypes[i].Type] = (table.EntityTypes[i], i);
        }

        _typeBits = Quantization.BitsFor((uint)Math.Max(table.EntityTypes.Length - 1, 0));
        _types = types;
    }

    public T Spawn<T>(T entity, NetConnection? owner)
        where T : NetEntity
    {
        ArgumentNullException.ThrowIfNull(entity);
        if (entity.World is not null || entity.Replica is not null)
        {
            throw new InvalidOperationException($"{entity} is already spawned: despawn it first, or spawn a new instance.");
        }

        if (_types is null)
        {
            throw new InvalidOperationException("The server has not started: call StartAsync before spawning entities.");
        }

        if (!_types.TryGetValue(entity.GetType(), out (NetEntityType Type, int Index) type))
        {
            throw new InvalidOperationException(
                $"{entity.GetType()} is not a registered entity type: a partial class deriving NetEntity with at least one [Replicated] member, whose assembly was loaded before the server started.");
        }

        if (_alive.Count >= _options.MaxEntities)
        {
            throw new InvalidOperationException($"The world holds NetWorldOptions.MaxEntities ({_options.MaxEntities}) entities already.");
        }

        if (_free.Count == 0 && _highSlot >= SlotLimit)
        {
            // A slot past the id's 20 bits would alias slot 0 of the next generation: another entity's id.
            throw new InvalidOperationException(
                $"All {SlotLimit} entity ids' slots are held, by live entities and by despawned ones whose despawn clients have not yet acknowledged: spawn again once they have.");
        }

        int slot = _free.Count > 0 ? _free.Pop() : _highSlot++;
        if (slot >= _slots.Length)
        {
            Array.Resize(ref _slots, _slots.Length * 2);
            Array.Resize(ref _generations, _generations.Length * 2);
        }

        int generation = _generations[slot] == 0 ? 1 : _generations[slot];
        _generations[slot] = (ushort)generation;
        ServerReplica replica = type.Type.CreateServerReplica(entity, History);
        replica.TypeIndex = type.Index;
        _slots[slot] = replica;
        entity.Id = NetId.Of(slot, generation);
        entity.Replica = replica;
        entity.World = _world;
        entity.OwnerConnection = owner;
        entity.Changed = true;
        _alive.Add(entity);
        return entity;
    }

    public void Despawn(NetEntity entity)
    {
        ArgumentNullException.ThrowIfNull(entity);
        if (entity.World != _world || entity.Replica is not ServerReplica replica)
        {
            throw new InvalidOperationException($"{entity} is not in this world.");
        }

        replica.Alive = false;
        _alive.Remove(entity);
        entity.World = null;
        entity.OwnerConnection = null;

        // Its slot waits until no client may hold the entity (see FreeSlots).
        if (replica.Holders == 0)
        {
            Free(entity.Id.Slot);
        }
    }

    public void SetOwner(NetEntity entity, NetConnection? owner)
    {
        ArgumentNullException.ThrowIfNull(entity);
        if (entity.World != _world)
        {
            throw new InvalidOperationException($"{entity} is not in this world.");
        }

        entity.OwnerConnection = owner;
    }

    private void Free(int slot)
    {
        _slots[slot] = null;
        int next = _generations[slot] + 1;
        _generations[slot] = (ushort)(next >= 1 << NetId.GenerationBits ? 1 : next);
        _free.Push(slot);
    }

    public void AddClient(NetConnection connection)
    {
        var view = new ClientView(connection);
        connection.ReplicationView = view;
        _views.Add(view);
    }

    public void RemoveClient(NetConnection connection)
    {
        if (connection.ReplicationView is not { } view)
        {
            return;
        }

        connection.ReplicationView = null;
        _views.Remove(view);
        for (int slot = 0; slot < Math.Min(view.Links.Length, _highSlot); slot++)
        {
            ref EntityLink link = ref view.Links[slot];
            if (link.State != LinkState.None && _slots[slot] is { } replica && replica.Entity.Id.Generation == link.Generation)
            {
                Release(replica, slot);
            }
        }

        // An owner that leaves gives its entities back to the server.
        for (int i = 0; i < _alive.Count; i++)
        {
            if (_alive[i].OwnerConnection == connection)
            {
                _alive[i].OwnerConnection = null;
            }
        }
    }

    private void Release(ServerReplica replica, int slot)
    {
        replica.Holders--;
        if (replica.Holders == 0 && !replica.Alive)
        {
            Free(slot);
        }
    }

    /// <summary>A part was acknowledged or lost: what it carried for one entity now counts, or is to be sent again.</summary>
    internal void Settle(ClientView view, ref EntityLink link, in SentEntry entry, uint tick, bool acked)
    {
        if (!acked)
        {
            if (entry.Kind is SentKind.Update or SentKind.Spawn && link.InFlight == tick)
            {
                link.InFlight = 0; // lost: send again at once
            }
            else if (entry.Kind == SentKind.Owner && tick >= link.OwnerAckedTick)
            {
                // Reported lost, it may still arrive (late): the client then holds its value, which the server may
                // no longer want (ownership given and taken back). Unknown until a newer ownership is acknowledged.
                link.OwnerUnknown = true;
                link.OwnerAckedTick = tick;
            }

            return;
        }

        switch (entry.Kind)
        {
            case SentKind.Update when link.State == LinkState.Live && tick > link.Baseline:
                link.Baseline = tick;
                break;
            case SentKind.Spawn when link.State == LinkState.Spawning && tick >= link.Since:
                link.State = LinkState.Live;
                link.Baseline = tick;
                AckOwner(ref link, entry.Owner, tick);
                break;
            case SentKind.Despawn when link.State == LinkState.Despawning && tick >= link.Since:
                link.State = LinkState.None;
                link.Baseline = 0;
                link.InFlight = 0;
                if (_slots[entry.Slot] is { } replica)
                {
                    Release(replica, entry.Slot);
                }

                break;
            case SentKind.Owner when link.State == LinkState.Live:
                AckOwner(ref link, entry.Owner, tick);
                break;
        }

        if (link.InFlight == tick && entry.Kind is SentKind.Update or SentKind.Spawn)
        {
            link.InFlight = 0;
        }
    }

    /// <summary>The client applies ownership in tick order: what it holds is the newest it acknowledged, whatever the server wants now.</summary>
    private static void AckOwner(ref EntityLink link, bool owner, uint tick)
    {
        if (tick >= link.OwnerAckedTick)
        {
            link.OwnerAcked = owner;
            link.OwnerAckedTick = tick;
            link.OwnerUnknown = false;
        }
    }

    /// <summary>Queues <paramref name="call"/> for the clients the next Publish() spawns <paramref name="entity"/> on; false when it has been published already.</summary>
    public bool QueueSpawnCall(NetEntity entity, ISpawnCall call)
    {
        if (entity.Replica is not ServerReplica { Unpublished: true, Alive: true } replica)
        {
            return false;
        }

        if (replica.SpawnCalls is null)
        {
            replica.SpawnCalls = new List<ISpawnCall>();
            _withSpawnCalls.Add(replica);
        }

        replica.SpawnCalls.Add(call);
        return true;
    }

    /// <summary>The live entity with <paramref name="id"/>, or null (despawned, never spawned, or a forged id).</summary>
    public NetEntity? Find(NetId id)
    {
        int slot = id.Slot;
        return (uint)slot < (uint)_slots.Length && _slots[slot] is { Alive: true } replica && replica.Entity.Id == id ? replica.Entity : null;
    }

    /// <summary>Whether <paramref name="connection"/> holds <paramref name="entity"/> or is being sent it.</summary>
    public static bool Sees(NetConnection connection, NetEntity entity) => entity.Replica is ServerReplica && SeesOwn(connection, entity);

    /// <summary><see cref="Sees"/> for an entity known to be the server's (found in its slots): no type test.</summary>
    public static bool SeesOwn(NetConnection connection, NetEntity entity) => SeesOwn(connection, entity.Id);

    /// <summary>
    /// Whether <paramref name="connection"/> holds, or is being sent, the server's entity <paramref name="id"/>: from the
    /// id alone, so that a dispatched RPC checks it alongside the entity's lookup rather than after it.
    /// </summary>
    public static bool SeesOwn(NetConnection connection, NetId id)
    {
        if (connection.ReplicationView is not { } view)
        {
            return false;
        }

        int slot = id.Slot;
        EntityLink[] links = view.Links;
        return slot < links.Length && links[slot].Generation == id.Generation && links[slot].State is LinkState.Spawning or LinkState.Live;
    }

    public void Publish()
    {
        if (_types is null)
        {
            throw new InvalidOperationException("The server has not started: call StartAsync before publishing.");
        }

        _tick++;
        long now = _endpoint.Time.GetTimestamp();
        long serverTime = (long)_endpoint.Time.GetElapsedTime(0, now).TotalMicroseconds;
        if (_info.Length < _slots.Length)
        {
            _info = new SlotInfo[_slots.Length];
        }

        // What every client's pass reads of each entity, read once and laid out flat.
        for (int slot = 0; slot < _highSlot; slot++)
        {
            ServerReplica? replica = _slots[slot];
            ref SlotInfo info = ref _info[slot];
            if (replica is null)
            {
                info = default;
                continue;
            }

            NetEntity entity = replica.Entity;
            if (replica.Alive)
            {
                _clamped += replica.Capture(_tick);
            }

            Vector3? position = replica.Alive ? entity.InterestPosition : null;
            info = new SlotInfo
            {
                Replica = replica,
                Generation = (ushort)entity.Id.Generation,
                Alive = replica.Alive,
                Global = position is null,
                Position = position.GetValueOrDefault(),
                Owner = replica.Alive ? entity.OwnerConnection : null,
                Priority = entity.Priority,
            };
        }

        _options.Interest.BeginTick(_world);
        long bytes = 0;
        _deferred = 0;
        for (int i = 0; i < _views.Count; i++)
        {
            ClientView view = _views[i];
            if (!view.Connection.IsConnected)
            {
                continue;
            }

            view.Drain(this);
            bytes += PublishTo(view, now, serverTime);
        }

        // Calls made before this first Publish went to the clients it spawned the entity on; later ones see it.
        foreach (ServerReplica replica in _withSpawnCalls)
        {
            replica.SpawnCalls = null;
        }

        _withSpawnCalls.Clear();
        _lastBytes = bytes;
        _lastDeferred = _deferred;
        _bytesSent += bytes;
        _endpoint.Flush();
    }

    private long PublishTo(ClientView view, long now, long serverTime)
    {
        double elapsed = view.LastPublish == 0 ? 1.0 / 30 : _endpoint.Time.GetElapsedTime(view.LastPublish, now).TotalSeconds;
        view.LastPublish = now;
        double rate = _options.BudgetBytesPerSecond;
        view.Tokens = Math.Min(view.Tokens + (rate * elapsed), Math.Max(rate * 0.2, 2048));

        if (view.TakeReset())
        {
            // The client lost track of some baselines or entities: what it holds is sent as spawns, in full.
            for (int slot = 0; slot < Math.Min(_highSlot, view.Links.Length); slot++)
            {
                ref EntityLink link = ref view.Links[slot];
                if (link.State == LinkState.Live)
                {
                    link.State = LinkState.Spawning;
                    link.Since = _tick;
                    link.Baseline = 0;
                    link.InFlight = 0;
                    link.OwnerAckedTick = 0;
                    link.OwnerUnknown = false;
                }
            }
        }

        int candidates = 0;
        int history = History;
        if (_highSlot > 0)
        {
            view.Link(_highSlot - 1); // room for every slot, once
        }

        EntityLink[] links = view.Links;
        SlotInfo[] infos = _info;
        NetConnection connection = view.Connection;
        IInterestPolicy interest = _options.Interest;
        GridInterest? grid = interest as GridInterest; // the default, inlined: one distance per pair
        Vector3 viewPosition = connection.ViewPosition;
        int pending = 0;
        for (int slot = 0; slot < _highSlot; slot++)
        {
            ref SlotInfo info = ref infos[slot];
            ServerReplica? replica = info.Replica;
            if (replica is null)
            {
                continue;
            }

            ref EntityLink link = ref links[slot];
            if (link.Generation != info.Generation)
            {
                // The slot's entity is not the one this link knew (which the client has let go of).
                link = new EntityLink { Generation = info.Generation };
            }

            bool owner = info.Alive && info.Owner == connection;
            bool relevant;
            if (!info.Alive)
            {
                relevant = false;
            }
            else if (owner || info.Global)
            {
                relevant = true;
            }
            else if (grid is not null)
            {
                float distance = Vector3.DistanceSquared(viewPosition, info.Position);
                relevant = distance <= grid.EnterSquared || (distance <= grid.LeaveSquared && link.State is LinkState.Spawning or LinkState.Live);
            }
            else
            {
                relevant = interest.IsRelevant(connection, replica.Entity, info.Position);
            }

            if (!relevant && link.State == LinkState.None)
            {
                continue; // the common case of a large world: not seen, not held
            }

            switch (link.State)
            {
                case LinkState.None or LinkState.Despawning when relevant:
                    if (link.State == LinkState.None)
                    {
                        replica.Holders++;
                    }

                    link.State = LinkState.Spawning;
                    link.Since = _tick;
                    link.Baseline = 0;
                    link.InFlight = 0;
                    link.OwnerWanted = owner;
                    link.OwnerAcked = false;
                    link.OwnerAckedTick = 0;
                    link.OwnerUnknown = false;

                    // After the link's state: were a call's send to throw, the next Publish() would not count this
                    // client as a holder twice. (Each call was checked against the options when it was queued.)
                    if (replica.SpawnCalls is { } calls)
                    {
                        foreach (ISpawnCall call in calls)
                        {
                            call.SendTo(connection);
                        }
                    }

                    break;
                case LinkState.Spawning or LinkState.Live when !relevant:
                    link.State = LinkState.Despawning;
                    link.Since = _tick;
                    link.Priority = 0;
                    break;
            }

            if (link.OwnerWanted != owner && link.State is LinkState.Spawning or LinkState.Live)
            {
                link.OwnerWanted = owner;
            }

            if (link.State == LinkState.Despawning || (link.State == LinkState.Live && link.OwnerPending))
            {
                pending++;
            }

            bool send;
            switch (link.State)
            {
                case LinkState.Spawning:
                    send = link.InFlight == 0 || _tick - link.InFlight >= history;
                    break;
                case LinkState.Live:
                    send = NeedsState(replica, ref link, history);
                    break;
                default:
                    send = false;
                    break;
            }

            if (send)
            {
                link.Priority += info.Priority;
                if (candidates == view.Candidates.Length)
                {
                    int[] grownSlots = new int[candidates * 2];
                    float[] grownPriorities = new float[candidates * 2];
                    view.Candidates.CopyTo(grownSlots, 0);
                    view.CandidatePriorities.CopyTo(grownPriorities, 0);
                    view.Candidates = grownSlots;
                    view.CandidatePriorities = grownPriorities;
                }

                view.Candidates[candidates] = slot;
                view.CandidatePriorities[candidates] = -link.Priority; // ascending sort puts the highest first
                candidates++;
            }
        }

        // The most urgent first, as many as the budget allows (at least one, so that nothing starves), then in
        // slot order, which the relative slot numbers on the wire are cheapest in.
        Array.Sort(view.CandidatePriorities, view.Candidates, 0, candidates);
        double budgetBits = view.Tokens * 8;
        int chosen = 0;
        double planned = 0;
        while (chosen < candidates)
        {
            ref EntityLink link = ref view.Links[view.Candidates[chosen]];
            ServerReplica replica = _slots[view.Candidates[chosen]]!;
            double bits = (link.State == LinkState.Spawning || link.Baseline == 0 ? replica.FullBits + 40 : replica.RecordBits + 12) + 8;
            if (chosen > 0 && planned + bits > budgetBits)
            {
                break;
            }

            planned += bits;
            chosen++;
        }

        bool complete = chosen == candidates;
        _deferred += candidates - chosen;
        Array.Sort(view.Candidates, 0, chosen);
        return WriteParts(view, chosen, complete, serverTime, pending);
    }

    private bool NeedsState(ServerReplica replica, ref EntityLink link, int history)
    {
        if (link.Baseline != 0 && replica.LastChangedTick <= link.Baseline)
        {
            return false; // the client has the current state, however long ago it was acknowledged
        }

        if (link.Baseline != 0 && (_tick - link.Baseline > SnapshotFormat.MaxBaselineAge || !replica.HasState(link.Baseline)))
        {
            link.Baseline = 0; // too old to delta from: full state
        }

        // Sent since the last change and not yet settled: wait for the transport's word rather than repeat it.
        return link.InFlight == 0 || replica.LastChangedTick > link.InFlight || _tick - link.InFlight >= history;
    }

    private long WriteParts(ClientView view, int chosen, bool complete, long serverTime, int pending)
    {
        NetConnection connection = view.Connection;
        int capacity = Math.Min(connection.Link.MaxTrackedBytes, _scratch.Length);
        long total = 0;
        int partIndex = 0;
        int next = 0; // the next chosen candidate
        int despawnCursor = pending > 0 ? 0 : _highSlot; // the next slot to look at for despawns and ownership (none: skip)
        bool oversize = false;
        while (true)
        {
            // A part is one datagram, unless one record alone needs more: that part is sent in fragments.
            Span<byte> part = _scratch.AsSpan(0, oversize ? _scratch.Length : capacity);
            oversize = false;
            int limitBits = ((part.Length - SnapshotFormat.HeaderBytes) * 8) - SnapshotFormat.KindBits;
            var writer = new BitWriter(part[SnapshotFormat.HeaderBytes..]);
            ref SentPart sent = ref view.BeginPart(_tick);
            int previousSlot = 0;
            uint previousBaseline = uint.MaxValue;
            int records = 0;
            bool full = false;

            // Despawns and ownership first: they are small and not held back by the budget.
            for (; despawnCursor < _highSlot && !full; despawnCursor++)
            {
                int slot = despawnCursor;
                if (slot >= view.Links.Length || _slots[slot] is null)
                {
                    continue;
                }

                ref EntityLink link = ref view.Links[slot];
                bool despawn = link.State == LinkState.Despawning;
                bool ownership = link.State == LinkState.Live && link.OwnerPending;
                if (!despawn && !ownership)
                {
                    continue;
                }

                BitMark mark = writer.Mark();
                writer.WriteBits(despawn ? SnapshotFormat.Despawn : SnapshotFormat.Owner, SnapshotFormat.KindBits);
                writer.WriteRelative((uint)slot, (uint)previousSlot, NetId.SlotBits);
                writer.WriteBits(link.Generation, SnapshotFormat.GenerationBits);
                if (ownership)
                {
                    writer.WriteBool(link.OwnerWanted);
                }

                if (writer.IsOverflowed || writer.BitsWritten > limitBits)
                {
                    writer.Rewind(mark);
                    full = true;
                    break;
                }

                previousSlot = slot;
                records++;
                view.Record(ref sent, slot, link.Generation, despawn ? SentKind.Despawn : SentKind.Owner, link.OwnerWanted);
            }

            for (; next < chosen && !full; next++)
            {
                int slot = view.Candidates[next];
                ref EntityLink link = ref view.Links[slot];
                ServerReplica replica = _slots[slot]!;
                bool spawn = link.State == LinkState.Spawning;
                uint baseline = spawn ? 0 : link.Baseline;
                BitMark mark = writer.Mark();
                writer.WriteBits(SnapshotFormat.State, SnapshotFormat.KindBits);
                writer.WriteRelative((uint)slot, (uint)previousSlot, NetId.SlotBits);
                writer.WriteBool(spawn);
                if (spawn)
                {
                    writer.WriteBits(link.Generation, SnapshotFormat.GenerationBits);
                    writer.WriteBits((uint)replica.TypeIndex, _typeBits);
                    writer.WriteBool(link.OwnerWanted);
                }
                else if (baseline == previousBaseline)
                {
                    writer.WriteBool(true);
                }
                else
                {
                    writer.WriteBool(false);
                    writer.WriteBool(baseline != 0);
                    if (baseline != 0)
                    {
                        writer.WriteBits(_tick - baseline, SnapshotFormat.BaselineAgeBits);
                    }
                }

                replica.WriteState(ref writer, baseline);
                if (writer.IsOverflowed || writer.BitsWritten > limitBits)
                {
                    writer.Rewind(mark);
                    if (records > 0)
                    {
                        full = true;
                        break;
                    }

                    if (part.Length < _scratch.Length)
                    {
                        oversize = true; // alone in a part of its own, next
                        full = true;
                        break;
                    }

                    // Larger than the largest part: skipped (logged once), so that the rest still goes.
                    if (!replica.OversizeLogged)
                    {
                        replica.OversizeLogged = true;
                        Log.OversizedEntity(_endpoint.Logger, replica.Entity.ToString(), _scratch.Length);
                    }

                    link.Priority = 0;
                    continue;
                }

                if (!spawn)
                {
                    previousBaseline = baseline;
                }

                previousSlot = slot;
                records++;
                link.Priority = 0;
                link.InFlight = _tick;
                view.Record(ref sent, slot, link.Generation, spawn ? SentKind.Spawn : SentKind.Update, link.OwnerWanted);
            }

            if (records == 0 && full)
            {
                continue; // nothing in it: the oversized record goes alone in the next, larger part
            }

            writer.WriteBits(SnapshotFormat.End, SnapshotFormat.KindBits);
            int length = SnapshotFormat.HeaderBytes + writer.Flush();
            bool last = !full || partIndex + 1 >= SnapshotFormat.MaxParts;
            SnapshotFormat.WriteHeader(part, _tick, serverTime, partIndex, (byte)((last ? SnapshotFormat.LastFlag : 0) | (complete && !full ? SnapshotFormat.CompleteFlag : 0)));
            sent.Remaining = connection.SendTracked(part[..length], sent.Token);
            total += length;
            _partsSent++;
            view.Tokens -= length;
            partIndex++;
            if (last)
            {
                return total;
            }
        }
    }

    /// <summary>What each client's pass reads of one slot, captured once per tick.</summary>
    private struct SlotInfo
    {
        public ServerReplica? Replica;
        public ushort Generation;
        public bool Alive;
        public bool Global;
        public Vector3 Position;
        public NetConnection? Owner;
        public float Priority;
    }
}
