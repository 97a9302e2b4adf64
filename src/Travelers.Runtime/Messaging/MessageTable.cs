using System;
using System.Collections.Frozen;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Text;
using System.Threading;

namespace Travelers.Messaging;

/// <summary>
/// The message types an endpoint speaks, frozen when it starts: on the wire a message carries its index in
/// this table (types sorted by stable id), which both sides agree on because the handshake refuses peers
/// whose tables differ.
/// </summary>
internal sealed class MessageTable
{
    private readonly FrozenDictionary<ulong, int> _indexById;

    private readonly FrozenDictionary<ulong, int> _rpcIndexById;

    private MessageTable(ImmutableArray<NetMessageType> types, ImmutableArray<NetEntityType> entities, ImmutableArray<NetRpcType> rpcs)
    {
        Types = types;
        EntityTypes = entities;
        Rpcs = rpcs;
        _indexById = types.Select((t, i) => KeyValuePair.Create(t.Id, i)).ToFrozenDictionary();
        _rpcIndexById = rpcs.Select((r, i) => KeyValuePair.Create(r.Id, i)).ToFrozenDictionary();
        Fingerprint = NetMessageRegistry.ComputeFingerprint(types, entities, rpcs);
        SchemaHashes = types.Select(t => SchemaHash(t.Schema)).ToImmutableArray();
        Entries = types.Select(t => new Entry(t.Id, SchemaHash(t.Schema), t.Name))
            .Concat(entities.Select(e => new Entry(e.Id, SchemaHash("entity " + e.Schema), e.Name)))
            .Concat(rpcs.Select(r => new Entry(r.Id, SchemaHash("rpc " + r.Schema), r.Name)))
            .ToImmutableArray();
    }

    /// <summary>The types, sorted by id; a type's position is its index on the wire.</summary>
    public ImmutableArray<NetMessageType> Types { get; }

    /// <summary>The replicated entity types, sorted by id; a type's position is its index in snapshots.</summary>
    public ImmutableArray<NetEntityType> EntityTypes { get; }

    /// <summary>The [Rpc] methods, sorted by id; a method's position is its index in call records.</summary>
    public ImmutableArray<NetRpcType> Rpcs { get; }

    /// <summary>The record type index of RPC calls: the first after the message types (see Rpc/RpcWire).</summary>
    public int RpcCallIndex => Types.Length;

    /// <summary>The record type index of RPC answers.</summary>
    public int RpcAnswerIndex => Types.Length + 1;

    /// <summary>Record type indexes in all: the message types and the two of RPC.</summary>
    public int RecordTypes => Types.Length + 2;

    /// <summary>Every message, then every entity type, then every RPC, as the hello lists them: id, schema hash, name.</summary>
    public ImmutableArray<Entry> Entries { get; }

    /// <summary>Hash of each type's schema, by index.</summary>
    public ImmutableArray<ulong> SchemaHashes { get; }

    /// <summary>One type of the protocol, as the hello lists it.</summary>
    public readonly record struct Entry(ulong Id, ulong SchemaHash, string Name);

    /// <summary>The protocol fingerprint over every schema.</summary>
    public ulong Fingerprint { get; }

    private static MessageTable? s_current;

    /// <summary>
    /// The table of every message registered in this process now: the same instance for every server and
    /// client started while the registry is unchanged, so per-type caches keyed by table stay valid for all.
    /// </summary>
    public static MessageTable Current()
    {
        ImmutableArray<NetMessageType> types = NetMessageRegistry.Types;
        ImmutableArray<NetEntityType> entities = NetMessageRegistry.EntityTypes;
        ImmutableArray<NetRpcType> rpcs = NetMessageRegistry.Rpcs;
        MessageTable? current = Volatile.Read(ref s_current);
        if (current is null || current.Types != types || current.EntityTypes != entities || current.Rpcs != rpcs)
        {
            current = new MessageTable(types, entities, rpcs);
            Volatile.Write(ref s_current, current);
        }

        return current;
    }

    /// <summary>A table of the given types (tests).</summary>
    public static MessageTable Of(IEnumerable<NetMessageType> types) =>
        Of(types, []);

    /// <summary>A table of the given messages and entity types (tests).</summary>
    public static MessageTable Of(IEnumerable<NetMessageType> types, IEnumerable<NetEntityType> entities) =>
        Of(types, entities, []);

    /// <summary>A table of the given messages, entity types and RPCs (tests).</summary>
    public static MessageTable Of(IEnumerable<NetMessageType> types, IEnumerable<NetEntityType> entities, IEnumerable<NetRpcType> rpcs) =>
        new(types.OrderBy(t => t.Id).ToImmutableArray(), entities.OrderBy(e => e.Id).ToImmutableArray(), rpcs.OrderBy(r => r.Id).ToImmutableArray());

    /// <summary>The index of the message with id <paramref name="id"/>, or -1.</summary>
    public int IndexOf(ulong id) => _indexById.TryGetValue(id, out int index) ? index : -1;

    /// <summary>The index of the RPC with id <paramref name="id"/>, or -1.</summary>
    public int RpcIndexOf(ulong id) => _rpcIndexById.TryGetValue(id, out int index) ? index : -1;

    /// <summary>The hash of a schema's text, as the hello lists it.</summary>
    public static ulong SchemaHash(string schema) => NetMessageRegistry.HashText(schema);

    /// <summary>
    /// Names the types on which this table (the server's) and the peer's differ, for a refusal: the peer is
    /// described by each type's id, schema hash and name, as its hello lists them.
    /// </summary>
    public string Describe(IReadOnlyList<(ulong Id, ulong SchemaHash, string Name)> peer, string here, string there)
    {
        var onlyHere = new List<string>();
        var onlyThere = new List<string>();
        var changed = new List<string>();
        var seen = new HashSet<ulong>();
        var mine = new Dictionary<ulong, Entry>();
        foreach (Entry entry in Entries)
        {
            mine.TryAdd(entry.Id, entry);
        }

        foreach ((ulong id, ulong hash, string name) in peer)
        {
            seen.Add(id);
            if (!mine.TryGetValue(id, out Entry entry))
            {
                onlyThere.Add(name);
            }
            else if (entry.SchemaHash != hash)
            {
                changed.Add(entry.Name);
            }
        }

        foreach (Entry entry in Entries)
        {
            if (!seen.Contains(entry.Id))
            {
                onlyHere.Add(entry.Name);
            }
        }

        var text = new StringBuilder("the message types differ:");
        Append(text, $" only on the {here}: ", onlyHere);
        Append(text, $" only on the {there}: ", onlyThere);
        Append(text, " different schema: ", changed);
        if (onlyHere.Count + onlyThere.Count + changed.Count == 0)
        {
            text.Append(" the same types and schemas, in a different order or with a different fingerprint");
        }

        return text.ToString();
    }

    private static void Append(StringBuilder text, string label, List<string> names)
    {
        if (names.Count == 0)
        {
            return;
        }

        const int Shown = 10;
        names.Sort(StringComparer.Ordinal);
        text.Append(label).Append(string.Join(", ", names.Take(Shown)));
        if (names.Count > Shown)
        {
            text.Append($" and {names.Count - Shown} more");
        }

        text.Append(';');
    }
}
