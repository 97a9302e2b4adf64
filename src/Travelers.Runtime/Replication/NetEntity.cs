using System;
using System.ComponentModel;
using System.Numerics;
using Travelers.Replication;

namespace Travelers;

/// <summary>
/// Base of every replicated object. Derive a partial class, mark members <see cref="ReplicatedAttribute">[Replicated]</see>,
/// and spawn instances with <see cref="NetWorld.Spawn{T}"/> on the server: every client whose interest holds the
/// entity gets a copy, kept up to date by <see cref="NetWorld.Publish"/>. The server is authoritative: what a
/// client writes into its copy stays on that client.
/// </summary>
public abstract class NetEntity
{
    private float _priority = 1f;

    /// <summary>Creates an entity; it joins a world when spawned.</summary>
    protected NetEntity() => ClrType = GetType();

    /// <summary>GetType(), read once: RPC dispatch compares it on every call, and GetType() is a call each time.</summary>
    internal Type ClrType { get; }

    /// <summary>The entity's id, assigned by <see cref="NetWorld.Spawn{T}"/>; <see cref="NetId.None"/> before.</summary>
    public NetId Id { get; internal set; }

    /// <summary>On the server: the connection that owns the entity, or null. Null on clients (see <see cref="IsOwner"/>).</summary>
    public NetConnection? OwnerConnection { get; internal set; }

    /// <summary>On a client: whether this client owns the entity. False on the server.</summary>
    public bool IsOwner { get; internal set; }

    /// <summary>The world the entity is in, or null before it is spawned and after it is despawned.</summary>
    public NetWorld? World { get; internal set; }

    /// <summary>
    /// How urgently the server sends this entity's changes when a client's budget cannot carry them all: each
    /// tick an entity waits, its priority for that client grows by this much. Default 1; must be positive.
    /// </summary>
    public float Priority
    {
        get => _priority;
        set
        {
            if (!(value > 0f) || float.IsInfinity(value))
            {
                throw new ArgumentOutOfRangeException(nameof(Priority), value, "Priority must be a positive, finite number.");
            }

            _priority = value;
        }
    }

    /// <summary>
    /// Where the entity is, for interest management (<see cref="NetWorldOptions.Interest"/>); null (the default)
    /// makes it relevant to every client. Read on the server in <see cref="NetWorld.Publish"/>.
    /// </summary>
    public virtual Vector3? InterestPosition => null;

    /// <summary>Set by generated property setters; cleared when the server captures the state.</summary>
    internal bool Changed { get; set; } = true;

    /// <summary>The runtime's per-instance state (history of states, interpolation), set when spawned.</summary>
    internal EntityReplica? Replica { get; set; }

    /// <summary>For generated code: a replicated property was set.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected void MarkChanged() => Changed = true;

    /// <summary>For generated code: the state at the client's render time (see <see cref="NetWorld.RenderTime"/>), or the current state on the server.</summary>
    /// <typeparam name="TSelf">The entity type.</typeparam>
    /// <typeparam name="TState">Its state.</typeparam>
    /// <param name="entity">The entity.</param>
    /// <returns>The interpolated state.</returns>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected static TState GetInterpolated<TSelf, TState>(TSelf entity)
        where TSelf : NetEntity, INetEntity<TSelf, TState>
        where TState : struct
    {
        ArgumentNullException.ThrowIfNull(entity);
        if (entity.Replica is ClientReplica<TSelf, TState> replica && replica.TryInterpolate(out TState state))
        {
            return state;
        }

        TSelf.Capture(entity, out TState current);
        return current;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{GetType().Name} {Id}";
}
