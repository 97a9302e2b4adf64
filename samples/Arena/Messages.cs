using System.Numerics;
using Travelers;

namespace Arena;

/// <summary>A player's input for one tick: where the stick points (length at most 1).</summary>
[NetMessage]
public partial struct PlayerInput
{
    public uint Tick;
    public Vector2 Move;
}

/// <summary>The numbers of the game, shared by server and bots.</summary>
public static class ArenaRules
{
    public const int TickRate = 30;
    public const int PublishRate = 20;
    public const int InputRate = 30;
    public const float Size = 200f;
    public const float Speed = 8f;

    /// <summary>How far a client sees (<see cref="GridInterest"/>'s view radius).</summary>
    public const float ViewRadius = 20f;

    /// <summary>How far beyond <see cref="ViewRadius"/> a player already seen stays seen, so that one at the edge does not flicker in and out.</summary>
    public const float ViewMargin = 4f;

    /// <summary>
    /// Snapshot bytes each client may be sent per second. A player that moves costs about 4 bytes a publish, one
    /// that comes into view its full state, about twice that. 16 KB/s is 800 bytes a publish: some 160 moving
    /// players, five times what a client sees among 1,000 bots (about 32), which leaves room for a crowd coming
    /// into view at once. What does not fit waits for the next publish, the longest waiting first.
    /// </summary>
    public const int BudgetBytesPerSecond = 16 * 1024;

    public const float MaxHealth = 100f;

    /// <summary>
    /// Health lost per second for each other player near (in the same <see cref="CrowdCell"/>-unit cell or one of
    /// the eight around it): a crowd hurts.
    /// </summary>
    public const float DrainPerSecond = 6f;

    /// <summary>Health regained per second with nobody near.</summary>
    public const float RegenPerSecond = 3f;

    /// <summary>The cell of the crowding rule, in units.</summary>
    public const float CrowdCell = 2f;

    /// <summary>How far a shot reaches, in units.</summary>
    public const float ShotRange = 6f;

    /// <summary>How close to the aim a target must be: the cosine of the widest angle (about 25 degrees).</summary>
    public const float ShotCone = 0.9f;

    /// <summary>Health a hit takes.</summary>
    public const float ShotDamage = 10f;

    /// <summary>The most shots a player may fire a second: the server refuses the rest (the RPC's MaxPerSecond).</summary>
    public const int ShotsPerSecond = 2;
}
