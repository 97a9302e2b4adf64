using System.Numerics;

// Messages the generator compiles for these tests: every member kind and declaration form that
// DESIGN.md lists, in the shapes a game programmer writes them.
namespace Travelers.Runtime.Tests;

public enum Color
{
    Red,
    Green,
    Blue,
}

public enum SmallEnum : byte
{
    Zero = 0,
    One = 1,
    Max = byte.MaxValue,
}

public enum SignedSmallEnum : sbyte
{
    Min = sbyte.MinValue,
    Zero = 0,
    Max = sbyte.MaxValue,
}

public enum BigEnum : long
{
    Min = long.MinValue,
    Zero = 0,
    Max = long.MaxValue,
}

public enum ShortEnum : short
{
    Min = short.MinValue,
    Max = short.MaxValue,
}

/// <summary>Every primitive, as fields of a class (assigned in place).</summary>
[NetMessage]
public partial class AllPrimitives
{
    public bool Flag;
    public byte U8;
    public sbyte I8;
    public short I16;
    public ushort U16;
    public char Ch;
    public int I32;
    public uint U32;
    public long I64;
    public ulong U64;
    public Int128 I128;
    public UInt128 U128;
    public Half F16;
    public float F32;
    public double F64;
    public decimal Dec;
}

/// <summary>Every primitive again, as fields of a struct: runs of fixed-width fields are block-copied.</summary>
[NetMessage]
public partial struct PrimitiveStruct
{
    public int A;
    public long B;
    public bool Flag;
    public ushort C;
    public char Ch;
    public float F32;
    public double F64;
    public Half F16;
    public byte U8;
    public sbyte I8;
    public uint U32;
    public ulong U64;
    public short I16;
    public decimal Dec;
    public Int128 I128;
    public UInt128 U128;
    public DateTime When;
    public Guid Id;
}

/// <summary>Enums of several underlying types, fixed-width and [VarInt].</summary>
[NetMessage]
public partial struct EnumMessage
{
    public Color Color;
    public SmallEnum Small;
    public SignedSmallEnum Signed;
    public BigEnum Big;
    public ShortEnum Short;
    [VarInt] public BigEnum VarBig;
    [VarInt] public Color VarColor;
    [VarInt] public ShortEnum VarShort;
}

/// <summary>[VarInt] on every integer type that supports it.</summary>
[NetMessage]
public partial struct VarInts
{
    [VarInt] public short I16;
    [VarInt] public ushort U16;
    [VarInt] public char Ch;
    [VarInt] public int I32;
    [VarInt] public uint U32;
    [VarInt] public long I64;
    [VarInt] public ulong U64;
}

/// <summary>An array of structs with [VarInt] members (small values take one byte each).</summary>
[NetMessage]
public partial class VarIntsHolder
{
    public VarInts[]? Items;
}

/// <summary>Numerics, time and identity types as settable properties.</summary>
[NetMessage]
public partial class Spatial
{
    public Vector2 V2 { get; set; }

    public Vector3 V3 { get; set; }

    public Vector4 V4 { get; set; }

    public Quaternion Rotation { get; set; }

    public Guid Id { get; set; }

    public DateTime When { get; set; }

    public TimeSpan Duration { get; set; }
}

/// <summary>Fixed-width fields only, no padding: arrays of it are copied as one block.</summary>
[NetMessage]
public partial struct Packed
{
    public int A;
    public float B;
    public short C;
    public ushort D;
}

/// <summary>Fixed-width fields with trailing padding in memory (12 wire bytes, 16 in memory).</summary>
[NetMessage]
public partial struct Padded
{
    public long A;
    public int B;
}

/// <summary>A nested class message.</summary>
[NetMessage]
public partial class Child
{
    public string? Name { get; set; }

    public int Value { get; set; }
}

/// <summary>Collections of every supported shape, nullable values and nested messages.</summary>
[NetMessage]
public partial class Collections
{
    public int[]? Ints;
    public string?[]? Strings;
    public List<float>? Floats;
    public List<string>? Names;
    public Dictionary<string, int>? Counts;
    public Dictionary<int, Child?>? Children;
    public HashSet<int>? Set;
    public HashSet<string>? Tags;
    public byte[]? Bytes;
    public ReadOnlyMemory<byte> Memory;
    public int[][]? Jagged;
    public string[][]? JaggedStrings;
    public byte[][]? JaggedBytes;
    public Packed[]? PackedItems;
    public Padded[]? PaddedItems;
    public List<Packed>? PackedList;
    public List<Vector3>? Points;
    public Child? Child;
    public Child[]? ChildArray;
    public int? MaybeInt;
    public Vector3? MaybeVector;
    public Packed? MaybePacked;
    public Color? MaybeColor;
    public List<int?>? MaybeInts;
    public Dictionary<Guid, List<int>>? Nested;
}

/// <summary>Strings, with and without per-member limits.</summary>
[NetMessage]
public partial class Strings
{
    public string? Free;

    [MaxLength(4)]
    public string? Short;

    [MaxLength(3)]
    public List<int>? ThreeItems;

    [MaxLength(2)]
    public byte[]? TwoBytes;
}

/// <summary>A record with a primary constructor, the per-member limit on the property (as the sample does).</summary>
[NetMessage]
public partial record ChatLine(string From, [property: MaxLength(16)] string Text, string? Note);

/// <summary>DESIGN's own spelling: [MaxLength] (and [VarInt]) written on the primary-constructor parameter.</summary>
[NetMessage]
public partial record ParameterLimited(string From, [MaxLength(4)] string Text, [VarInt] int Score);

/// <summary>A record struct with a primary constructor.</summary>
[NetMessage]
public partial record struct GridPoint(int X, int Y, string? Label);

/// <summary>A readonly struct built through its constructor.</summary>
[NetMessage]
public readonly partial struct Money
{
    public Money(long units, string currency)
    {
        Units = units;
        Currency = currency;
    }

    public long Units { get; }

    public string Currency { get; }
}

/// <summary>Init-only properties and required members, set through an object initializer.</summary>
[NetMessage]
public partial class Settings
{
    public required string Name { get; init; }

    public int Volume { get; init; }

    public required int Level;

    public float Gamma { get; set; }
}

/// <summary>[NetIgnore] members stay off the wire.</summary>
[NetMessage]
public partial class WithIgnored
{
    public int Sent;

    [NetIgnore]
    public int Ignored;

    [NetIgnore]
    public string? IgnoredText { get; set; }

    public string? AlsoSent { get; set; }
}

/// <summary>A message type nested inside a partial class.</summary>
public partial class Outer
{
    [NetMessage]
    public partial struct Inner
    {
        public int A;
        public string? B;
    }
}

/// <summary>A type the generator cannot see into, serialized by a hand-written serializer named on the type.</summary>
[NetSerializer(typeof(RgbSerializer))]
public readonly record struct Rgb(byte R, byte G, byte B);

/// <summary>Writes an <see cref="Rgb"/> as three bytes.</summary>
public sealed class RgbSerializer : INetSerializer<Rgb>
{
    public static void Write(ref NetWriter writer, in Rgb value)
    {
        writer.WriteByte(value.R);
        writer.WriteByte(value.G);
        writer.WriteByte(value.B);
    }

    public static Rgb Read(ref NetReader reader) => new(reader.ReadByte(), reader.ReadByte(), reader.ReadByte());
}

/// <summary>Writes a <see cref="DateTimeOffset"/> as Unix milliseconds (a zigzag varint) and an offset in minutes.</summary>
public sealed class UnixMillisecondsSerializer : INetSerializer<DateTimeOffset>
{
    public static void Write(ref NetWriter writer, in DateTimeOffset value)
    {
        writer.WriteVarInt64(value.ToUnixTimeMilliseconds());
        writer.WriteInt16((short)value.Offset.TotalMinutes);
    }

    public static DateTimeOffset Read(ref NetReader reader)
    {
        long milliseconds = reader.ReadVarInt64();
        short minutes = reader.ReadInt16();
        return DateTimeOffset.FromUnixTimeMilliseconds(milliseconds).ToOffset(TimeSpan.FromMinutes(minutes));
    }
}

/// <summary>Custom serializers named on a type (Rgb) and on a member (When).</summary>
[NetMessage]
public partial class Painted
{
    public Rgb Color;

    public List<Rgb>? Palette;

    [NetSerializer(typeof(UnixMillisecondsSerializer))]
    public DateTimeOffset When;
}

/// <summary>A recursive message: nesting depth is bounded by NetLimits.MaxDepth.</summary>
[NetMessage]
public partial class Node
{
    public Node? Next;

    public int Value;
}

/// <summary>Position, rotation and scale: a nested struct of vectors.</summary>
[NetMessage]
public partial struct Transform
{
    public Vector3 Position;
    public Quaternion Rotation;
    public Vector3 Scale;
}

/// <summary>Primitives, vectors and nested structs only: must round trip with zero allocation.</summary>
[NetMessage]
public partial struct Snapshot
{
    public uint Tick;
    public Transform Body;
    public Vector2 Aim;
    public Vector4 Tint;
    public bool Grounded;
    public double Time;
    public Half Stamina;
    public Color Team;
    [VarInt] public int Score;
    public int? Target;
    public Packed Extra;
    public TimeSpan Age;
    public Guid Session;
    public decimal Gold;
    public DateTime Stamp;
}

/// <summary>A class with collections, a dictionary and a nested class, for hostile input.</summary>
[NetMessage]
public partial class Bag
{
    public List<int>? Items { get; set; }

    public Dictionary<string, int>? Counts { get; set; }

    public HashSet<long>? Ids { get; set; }

    public string[]? Tags { get; set; }

    public byte[]? Data { get; set; }

    public Bag? Inner { get; set; }

    public Child? Child { get; set; }

    public Snapshot? Last { get; set; }
}

/// <summary>Used by the error-message tests: members read one at a time (properties).</summary>
[NetMessage]
public partial class ErrorProbe
{
    public int First { get; set; }

    public string? Name { get; set; }

    public long Last { get; set; }

    public Child? Child { get; set; }
}

/// <summary>Registered under an explicit id.</summary>
[NetMessage(Id = 0x7E57_0001UL)]
public partial struct ExplicitId
{
    public int Value;
}

/// <summary>A setter and a getter that validate: user code that can fail on either side of the wire.</summary>
[NetMessage]
public partial class Validated
{
    private int _level;

    public string? Name { get; set; }

    public int Level
    {
        get => _level is >= 0 and <= 100 ? _level : throw new InvalidOperationException("Level was corrupted");
        set => _level = value is >= 0 and <= 100 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "Level is 0 to 100");
    }

    /// <summary>Sets the field behind the validating setter, as a bug in game code would.</summary>
    public void Corrupt(int level) => _level = level;
}

/// <summary>A getter that fails a given number of times: user code that does not fail the same way twice.</summary>
[NetMessage]
public partial class Flaky
{
    [ThreadStatic]
    private static int t_failuresLeft;

    private int _value;

    public static int FailuresLeft { get => t_failuresLeft; set => t_failuresLeft = value; }

    public int Value
    {
        get => t_failuresLeft-- > 0 ? throw new InvalidOperationException("flaky") : _value;
        set => _value = value;
    }
}
