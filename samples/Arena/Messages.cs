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

/// <summary>One player as others see it.</summary>
[NetMessage]
public partial struct PlayerState
{
    public long Id;
    public Vector2 Position;
}

/// <summary>What one client sees at a server tick: itself and the players around it.</summary>
[NetMessage]
public partial class WorldView
{
    public uint Tick { get; set; }

    public Vector2 You { get; set; }

    [MaxLength(ArenaRules.MaxVisible)]
    public List<PlayerState> Nearby { get; set; } = [];
}

/// <summary>The numbers of the game, shared by server and bots.</summary>
public static class ArenaRules
{
    public const int TickRate = 30;
    public const int ViewRate = 20;
    public const int InputRate = 30;
    public const float Size = 200f;
    public const float Speed = 8f;
    public const float ViewRadius = 20f;
    public const int MaxVisible = 64;
}
