using System.Collections.Generic;
using System.Numerics;
using MemoryPack;

// The same four messages for MemoryPack 1.21.4, the baseline of every benchmark category.
namespace Travelers.Benchmarks.Mp;

[MemoryPackable]
public partial struct PlayerInput
{
    public uint Tick;
    public float X, Y, Z, Yaw, Pitch;
    public ushort Buttons;
}

[MemoryPackable]
public partial struct EntityState
{
    public uint Id;
    public Vector3 Pos;
    public Quaternion Rot;
    public byte Flags;
}

[MemoryPackable]
public partial struct Snapshot
{
    public uint Tick;
    public EntityState[] Entities;
}

[MemoryPackable]
public partial class ChatLine
{
    public string From { get; set; } = string.Empty;
    public string Text { get; set; } = string.Empty;
}

[MemoryPackable]
public partial class Inventory
{
    public List<int> Items { get; set; } = new();
    public Dictionary<string, int> Counts { get; set; } = new();
}
