using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using Travelers.Replication;
using Travelers.Rpc;

namespace Travelers;

/// <summary>
/// The replicated entities of a server or a client. On the server (<see cref="NetServer.World"/>) the game spawns,
/// changes and despawns entities and calls <see cref="Publish"/> once per tick; each client's world
/// (<see cref="NetClient.World"/>) holds the copies the server sent it, updated and raising events in
/// <see cref="NetClient.Poll"/>. Use a world on the thread that polls its server or client.
/// </summary>
public sealed class NetWorld
{
    private readonly ServerReplication? _server;
    private readonly ClientReplication? _client;
    private readonly ReadOnlyCollection<NetEntity> _entities;

    internal NetWorld(NetEndpoint endpoint, NetWorldOptions? serverOptions)
    {
        Endpoint = endpoint;
        Rpc = endpoint.Rpc;
        if (serverOptions is not null)
        {
            _server = new ServerReplication(this, serverOptions, endpoint);
            _entities = new ReadOnlyCollection<NetEntity>((IList<NetEntity>)_server.Alive);
        }
        else
        {
            _client = new ClientReplication(this, endpoint);
            _entities = new ReadOnlyCollection<NetEntity>((IList<NetEntity>)_client.Entities);
        }
    }

    /// <summary>An entity arrived: spawned on the server by <see cref="Spawn{T}"/>, or on a client when the server sent it (in Poll()).</summary>
    public event Action<NetEntity>? Spawned;

    /// <summary>An entity left: despawned on the server, or on a client when the server despawned it or it left the client's interest.</summary>
    public event Action<NetEntity>? Despawned;

    /// <summary>An entity's owner changed: <see cref="NetEntity.OwnerConnection"/> on the server, <see cref="NetEntity.IsOwner"/> on a client.</summary>
    public event Action<NetEntity>? OwnershipChanged;

    /// <summary>Whether this is the server's world.</summary>
    public bool IsServer => _server is not null;

    /// <summary>The entities in the world: on a client, those the server sent and has not despawned there.</summary>
    public IReadOnlyCollection<NetEntity> Entities => _entities;

    /// <summary>
    /// The entity <paramref name="id"/> names: on the server, a spawned entity not despawned; on a client, one it holds.
    /// Null otherwise, and for the id of a despawned entity whose slot went to another (the generation differs).
    /// </summary>
    /// <param name="id">An entity's <see cref="NetEntity.Id"/>: read from a message, or a <see cref="NetId"/> member.</param>
    /// <returns>The entity, or null.</returns>
    /// <remarks>
    /// A lookup by slot, in constant time. On the server an id that came from a client is untrusted input: check the
    /// entity's <see cref="NetEntity.OwnerConnection"/> and <see cref="NetConnection.Sees"/> before acting on it, as
    /// the runtime does for <see cref="RpcAttribute">[Rpc]</see> calls.
    /// </remarks>
    public NetEntity? Find(NetId id) => _server is { } server ? server.Find(id) : _client!.Find(id);

    /// <summary>The server's tick: the number of <see cref="Publish"/> calls (server), or the newest tick received (client).</summary>
    public uint Tick => _server?.Tick ?? _client!.Tick;

    /// <summary>
    /// On a client, the server's clock, estimated from the handshake and every snapshot (smoothed; it never goes
    /// back). On the server, its own clock.
    /// </summary>
    public TimeSpan ServerTime => _client?.ServerTime ?? ServerNow();

    /// <summary>
    /// On a client, the time the entities' <c>Interpolated</c> states show: <see cref="ServerTime"/> minus an
    /// interpolation delay that adapts to the send rate and jitter. It never goes back. On the server, <see cref="ServerTime"/>.
    /// </summary>
    public TimeSpan RenderTime => _client?.RenderTime ?? ServerNow();

    /// <summary>The world's counters, read now.</summary>
    public NetWorldStatistics Statistics => _server is { } server
        ? new NetWorldStatistics { Entities = server.Alive.Count, Clamped = server.Clamped, BytesSent = server.BytesSent, PartsSent = server.PartsSent, LastPublishBytes = server.LastPublishBytes, LastPublishDeferred = server.LastPublishDeferred }
        : new NetWorldStatistics { Entities = _client!.Entities.Count, Dropped = _client.Dropped, BytesReceived = _client.BytesReceived, PartsReceived = _client.PartsReceived, InterpolationDelay = _client.InterpolationDelay };

    internal ServerReplication? Server => _server;

    /// <summary>The server or client of this world.</summary>
    internal NetEndpoint Endpoint { get; }

    /// <summary>The endpoint's RPC runtime, held here too: a proxy reaches it from the entity in two loads rather than three.</summary>
    internal RpcRuntime Rpc { get; }

    internal ClientReplication? Client => _client;

    internal Func<TimeSpan> ServerClock { get; set; } = static () => TimeSpan.Zero;

    private TimeSpan ServerNow() => ServerClock();

    /// <summary>Adds <paramref name="entity"/> to the world (server), assigning its <see cref="NetEntity.Id"/>; clients get it at the next <see cref="Publish"/> that finds it relevant to them.</summary>
    /// <typeparam name="T">The entity type: a partial class deriving <see cref="NetEntity"/> with [Replicated] members.</typeparam>
    /// <param name="entity">A new instance, not spawned before.</param>
    /// <param name="owner">The client that owns it, or null for the server.</param>
    /// <returns><paramref name="entity"/>.</returns>
    /// <exception cref="InvalidOperationException">On a client; before the server started; the type is not registered; the entity is already spawned; the world is full.</exception>
    public T Spawn<T>(T entity, NetConnection? owner = null)
        where T : NetEntity
    {
        T spawned = RequireServer().Spawn(entity, owner);
        Spawned?.Invoke(spawned);
        return spawned;
    }

    /// <summary>Removes <paramref name="entity"/> from the world (server); clients that hold it despawn it at their next snapshot.</summary>
    /// <param name="entity">An entity spawned in this world.</param>
    public void Despawn(NetEntity entity)
    {
        RequireServer().Despawn(entity);
        Despawned?.Invoke(entity);
    }

    /// <summary>Gives <paramref name="entity"/> to <paramref name="owner"/> (server), or to the server with null. The clients concerned see <see cref="NetEntity.IsOwner"/> change.</summary>
    /// <param name="entity">An entity spawned in this world.</param>
    /// <param name="owner">The new owner.</param>
    public void SetOwner(NetEntity entity, NetConnection? owner)
    {
        ServerReplication server = RequireServer();
        if (entity?.OwnerConnection == owner)
        {
            return;
        }

        server.SetOwner(entity!, owner);
        OwnershipChanged?.Invoke(entity!);
    }

    /// <summary>
    /// Captures this tick's state of every entity and sends each client, unreliably, what it has not
    /// acknowledged of what it sees, within its budget (server). Call once per tick, after the simulation, on the
    /// thread that polls the server.
    /// </summary>
    public void Publish() => RequireServer().Publish();

    private ServerReplication RequireServer() =>
        _server ?? throw new InvalidOperationException("Only the server's world can spawn, despawn, change owners and publish: a client's world holds what the server sends.");

    internal void RaiseSpawned(NetEntity entity) => Spawned?.Invoke(entity);

    internal void RaiseDespawned(NetEntity entity) => Despawned?.Invoke(entity);

    internal void RaiseOwnershipChanged(NetEntity entity) => OwnershipChanged?.Invoke(entity);
}
