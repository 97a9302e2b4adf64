using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;

// The floor: plain types and a hand-written BinaryPrimitives writer/reader that produce exactly the
// Travelers wire bytes (little-endian fixed-width members, LEB128 counts and string lengths stored
// as value + 1 with 0 for null, UTF-8 strings). No generator, no limits object, no per-member error
// context: what a careful programmer would write by hand for one message. The reader still checks
// bounds (span indexing), refuses invalid UTF-8 and trailing bytes, and refuses duplicate keys.
namespace Travelers.Benchmarks.Floor;

public struct PlayerInput
{
    public uint Tick;
    public float X, Y, Z, Yaw, Pitch;
    public ushort Buttons;
}

public struct EntityState
{
    public uint Id;
    public Vector3 Pos;
    public Quaternion Rot;
    public byte Flags;
}

public struct Snapshot
{
    public uint Tick;
    public EntityState[] Entities;
}

public class ChatLine
{
    public string From { get; set; } = string.Empty;
    public string Text { get; set; } = string.Empty;
}

public class Inventory
{
    public List<int> Items { get; set; } = new();
    public Dictionary<string, int> Counts { get; set; } = new();
}

/// <summary>Hand-written serializers: member by member with <see cref="BinaryPrimitives"/>.</summary>
public static class FloorCodec
{
    public const int PlayerInputSize = 26;
    public const int EntitySize = 33;

    /// <summary>Throws on invalid UTF-8 while decoding (one pass, no separate validation).</summary>
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    // ---------------------------------------------------------------- PlayerInput

    public static void Write(IBufferWriter<byte> output, in PlayerInput value)
    {
        Span<byte> s = output.GetSpan(PlayerInputSize);
        BinaryPrimitives.WriteUInt32LittleEndian(s, value.Tick);
        BinaryPrimitives.WriteSingleLittleEndian(s[4..], value.X);
        BinaryPrimitives.WriteSingleLittleEndian(s[8..], value.Y);
        BinaryPrimitives.WriteSingleLittleEndian(s[12..], value.Z);
        BinaryPrimitives.WriteSingleLittleEndian(s[16..], value.Yaw);
        BinaryPrimitives.WriteSingleLittleEndian(s[20..], value.Pitch);
        BinaryPrimitives.WriteUInt16LittleEndian(s[24..], value.Buttons);
        output.Advance(PlayerInputSize);
    }

    public static PlayerInput ReadPlayerInput(ReadOnlySpan<byte> s)
    {
        if (s.Length != PlayerInputSize)
        {
            throw new InvalidDataException("PlayerInput is 26 bytes");
        }

        return new PlayerInput
        {
            Tick = BinaryPrimitives.ReadUInt32LittleEndian(s),
            X = BinaryPrimitives.ReadSingleLittleEndian(s[4..]),
            Y = BinaryPrimitives.ReadSingleLittleEndian(s[8..]),
            Z = BinaryPrimitives.ReadSingleLittleEndian(s[12..]),
            Yaw = BinaryPrimitives.ReadSingleLittleEndian(s[16..]),
            Pitch = BinaryPrimitives.ReadSingleLittleEndian(s[20..]),
            Buttons = BinaryPrimitives.ReadUInt16LittleEndian(s[24..]),
        };
    }

    // ---------------------------------------------------------------- Snapshot, member by member

    public static void Write(IBufferWriter<byte> output, in Snapshot value)
    {
        EntityState[]? entities = value.Entities;
        int n = entities?.Length ?? 0;
        Span<byte> s = output.GetSpan(4 + 5 + (n * EntitySize));
        BinaryPrimitives.WriteUInt32LittleEndian(s, value.Tick);
        int o = 4;
        if (entities is null)
        {
            s[o++] = 0;
            output.Advance(o);
            return;
        }

        o += WriteVar(s[o..], (uint)n + 1);
        foreach (ref readonly EntityState e in entities.AsSpan())
        {
            Span<byte> d = s.Slice(o, EntitySize);
            BinaryPrimitives.WriteUInt32LittleEndian(d, e.Id);
            BinaryPrimitives.WriteSingleLittleEndian(d[4..], e.Pos.X);
            BinaryPrimitives.WriteSingleLittleEndian(d[8..], e.Pos.Y);
            BinaryPrimitives.WriteSingleLittleEndian(d[12..], e.Pos.Z);
            BinaryPrimitives.WriteSingleLittleEndian(d[16..], e.Rot.X);
            BinaryPrimitives.WriteSingleLittleEndian(d[20..], e.Rot.Y);
            BinaryPrimitives.WriteSingleLittleEndian(d[24..], e.Rot.Z);
            BinaryPrimitives.WriteSingleLittleEndian(d[28..], e.Rot.W);
            d[32] = e.Flags;
            o += EntitySize;
        }

        output.Advance(o);
    }

    public static Snapshot ReadSnapshot(ReadOnlySpan<byte> s)
    {
        uint tick = BinaryPrimitives.ReadUInt32LittleEndian(s);
        int o = 4;
        EntityState[]? entities = null;
        uint header = ReadVar(s, ref o);
        if (header != 0)
        {
            int n = checked((int)(header - 1));
            if ((long)n * EntitySize > s.Length - o)
            {
                throw new InvalidDataException("entity count larger than the input");
            }

            entities = new EntityState[n];
            for (int i = 0; i < entities.Length; i++)
            {
                ReadOnlySpan<byte> d = s.Slice(o, EntitySize);
                ref EntityState e = ref entities[i];
                e.Id = BinaryPrimitives.ReadUInt32LittleEndian(d);
                e.Pos = new Vector3(
                    BinaryPrimitives.ReadSingleLittleEndian(d[4..]),
                    BinaryPrimitives.ReadSingleLittleEndian(d[8..]),
                    BinaryPrimitives.ReadSingleLittleEndian(d[12..]));
                e.Rot = new Quaternion(
                    BinaryPrimitives.ReadSingleLittleEndian(d[16..]),
                    BinaryPrimitives.ReadSingleLittleEndian(d[20..]),
                    BinaryPrimitives.ReadSingleLittleEndian(d[24..]),
                    BinaryPrimitives.ReadSingleLittleEndian(d[28..]));
                e.Flags = d[32];
                o += EntitySize;
            }
        }

        EnsureEnd(s, o);
        return new Snapshot { Tick = tick, Entities = entities! };
    }

    // ---------------------------------------------------------------- Snapshot, one copy per entity
    // uint + Vector3 + Quaternion + byte lie at offsets 0..32 with no padding between them, so on a
    // little-endian machine an entity's first 33 memory bytes are its wire bytes (the 3 bytes of
    // trailing padding are skipped). Same bytes as above; the big-endian fallback is the member-by-member code.

    public static void WriteRuns(IBufferWriter<byte> output, in Snapshot value)
    {
        if (!BitConverter.IsLittleEndian)
        {
            Write(output, in value);
            return;
        }

        EntityState[]? entities = value.Entities;
        int n = entities?.Length ?? 0;
        Span<byte> s = output.GetSpan(4 + 5 + (n * EntitySize));
        BinaryPrimitives.WriteUInt32LittleEndian(s, value.Tick);
        int o = 4;
        if (entities is null)
        {
            s[o++] = 0;
            output.Advance(o);
            return;
        }

        o += WriteVar(s[o..], (uint)n + 1);
        foreach (ref readonly EntityState e in entities.AsSpan())
        {
            MemoryMarshal.AsBytes(new ReadOnlySpan<EntityState>(in e))[..EntitySize].CopyTo(s.Slice(o, EntitySize));
            o += EntitySize;
        }

        output.Advance(o);
    }

    public static Snapshot ReadSnapshotRuns(ReadOnlySpan<byte> s)
    {
        if (!BitConverter.IsLittleEndian)
        {
            return ReadSnapshot(s);
        }

        uint tick = BinaryPrimitives.ReadUInt32LittleEndian(s);
        int o = 4;
        EntityState[]? entities = null;
        uint header = ReadVar(s, ref o);
        if (header != 0)
        {
            int n = checked((int)(header - 1));
            if ((long)n * EntitySize > s.Length - o)
            {
                throw new InvalidDataException("entity count larger than the input");
            }

            entities = new EntityState[n];
            for (int i = 0; i < entities.Length; i++)
            {
                s.Slice(o, EntitySize).CopyTo(MemoryMarshal.AsBytes(new Span<EntityState>(ref entities[i])));
                o += EntitySize;
            }
        }

        EnsureEnd(s, o);
        return new Snapshot { Tick = tick, Entities = entities! };
    }

    // ---------------------------------------------------------------- ChatLine

    public static void Write(IBufferWriter<byte> output, ChatLine value)
    {
        Span<byte> s = output.GetSpan(MaxStringSize(value.From) + MaxStringSize(value.Text));
        int o = WriteString(s, value.From);
        o += WriteString(s[o..], value.Text);
        output.Advance(o);
    }

    public static ChatLine ReadChatLine(ReadOnlySpan<byte> s)
    {
        int o = 0;
        string? from = ReadString(s, ref o);
        string? text = ReadString(s, ref o);
        EnsureEnd(s, o);
        return new ChatLine { From = from!, Text = text! };
    }

    // ---------------------------------------------------------------- Inventory

    public static void Write(IBufferWriter<byte> output, Inventory value)
    {
        List<int>? items = value.Items;
        Dictionary<string, int>? counts = value.Counts;
        int max = 10 + ((items?.Count ?? 0) * 4);
        if (counts is not null)
        {
            foreach (string key in counts.Keys)
            {
                max += MaxStringSize(key) + 4;
            }
        }

        Span<byte> s = output.GetSpan(max);
        int o;
        if (items is null)
        {
            s[0] = 0;
            o = 1;
        }
        else
        {
            o = WriteVar(s, (uint)items.Count + 1);
            foreach (int item in CollectionsMarshal.AsSpan(items))
            {
                BinaryPrimitives.WriteInt32LittleEndian(s[o..], item);
                o += 4;
            }
        }

        if (counts is null)
        {
            s[o++] = 0;
        }
        else
        {
            o += WriteVar(s[o..], (uint)counts.Count + 1);
            foreach (KeyValuePair<string, int> entry in counts)
            {
                o += WriteString(s[o..], entry.Key);
                BinaryPrimitives.WriteInt32LittleEndian(s[o..], entry.Value);
                o += 4;
            }
        }

        output.Advance(o);
    }

    public static Inventory ReadInventory(ReadOnlySpan<byte> s)
    {
        int o = 0;
        List<int>? items = null;
        uint header = ReadVar(s, ref o);
        if (header != 0)
        {
            int n = checked((int)(header - 1));
            if ((long)n * 4 > s.Length - o)
            {
                throw new InvalidDataException("item count larger than the input");
            }

            items = new List<int>(n);
            for (int i = 0; i < n; i++)
            {
                items.Add(BinaryPrimitives.ReadInt32LittleEndian(s[o..]));
                o += 4;
            }
        }

        Dictionary<string, int>? counts = null;
        header = ReadVar(s, ref o);
        if (header != 0)
        {
            int n = checked((int)(header - 1));
            if ((long)n * 5 > s.Length - o)
            {
                throw new InvalidDataException("entry count larger than the input");
            }

            counts = new Dictionary<string, int>(n);
            for (int i = 0; i < n; i++)
            {
                string key = ReadString(s, ref o) ?? throw new InvalidDataException("null key");
                int value = BinaryPrimitives.ReadInt32LittleEndian(s[o..]);
                o += 4;
                if (!counts.TryAdd(key, value))
                {
                    throw new InvalidDataException("duplicate key");
                }
            }
        }

        EnsureEnd(s, o);
        return new Inventory { Items = items!, Counts = counts! };
    }

    // ---------------------------------------------------------------- helpers

    private static int MaxStringSize(string? value) => value is null ? 1 : 5 + (value.Length * 3);

    /// <summary>Varint of UTF-8 length + 1, then the bytes; 0 for null.</summary>
    private static int WriteString(Span<byte> s, string? value)
    {
        if (value is null)
        {
            s[0] = 0;
            return 1;
        }

        if (value.Length * 3 < 0x7F)
        {
            // The length + 1 fits one varint byte whatever the characters: encode straight after it.
            int written = Encoding.UTF8.GetBytes(value, s[1..]);
            s[0] = (byte)(written + 1);
            return written + 1;
        }

        int count = Encoding.UTF8.GetByteCount(value);
        int prefix = WriteVar(s, (uint)count + 1);
        return prefix + Encoding.UTF8.GetBytes(value, s[prefix..]);
    }

    private static string? ReadString(ReadOnlySpan<byte> s, ref int o)
    {
        uint header = ReadVar(s, ref o);
        if (header == 0)
        {
            return null;
        }

        int length = checked((int)(header - 1));
        string value = StrictUtf8.GetString(s.Slice(o, length));
        o += length;
        return value;
    }

    private static int WriteVar(Span<byte> s, uint value)
    {
        int i = 0;
        while (value >= 0x80)
        {
            s[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        s[i++] = (byte)value;
        return i;
    }

    private static uint ReadVar(ReadOnlySpan<byte> s, ref int o)
    {
        byte b = s[o++];
        if (b < 0x80)
        {
            return b;
        }

        uint result = (uint)(b & 0x7F);
        for (int shift = 7; shift < 35; shift += 7)
        {
            b = s[o++];
            result |= (uint)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return result;
            }
        }

        throw new InvalidDataException("varint longer than 5 bytes");
    }

    private static void EnsureEnd(ReadOnlySpan<byte> s, int o)
    {
        if (o != s.Length)
        {
            throw new InvalidDataException($"{s.Length - o} bytes left after the message");
        }
    }
}
