using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Text;

namespace Travelers;

/// <summary>
/// The message types known to this process. Generated code registers every
/// <see cref="NetMessageAttribute">[NetMessage]</see> type of an assembly from a module initializer when
/// that assembly loads. The protocol fingerprint over all schemas is what peers compare at connect.
/// </summary>
public static class NetMessageRegistry
{
    private const ulong FnvOffset = 14695981039346656037UL;
    private const ulong FnvPrime = 1099511628211UL;

    private static readonly object s_gate = new();
    private static ImmutableDictionary<ulong, NetMessageType> s_byId = ImmutableDictionary<ulong, NetMessageType>.Empty;
    private static ImmutableArray<NetMessageType> s_sorted = ImmutableArray<NetMessageType>.Empty;
    private static ImmutableArray<NetEntityType> s_entities = ImmutableArray<NetEntityType>.Empty;
    private static ImmutableArray<NetRpcType> s_rpcs = ImmutableArray<NetRpcType>.Empty;
    private static ulong s_fingerprint = ComputeFingerprint(ImmutableArray<NetMessageType>.Empty);

    /// <summary>Every registered type, ordered by id (the order in which type indexes are assigned).</summary>
    public static ImmutableArray<NetMessageType> Types => s_sorted;

    /// <summary>Every registered entity type, ordered by id (the order in which entity type indexes are assigned).</summary>
    public static ImmutableArray<NetEntityType> EntityTypes => s_entities;

    /// <summary>Every registered [Rpc] method, ordered by id (the order in which RPC indexes are assigned).</summary>
    public static ImmutableArray<NetRpcType> Rpcs => s_rpcs;

    /// <summary>The protocol fingerprint of every registered message, entity type and RPC: see <see cref="ComputeFingerprint(IEnumerable{NetMessageType}, IEnumerable{NetEntityType}, IEnumerable{NetRpcType})"/>.</summary>
    public static ulong Fingerprint => s_fingerprint;

    /// <summary>Registers <typeparamref name="T"/>; registering a type twice does nothing.</summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <exception cref="InvalidOperationException">Another type already has the same id.</exception>
    public static void Register<T>()
        where T : INetMessage<T>
    {
        lock (s_gate)
        {
            if (s_byId.TryGetValue(T.MessageId, out NetMessageType? existing))
            {
                if (existing.Type == typeof(T))
                {
                    return;
                }

                throw new InvalidOperationException(
                    $"Message id 0x{T.MessageId:X16} of {typeof(T)} is already used by {existing.Type}: give one of them an explicit [NetMessage(Id = ...)].");
            }

            NetMessageType entry = NetMessageType.Create<T>();
            s_byId = s_byId.Add(entry.Id, entry);
            s_sorted = Insert(s_sorted, entry, entry.Id, static t => t.Id);

            // Computed once per registration, not on every read: the handshake reads it per connection.
            s_fingerprint = ComputeFingerprint(s_sorted, s_entities, s_rpcs);
        }
    }

    /// <summary>Registers the replicated entity type <typeparamref name="TSelf"/>; registering a type twice does nothing.</summary>
    /// <typeparam name="TSelf">The entity type.</typeparam>
    /// <typeparam name="TState">Its generated state struct.</typeparam>
    /// <exception cref="InvalidOperationException">Another entity type already has the same id.</exception>
    public static void RegisterEntity<TSelf, TState>()
        where TSelf : NetEntity, INetEntity<TSelf, TState>
        where TState : struct
    {
        lock (s_gate)
        {
            foreach (NetEntityType existing in s_entities)
            {
                if (existing.Id == TSelf.EntityTypeId)
                {
                    if (existing.Type == typeof(TSelf))
                    {
                        return;
                    }

                    throw new InvalidOperationException(
                        $"Entity type id 0x{TSelf.EntityTypeId:X16} of {typeof(TSelf)} is already used by {existing.Type}: rename one of them.");
                }
            }

            NetEntityType entry = NetEntityType.Create<TSelf, TState>();
            s_entities = Insert(s_entities, entry, entry.Id, static e => e.Id);
            s_fingerprint = ComputeFingerprint(s_sorted, s_entities, s_rpcs);
        }
    }

    /// <summary>Registers the [Rpc] method whose generated call struct is <typeparamref name="TCall"/>; registering it twice does nothing.</summary>
    /// <typeparam name="TCall">The call struct.</typeparam>
    /// <exception cref="InvalidOperationException">Another RPC already has the same id.</exception>
    public static void RegisterRpc<TCall>()
        where TCall : struct, IRpcCall<TCall>
    {
        lock (s_gate)
        {
            foreach (NetRpcType existing in s_rpcs)
            {
                if (existing.Id == TCall.MessageId)
                {
                    if (existing.CallType == typeof(TCall))
                    {
                        return;
                    }

                    throw new InvalidOperationException(
                        $"RPC id 0x{TCall.MessageId:X16} of {TCall.Info.Name} is already used by {existing.Info.Name}: rename one of them.");
                }
            }

            NetRpcType entry = NetRpcType.Create<TCall>();
            s_rpcs = Insert(s_rpcs, entry, entry.Id, static r => r.Id);
            s_fingerprint = ComputeFingerprint(s_sorted, s_entities, s_rpcs);
        }
    }

    /// <summary>Finds the registered type with <paramref name="id"/>.</summary>
    /// <param name="id">The message id.</param>
    /// <param name="type">The entry, when found.</param>
    /// <returns>Whether it was found.</returns>
    public static bool TryGet(ulong id, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out NetMessageType? type) =>
        s_byId.TryGetValue(id, out type);

    /// <summary>
    /// The stable 64-bit id of a message type name: FNV-1a 64 over the UTF-8 bytes of the full name as
    /// C# writes it (namespace, containing types and the type joined with '.'). The same on every
    /// machine, process and .NET version, unlike <see cref="string.GetHashCode()"/>.
    /// </summary>
    /// <param name="fullName">For example "Game.Messages.PlayerInput".</param>
    /// <returns>The id; never 0 (0 means "no explicit id").</returns>
    public static ulong ComputeStableId(string fullName)
    {
        ArgumentNullException.ThrowIfNull(fullName);
        ulong hash = Fnv1a(FnvOffset, Encoding.UTF8.GetBytes(fullName));
        return hash == 0 ? 1 : hash;
    }

    /// <summary>
    /// FNV-1a 64 over every type's <see cref="NetMessageType.Schema"/> in id order, each followed by a
    /// line feed. Two peers with the same fingerprint agree on every id, member order, wire type and limit.
    /// </summary>
    /// <param name="types">The types, in any order.</param>
    /// <returns>The fingerprint.</returns>
    public static ulong ComputeFingerprint(IEnumerable<NetMessageType> types) => ComputeFingerprint(types, Array.Empty<NetEntityType>());

    /// <summary>
    /// The fingerprint of messages and entity types: as <see cref="ComputeFingerprint(IEnumerable{NetMessageType})"/> over
    /// the messages, continued over each entity type's <see cref="NetEntityType.Schema"/> in id order, each
    /// preceded by "entity " and followed by a line feed. Without entity types it equals the messages' fingerprint.
    /// </summary>
    /// <param name="types">The message types, in any order.</param>
    /// <param name="entities">The entity types, in any order.</param>
    /// <returns>The fingerprint.</returns>
    public static ulong ComputeFingerprint(IEnumerable<NetMessageType> types, IEnumerable<NetEntityType> entities) =>
        ComputeFingerprint(types, entities, Array.Empty<NetRpcType>());

    /// <summary>
    /// The fingerprint of messages, entity types and RPCs: as <see cref="ComputeFingerprint(IEnumerable{NetMessageType}, IEnumerable{NetEntityType})"/>,
    /// continued over each RPC's <see cref="NetRpcType.Schema"/> in id order, each preceded by "rpc " and followed by
    /// a line feed. Without RPCs it equals the fingerprint of the messages and entity types.
    /// </summary>
    /// <param name="types">The message types, in any order.</param>
    /// <param name="entities">The entity types, in any order.</param>
    /// <param name="rpcs">The RPCs, in any order.</param>
    /// <returns>The fingerprint.</returns>
    public static ulong ComputeFingerprint(IEnumerable<NetMessageType> types, IEnumerable<NetEntityType> entities, IEnumerable<NetRpcType> rpcs)
    {
        ArgumentNullException.ThrowIfNull(types);
        ArgumentNullException.ThrowIfNull(entities);
        ArgumentNullException.ThrowIfNull(rpcs);
        var ordered = new List<NetMessageType>(types);
        ordered.Sort(static (a, b) => a.Id.CompareTo(b.Id));
        ulong hash = FnvOffset;
        foreach (NetMessageType type in ordered)
        {
            hash = Fnv1a(hash, Encoding.UTF8.GetBytes(type.Schema));
            hash = Fnv1a(hash, "\n"u8);
        }

        var orderedEntities = new List<NetEntityType>(entities);
        orderedEntities.Sort(static (a, b) => a.Id.CompareTo(b.Id));
        foreach (NetEntityType entity in orderedEntities)
        {
            hash = Fnv1a(hash, "entity "u8);
            hash = Fnv1a(hash, Encoding.UTF8.GetBytes(entity.Schema));
            hash = Fnv1a(hash, "\n"u8);
        }

        var orderedRpcs = new List<NetRpcType>(rpcs);
        orderedRpcs.Sort(static (a, b) => a.Id.CompareTo(b.Id));
        foreach (NetRpcType rpc in orderedRpcs)
        {
            hash = Fnv1a(hash, "rpc "u8);
            hash = Fnv1a(hash, Encoding.UTF8.GetBytes(rpc.Schema));
            hash = Fnv1a(hash, "\n"u8);
        }

        return hash;
    }

    /// <summary>A copy of <paramref name="items"/> (sorted by id) with <paramref name="entry"/> in its place: ids are table indexes' order.</summary>
    private static ImmutableArray<T> Insert<T>(ImmutableArray<T> items, T entry, ulong id, Func<T, ulong> idOf)
    {
        int at = 0;
        while (at < items.Length && idOf(items[at]) < id)
        {
            at++;
        }

        return items.Insert(at, entry);
    }

    /// <summary>FNV-1a of <paramref name="text"/>'s UTF-8 bytes, as schemas are hashed.</summary>
    internal static ulong HashText(string text) => Fnv1a(FnvOffset, Encoding.UTF8.GetBytes(text));

    private static ulong Fnv1a(ulong hash, ReadOnlySpan<byte> bytes)
    {
        foreach (byte b in bytes)
        {
            hash ^= b;
            hash *= FnvPrime;
        }

        return hash;
    }
}
