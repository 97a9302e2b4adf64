using System.Collections.Generic;
using System;

namespace Travelers.Replication;

/// <summary>The runtime's record of one entity instance: what is typed by the entity's state lives in the generic subclasses.</summary>
internal abstract class EntityReplica
{
    protected EntityReplica(NetEntity entity, NetEntityType type)
    {
        Entity = entity;
        Type = type;
    }

    public NetEntity Entity { get; }

    public NetEntityType Type { get; }

    /// <summary>The entity type's index in the endpoint's table (its number on the wire).</summary>
    public int TypeIndex { get; set; }
}

/// <summary>The server's record of a spawned entity: its captured state and the states of the recent ticks, which clients' deltas start from.</summary>
internal abstract class ServerReplica : EntityReplica
{
    protected ServerReplica(NetEntity entity, NetEntityType type)
        : base(entity, type)
    {
    }

    /// <summary>The last tick at which the captured state changed.</summary>
    public uint LastChangedTick { get; protected set; }

    /// <summary>Whether the entity is still in the world (false once despawned, while clients let go of it).</summary>
    public bool Alive { get; set; } = true;

    /// <summary>How many clients may hold the entity (their link is not <see cref="LinkState.None"/>): the slot is reused only at 0.</summary>
    public int Holders { get; set; }

    /// <summary>About how many bits the last state record took, to plan a client's budget before encoding.</summary>
    public int RecordBits { get; set; } = 64;

    /// <summary>Whether the entity was logged as too large for a snapshot part.</summary>
    public bool OversizeLogged { get; set; }

    /// <summary>Bits of the last full state, for spawns.</summary>
    public int FullBits { get; set; } = 128;

    /// <summary>Whether no Publish() has captured the entity yet: no client can have been sent it.</summary>
    public bool Unpublished => LastChangedTick == 0;

    /// <summary>Calls for the entity's observers made before its first Publish(): sent to the clients that Publish() spawns it on.</summary>
    public List<ISpawnCall>? SpawnCalls { get; set; }

    /// <summary>Captures the state at <paramref name="tick"/> and keeps it in the history; returns the values clamped.</summary>
    public abstract int Capture(uint tick);

    /// <summary>Whether the state at <paramref name="tick"/> is still in the history.</summary>
    public abstract bool HasState(uint tick);

    /// <summary>Writes the current state against the state at <paramref name="baselineTick"/> (which <see cref="HasState"/>), or in full when it is 0.</summary>
    public abstract void WriteState(ref BitWriter writer, uint baselineTick);
}

/// <summary>A client's record of an entity the server spawned there.</summary>
internal abstract class ClientReplica : EntityReplica
{
    protected ClientReplica(NetEntity entity, NetEntityType type)
        : base(entity, type)
    {
    }

    /// <summary>The tick of the spawn that made it.</summary>
    public uint SpawnTick { get; set; }

    /// <summary>The newest tick whose state was applied.</summary>
    public uint LastTick { get; set; }

    /// <summary>The tick of the ownership last applied.</summary>
    public uint OwnerTick { get; set; }

    /// <summary>Outcome of reading a state record.</summary>
    public enum ReadResult
    {
        /// <summary>Read and kept (applied too if newer than what the entity shows).</summary>
        Ok,

        /// <summary>Read, but its baseline is not in the history: dropped.</summary>
        UnknownBaseline,

        /// <summary>The bits do not hold a valid state: the rest of the part cannot be read.</summary>
        Malformed,
    }

    /// <summary>Lets go of the states kept for a despawned entity; records about it are then only read past.</summary>
    public abstract void Release();

    /// <summary>Reads a state record of <paramref name="tick"/> against the state at <paramref name="baselineTick"/> (0: none).</summary>
    public abstract ReadResult Read(ref BitReader reader, uint tick, uint baselineTick, long serverTime, bool spawn);
}

/// <summary>The state of one (client, entity) pair on the server.</summary>
internal enum LinkState : byte
{
    /// <summary>The client does not hold the entity.</summary>
    None,

    /// <summary>A spawn was sent and not yet acknowledged: the client may hold it.</summary>
    Spawning,

    /// <summary>The client acknowledged the spawn: it holds the entity.</summary>
    Live,

    /// <summary>A despawn was sent and not yet acknowledged.</summary>
    Despawning,
}
