using System.Numerics;
using Travelers;

namespace Quickstart;

/// <summary>What a client sends every tick. Its fields form one contiguous run: one copy on the wire.</summary>
[NetMessage]
public partial struct PlayerInput
{
    public uint Tick;
    public Vector2 Move;
    public ushort Buttons;
}

/// <summary>A chat line: a record with a primary constructor, an explicit id and a per-member limit.</summary>
[NetMessage(Id = 7)]
public partial record ChatLine(string From, [MaxLength(256)] string Text);

/// <summary>A class with a list, a dictionary, a nullable nested message and a varint.</summary>
[NetMessage]
public partial class Inventory
{
    public List<int> Items { get; set; } = new();
    public Dictionary<string, int> Counts { get; set; } = new();
    public PlayerInput? LastInput { get; set; }
    [VarInt] public int Gold { get; set; }
}
