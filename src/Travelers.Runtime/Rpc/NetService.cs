using System;

namespace Travelers;

/// <summary>
/// Base of an RPC service: remote calls that belong to no entity (a lobby, chat, a shop). Derive a partial
/// class with <see cref="RpcAttribute">[Rpc]</see> methods, add one instance on each side
/// (<see cref="NetServer.AddService{T}"/>, <see cref="NetClient.AddService{T}"/>), and call through its
/// generated proxies: <c>client.Service&lt;Lobby&gt;().Server.Join("ann")</c>. One instance per server and per
/// client; on the server, <see cref="RpcContext.Caller"/> says which client called.
/// </summary>
public abstract class NetService
{
    /// <summary>The server or client the service was added to; null before.</summary>
    internal NetEndpoint? Endpoint { get; set; }

    /// <summary>Whether the service was added to a server (rather than a client).</summary>
    public bool IsServer => Endpoint is { IsServer: true };

    /// <summary>The endpoint the service was added to.</summary>
    internal NetEndpoint RequireEndpoint() =>
        Endpoint ?? throw new InvalidOperationException($"{GetType().Name} was not added to a server or client: call AddService first.");
}
