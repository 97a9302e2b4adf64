using System;
using Travelers.Replication;

namespace Travelers;

/// <summary>
/// One registered entity type: its id, name and schema, and the factories the replication layer uses without
/// knowing the type statically. Registered by generated code (<see cref="NetMessageRegistry.RegisterEntity{TSelf, TState}"/>).
/// </summary>
public abstract class NetEntityType
{
    private protected NetEntityType(ulong id, Type type, string schema)
    {
        Id = id;
        Type = type;
        Schema = schema;
    }

    /// <summary>The 64-bit stable id.</summary>
    public ulong Id { get; }

    /// <summary>The CLR type.</summary>
    public Type Type { get; }

    /// <summary>The full name, as hashed into the id.</summary>
    public string Name => Type.FullName!.Replace('+', '.');

    /// <summary>The schema hashed into the protocol fingerprint.</summary>
    public string Schema { get; }

    /// <summary>Creates the entry for <typeparamref name="TSelf"/>.</summary>
    /// <typeparam name="TSelf">The entity type.</typeparam>
    /// <typeparam name="TState">Its state struct.</typeparam>
    /// <returns>The entry.</returns>
    public static NetEntityType Create<TSelf, TState>()
        where TSelf : NetEntity, INetEntity<TSelf, TState>
        where TState : struct => new Typed<TSelf, TState>();

    /// <inheritdoc/>
    public override string ToString() => $"{Name} (0x{Id:X16})";

    /// <summary>The server's record of a spawned entity.</summary>
    internal abstract ServerReplica CreateServerReplica(NetEntity entity, int history);

    /// <summary>A new instance and its record, on a client.</summary>
    internal abstract ClientReplica CreateClientReplica(ClientReplication world, int history);

    private sealed class Typed<TSelf, TState> : NetEntityType
        where TSelf : NetEntity, INetEntity<TSelf, TState>
        where TState : struct
    {
        public Typed()
            : base(TSelf.EntityTypeId, typeof(TSelf), TSelf.EntitySchema)
        {
        }

        internal override ServerReplica CreateServerReplica(NetEntity entity, int history) =>
            new ServerReplica<TSelf, TState>((TSelf)entity, this, history);

        internal override ClientReplica CreateClientReplica(ClientReplication world, int history) =>
            new ClientReplica<TSelf, TState>(TSelf.CreateReplica(), this, world, history);
    }
}
