namespace Travelers;

/// <summary>
/// Decides which entities each client sees. The server asks it in <see cref="NetWorld.Publish"/> for every
/// (client, entity) pair where the entity has an <see cref="NetEntity.InterestPosition"/> and the client does not
/// own it: owners always see their entities, and entities without a position are seen by everyone.
/// </summary>
public interface IInterestPolicy
{
    /// <summary>Called once at the start of each <see cref="NetWorld.Publish"/>, before any <see cref="IsRelevant"/>, for work shared by all clients.</summary>
    /// <param name="world">The server's world.</param>
    void BeginTick(NetWorld world);

    /// <summary>Whether <paramref name="connection"/> sees <paramref name="entity"/>, at <paramref name="position"/>.</summary>
    /// <param name="connection">The client; its <see cref="NetConnection.ViewPosition"/> is where it looks from.</param>
    /// <param name="entity">The entity.</param>
    /// <param name="position">The entity's <see cref="NetEntity.InterestPosition"/>, read once this tick.</param>
    /// <returns>True to replicate the entity to the client.</returns>
    bool IsRelevant(NetConnection connection, NetEntity entity, System.Numerics.Vector3 position);
}
