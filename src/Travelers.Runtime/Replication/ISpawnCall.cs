namespace Travelers.Replication;

/// <summary>
/// Something to send to each client that an entity is first spawned on (an Observers RPC made in the tick the entity
/// was spawned, before any client could see it). Replication calls it; the RPC layer implements it.
/// </summary>
internal interface ISpawnCall
{
    /// <summary>Sends it to <paramref name="connection"/>, which the entity is being spawned on.</summary>
    void SendTo(NetConnection connection);
}
