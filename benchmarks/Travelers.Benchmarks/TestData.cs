using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;

namespace Travelers.Benchmarks;

/// <summary>
/// The values every contender serializes, built once as floor types and mirrored member by member
/// into the Travelers and MemoryPack types, so that all three carry the same data.
/// </summary>
public static class TestData
{
    public const int EntityCount = 64;
    public const string ChatFrom = "Wanderer42"; // 10 ASCII chars
    public const string ChatText = "Meet at the north gate at dawn, bring arrows and two potions"; // 60

    private static readonly string[] InventoryKeys = ["sword", "shield", "potion", "arrow", "gem", "key", "map", "ring"];

    public static Floor.PlayerInput PlayerInput() => new()
    {
        Tick = 1042,
        X = 1.5f,
        Y = -2.25f,
        Z = 100.125f,
        Yaw = 90.5f,
        Pitch = -12.75f,
        Buttons = 0b1010_0101,
    };

    public static Floor.Snapshot Snapshot()
    {
        var entities = new Floor.EntityState[EntityCount];
        for (int i = 0; i < entities.Length; i++)
        {
            entities[i] = new Floor.EntityState
            {
                Id = 1000 + (uint)(i * 7),
                Pos = new Vector3(i * 1.5f, -i * 0.75f, 32f + (i * 0.125f)),
                Rot = Quaternion.Normalize(new Quaternion(0.1f * i, 0.2f, -0.05f * i, 1f)),
                Flags = (byte)((i * 37) & 0xFF),
            };
        }

        return new Floor.Snapshot { Tick = 77_777, Entities = entities };
    }

    public static Floor.ChatLine ChatLine() => new() { From = ChatFrom, Text = ChatText };

    public static Floor.Inventory Inventory()
    {
        var inventory = new Floor.Inventory();
        for (int i = 0; i < 32; i++)
        {
            // A mix of small, large and negative ids.
            inventory.Items.Add(i % 3 == 0 ? -(i * 1_000_003) : (i * 4_099) + 17);
        }

        for (int i = 0; i < InventoryKeys.Length; i++)
        {
            inventory.Counts.Add(InventoryKeys[i], (i + 1) * 11);
        }

        return inventory;
    }
}

/// <summary>Member-by-member copies between the floor types and the other two declarations.</summary>
public static class Mirror
{
    // PlayerInput
    public static Tr.PlayerInput ToTr(in Floor.PlayerInput v) => new() { Tick = v.Tick, X = v.X, Y = v.Y, Z = v.Z, Yaw = v.Yaw, Pitch = v.Pitch, Buttons = v.Buttons };

    public static Mp.PlayerInput ToMp(in Floor.PlayerInput v) => new() { Tick = v.Tick, X = v.X, Y = v.Y, Z = v.Z, Yaw = v.Yaw, Pitch = v.Pitch, Buttons = v.Buttons };

    public static Floor.PlayerInput ToFloor(in Tr.PlayerInput v) => new() { Tick = v.Tick, X = v.X, Y = v.Y, Z = v.Z, Yaw = v.Yaw, Pitch = v.Pitch, Buttons = v.Buttons };

    public static Floor.PlayerInput ToFloor(in Mp.PlayerInput v) => new() { Tick = v.Tick, X = v.X, Y = v.Y, Z = v.Z, Yaw = v.Yaw, Pitch = v.Pitch, Buttons = v.Buttons };

    // Snapshot
    public static Tr.Snapshot ToTr(in Floor.Snapshot v) => new()
    {
        Tick = v.Tick,
        Entities = v.Entities?.Select(e => new Tr.EntityState { Id = e.Id, Pos = e.Pos, Rot = e.Rot, Flags = e.Flags }).ToArray()!,
    };

    public static Mp.Snapshot ToMp(in Floor.Snapshot v) => new()
    {
        Tick = v.Tick,
        Entities = v.Entities?.Select(e => new Mp.EntityState { Id = e.Id, Pos = e.Pos, Rot = e.Rot, Flags = e.Flags }).ToArray()!,
    };

    public static Floor.Snapshot ToFloor(in Tr.Snapshot v) => new()
    {
        Tick = v.Tick,
        Entities = v.Entities?.Select(e => new Floor.EntityState { Id = e.Id, Pos = e.Pos, Rot = e.Rot, Flags = e.Flags }).ToArray()!,
    };

    public static Floor.Snapshot ToFloor(in Mp.Snapshot v) => new()
    {
        Tick = v.Tick,
        Entities = v.Entities?.Select(e => new Floor.EntityState { Id = e.Id, Pos = e.Pos, Rot = e.Rot, Flags = e.Flags }).ToArray()!,
    };

    // ChatLine
    public static Tr.ChatLine ToTr(Floor.ChatLine v) => new() { From = v.From, Text = v.Text };

    public static Mp.ChatLine ToMp(Floor.ChatLine v) => new() { From = v.From, Text = v.Text };

    public static Floor.ChatLine ToFloor(Tr.ChatLine v) => new() { From = v.From, Text = v.Text };

    public static Floor.ChatLine ToFloor(Mp.ChatLine v) => new() { From = v.From, Text = v.Text };

    // Inventory
    public static Tr.Inventory ToTr(Floor.Inventory v) => new() { Items = [.. v.Items], Counts = new Dictionary<string, int>(v.Counts) };

    public static Mp.Inventory ToMp(Floor.Inventory v) => new() { Items = [.. v.Items], Counts = new Dictionary<string, int>(v.Counts) };

    public static Floor.Inventory ToFloor(Tr.Inventory v) => new() { Items = v.Items is null ? null! : [.. v.Items], Counts = v.Counts is null ? null! : new Dictionary<string, int>(v.Counts) };

    public static Floor.Inventory ToFloor(Mp.Inventory v) => new() { Items = v.Items is null ? null! : [.. v.Items], Counts = v.Counts is null ? null! : new Dictionary<string, int>(v.Counts) };
}

/// <summary>Exact equality of the floor types (floats compared bit for bit).</summary>
public static class Same
{
    private static bool Bits(float a, float b) => BitConverter.SingleToUInt32Bits(a) == BitConverter.SingleToUInt32Bits(b);

    private static bool Bits(Vector3 a, Vector3 b) => Bits(a.X, b.X) && Bits(a.Y, b.Y) && Bits(a.Z, b.Z);

    private static bool Bits(Quaternion a, Quaternion b) => Bits(a.X, b.X) && Bits(a.Y, b.Y) && Bits(a.Z, b.Z) && Bits(a.W, b.W);

    public static bool As(in Floor.PlayerInput a, in Floor.PlayerInput b) =>
        a.Tick == b.Tick && Bits(a.X, b.X) && Bits(a.Y, b.Y) && Bits(a.Z, b.Z) && Bits(a.Yaw, b.Yaw) && Bits(a.Pitch, b.Pitch) && a.Buttons == b.Buttons;

    public static bool As(in Floor.Snapshot a, in Floor.Snapshot b)
    {
        if (a.Tick != b.Tick || (a.Entities is null) != (b.Entities is null))
        {
            return false;
        }

        if (a.Entities is null)
        {
            return true;
        }

        if (a.Entities.Length != b.Entities!.Length)
        {
            return false;
        }

        for (int i = 0; i < a.Entities.Length; i++)
        {
            Floor.EntityState x = a.Entities[i], y = b.Entities![i];
            if (x.Id != y.Id || !Bits(x.Pos, y.Pos) || !Bits(x.Rot, y.Rot) || x.Flags != y.Flags)
            {
                return false;
            }
        }

        return true;
    }

    public static bool As(Floor.ChatLine a, Floor.ChatLine b) =>
        string.Equals(a.From, b.From, StringComparison.Ordinal) && string.Equals(a.Text, b.Text, StringComparison.Ordinal);

    public static bool As(Floor.Inventory a, Floor.Inventory b)
    {
        if (!a.Items.SequenceEqual(b.Items) || a.Counts.Count != b.Counts.Count)
        {
            return false;
        }

        foreach (KeyValuePair<string, int> entry in a.Counts)
        {
            if (!b.Counts.TryGetValue(entry.Key, out int value) || value != entry.Value)
            {
                return false;
            }
        }

        return true;
    }
}
