namespace Travelers;

/// <summary>Where an <see cref="RpcAttribute">[Rpc]</see> method runs, and so who may call it.</summary>
public enum RpcTarget : byte
{
    /// <summary>Runs on the server; a client calls it (through <c>entity.Server</c> or <c>service.Server</c>). The server checks ownership, visibility and rate first.</summary>
    Server,

    /// <summary>Runs on the client that owns the entity; the server calls it (through <c>entity.Owner</c>).</summary>
    Owner,

    /// <summary>Runs on every client that currently sees the entity (every client, for a service); the server calls it (through <c>Observers</c>).</summary>
    Observers,
}
