using System.Collections.Generic;
using System.Numerics;

// The four messages as Travelers users declare them: [NetMessage] partial types, serializers from the
// source generator (src/Travelers.Generators). Compare the MemoryPack twins in MemoryPackMessages.cs
// and the hand-written floor in FloorMessages.cs: same members, same order, same values.
namespace Travelers.Benchmarks.Tr;

/// <summary>What a client sends every tick.</summary>
[NetMessage]
public partial struct PlayerInput
{
    public uint Tick;
    public float X, Y, Z, Yaw, Pitch;
    public ushort Buttons;
}

/// <summary>One entity of a snapshot: 33 bytes on the wire, 36 in memory (3 of padding).</summary>
[NetMessage]
public partial struct EntityState
{
    public uint Id;
    public Vector3 Pos;
    public Quaternion Rot;
    public byte Flags;
}

/// <summary>A world snapshot of 64 entities.</summary>
[NetMessage]
public partial struct Snapshot
{
    public uint Tick;
    public EntityState[] Entities;
}

/// <summary>A chat line.</summary>
[NetMessage]
public partial class ChatLine
{
    public string From { get; set; } = string.Empty;
    public string Text { get; set; } = string.Empty;
}

/// <summary>A class with two collections, declared the way samples/Quickstart declares it.</summary>
[NetMessage]
public partial class Inventory
{
    public List<int> Items { get; set; } = new();
    public Dictionary<string, int> Counts { get; set; } = new();
}
