using System.Threading;

namespace Travelers;

/// <summary>
/// What an <see cref="RpcAttribute">[Rpc]</see> method may take as its last parameter (before an optional
/// <see cref="System.Threading.CancellationToken"/>): who called, and on what.
/// </summary>
public readonly struct RpcContext
{
    private readonly CancellationToken _cancellationToken;
    private readonly Rpc.RpcPeer? _peer;
    private readonly uint _call;

    /// <summary>Creates a context (the runtime does; tests of RPC bodies may too).</summary>
    /// <param name="caller">The connection the call came from.</param>
    /// <param name="entity">The entity the call is for, or null for a service.</param>
    /// <param name="cancellationToken">Cancelled when the caller's connection closes.</param>
    public RpcContext(NetConnection caller, NetEntity? entity, CancellationToken cancellationToken = default)
    {
        Caller = caller;
        Entity = entity;
        _cancellationToken = cancellationToken;
    }

    internal RpcContext(NetConnection caller, NetEntity? entity, Rpc.RpcPeer peer, uint call)
    {
        Caller = caller;
        Entity = entity;
        _peer = peer;
        _call = call;
    }

    /// <summary>
    /// The connection the call came from: on the server, the calling client (already checked for ownership and
    /// visibility); on a client, its connection to the server.
    /// </summary>
    public NetConnection Caller { get; }

    /// <summary>The entity the call is for, or null for a service.</summary>
    public NetEntity? Entity { get; }

    /// <summary>Cancelled when the caller's connection closes (the answer could not be delivered).</summary>
    /// <remarks>Made when first read: calls that never read it cost nothing for it.</remarks>
    public CancellationToken CancellationToken => _peer?.Closing ?? _cancellationToken;

    /// <summary>The correlation id the answer goes back with; 0 for fire and forget.</summary>
    internal uint Call => _call;

    /// <summary>RPC's state for the caller's connection; null in a context a test made.</summary>
    internal Rpc.RpcPeer? Peer => _peer;
}
