using System;
using System.Numerics;

namespace Travelers;

/// <summary>
/// The default interest: a client sees the entities within <see cref="ViewRadius"/> of its
/// <see cref="NetConnection.ViewPosition"/>. An entity that is seen stays seen until it is a cell
/// (<see cref="CellSize"/>) beyond the radius, so entities at the edge of the view do not flicker in and out.
/// </summary>
public sealed class GridInterest : IInterestPolicy
{

    /// <summary>Creates the policy.</summary>
    /// <param name="cellSize">The margin beyond the radius within which a seen entity stays seen; positive.</param>
    /// <param name="viewRadius">How far a client sees; positive.</param>
    public GridInterest(float cellSize = 64f, float viewRadius = 256f)
    {
        if (!(cellSize > 0f) || float.IsInfinity(cellSize))
        {
            throw new ArgumentOutOfRangeException(nameof(cellSize), cellSize, "The cell size must be a positive, finite number.");
        }

        if (!(viewRadius > 0f) || float.IsInfinity(viewRadius))
        {
            throw new ArgumentOutOfRangeException(nameof(viewRadius), viewRadius, "The view radius must be a positive, finite number.");
        }

        CellSize = cellSize;
        ViewRadius = viewRadius;
        EnterSquared = viewRadius * viewRadius;
        LeaveSquared = (viewRadius + cellSize) * (viewRadius + cellSize);
    }

    /// <summary>The margin of the view, in world units.</summary>
    public float CellSize { get; }

    /// <summary>How far a client sees, in world units.</summary>
    public float ViewRadius { get; }

    /// <summary>Within this squared distance an entity is seen.</summary>
    internal float EnterSquared { get; }

    /// <summary>Beyond this squared distance a seen entity is no longer seen.</summary>
    internal float LeaveSquared { get; }

    /// <inheritdoc/>
    public void BeginTick(NetWorld world)
    {
    }

    /// <inheritdoc/>
    public bool IsRelevant(NetConnection connection, NetEntity entity, Vector3 position)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(entity);
        float distance = Vector3.DistanceSquared(connection.ViewPosition, position);
        return distance <= EnterSquared || (distance <= LeaveSquared && connection.Sees(entity));
    }
}
