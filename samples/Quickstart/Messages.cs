using System.Numerics;
using Travelers;

namespace Quickstart;

/// <summary>What a client sends every tick: its members form one contiguous run, copied in one go.</summary>
[NetMessage]
public partial struct PlayerInput
{
    public uint Tick;
    public Vector2 Move;
    public ushort Buttons;
}

/// <summary>A chat line: a record with a primary constructor and a per-member limit.</summary>
[NetMessage(Id = 7)]
public partial record ChatLine(string From, [property: MaxLength(256)] string Text);

/// <summary>A class with collections, a nested message and a nullable value.</summary>
[NetMessage]
public partial class Inventory
{
    public List<int> Items { get; set; } = new();
    public Dictionary<string, int> Counts { get; set; } = new();
    public PlayerInput? LastInput { get; set; }
    [VarInt] public int Gold { get; set; }
}
