using System.Numerics;

namespace Travelers.Runtime.Tests;

/// <summary>Hand-picked values of the test messages, full of edge cases.</summary>
internal static class Samples
{
    public static readonly float NaNWithPayload = BitConverter.UInt32BitsToSingle(0x7FC00ABC);
    public static readonly float SignallingNaN = BitConverter.UInt32BitsToSingle(0x7F800001);
    public static readonly float NegativeNaN = BitConverter.UInt32BitsToSingle(0xFFC00000);
    public static readonly double DoubleNaNWithPayload = BitConverter.UInt64BitsToDouble(0x7FF8000000ABCDEF);

    public static AllPrimitives MaxPrimitives() => new()
    {
        Flag = true,
        U8 = byte.MaxValue,
        I8 = sbyte.MinValue,
        I16 = short.MinValue,
        U16 = ushort.MaxValue,
        Ch = '\uFFFF',
        I32 = int.MinValue,
        U32 = uint.MaxValue,
        I64 = long.MinValue,
        U64 = ulong.MaxValue,
        I128 = Int128.MinValue,
        U128 = UInt128.MaxValue,
        F16 = BitConverter.UInt16BitsToHalf(0x7E01),
        F32 = NaNWithPayload,
        F64 = -0.0,
        Dec = decimal.MinValue,
    };

    public static PrimitiveStruct PrimitiveStruct() => new()
    {
        A = int.MaxValue,
        B = long.MinValue,
        Flag = true,
        C = 0xBEEF,
        Ch = '\uD83D',
        F32 = SignallingNaN,
        F64 = double.NegativeInfinity,
        F16 = Half.NegativeZero,
        U8 = 0xAB,
        I8 = -1,
        U32 = 0xDEADBEEF,
        U64 = 0x0123456789ABCDEF,
        I16 = -12345,
        Dec = 1.000m,
        I128 = Int128.MaxValue,
        U128 = new UInt128(1, 2),
        When = new DateTime(2030, 1, 2, 3, 4, 5, DateTimeKind.Utc),
        Id = Guid.Parse("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"),
    };

    public static Spatial Spatial(DateTimeKind kind) => new()
    {
        V2 = new Vector2(-0f, float.Epsilon),
        V3 = new Vector3(NaNWithPayload, float.PositiveInfinity, float.MinValue),
        V4 = new Vector4(1, 2, NegativeNaN, -0f),
        Rotation = new Quaternion(0.1f, 0.2f, 0.3f, SignallingNaN),
        Id = Guid.NewGuid(),
        When = new DateTime(1999, 12, 31, 23, 59, 59, kind).AddTicks(9999),
        Duration = TimeSpan.FromTicks(-123456789),
    };

    public static Collections FullCollections() => new()
    {
        Ints = [int.MinValue, -1, 0, 1, int.MaxValue],
        Strings = ["a", null, string.Empty, "😀é€"],
        Floats = [NaNWithPayload, -0f, float.NegativeInfinity, 1.5f],
        Names = ["ann", string.Empty, new string('z', 300)],
        Counts = new Dictionary<string, int> { ["one"] = 1, [string.Empty] = 0, ["😀"] = -1 },
        Children = new Dictionary<int, Child?> { [1] = new Child { Name = "c1", Value = 1 }, [2] = null, [int.MinValue] = new Child() },
        Set = [3, 1, 2, int.MinValue],
        Tags = ["x", string.Empty, "y"],
        Bytes = [0, 1, 2, 255],
        Memory = new byte[] { 9, 8, 7 },
        Jagged = [[1, 2], [], [int.MaxValue]],
        JaggedStrings = [["a", "b"], [], [string.Empty]],
        JaggedBytes = [[1], [], [2, 3]],
        PackedItems = [new Packed { A = 1, B = -0f, C = -2, D = 3 }, new Packed { A = int.MinValue, B = NaNWithPayload, C = short.MaxValue, D = ushort.MaxValue }],
        PaddedItems = [new Padded { A = long.MaxValue, B = -1 }, new Padded { A = long.MinValue, B = int.MaxValue }, default],
        PackedList = [new Packed { A = 7, B = 7.5f, C = 7, D = 7 }],
        Points = [new Vector3(1, 2, 3), new Vector3(NegativeNaN, -0f, float.MaxValue)],
        Child = new Child { Name = "kid", Value = 42 },
        ChildArray = [new Child { Name = null, Value = -1 }, new Child { Name = string.Empty }],
        MaybeInt = int.MinValue,
        MaybeVector = new Vector3(-0f, 0, 1),
        MaybePacked = new Packed { A = 5, B = 6, C = 7, D = 8 },
        MaybeColor = Color.Blue,
        MaybeInts = [1, null, -1],
        Nested = new Dictionary<Guid, List<int>> { [Guid.Empty] = [], [Guid.AllBitsSet] = [1, 2, 3] },
    };

    public static Collections EmptyCollections() => new()
    {
        Ints = [],
        Strings = [],
        Floats = [],
        Names = [],
        Counts = [],
        Children = [],
        Set = [],
        Tags = [],
        Bytes = [],
        Memory = ReadOnlyMemory<byte>.Empty,
        Jagged = [],
        JaggedStrings = [],
        JaggedBytes = [],
        PackedItems = [],
        PaddedItems = [],
        PackedList = [],
        Points = [],
        Child = new Child(),
        ChildArray = [],
        MaybeInt = 0,
        MaybeVector = Vector3.Zero,
        MaybePacked = default(Packed),
        MaybeColor = Color.Red,
        MaybeInts = [],
        Nested = [],
    };

    public static Snapshot Snapshot(uint tick) => new()
    {
        Tick = tick,
        Body = new Transform { Position = new Vector3(tick, 2, 3), Rotation = Quaternion.Identity, Scale = Vector3.One },
        Aim = new Vector2(-0f, 1),
        Tint = new Vector4(0.5f),
        Grounded = tick % 2 == 0,
        Time = tick * 0.016,
        Stamina = (Half)0.75f,
        Team = Color.Green,
        Score = -(int)tick,
        Target = tick % 3 == 0 ? null : (int)tick,
        Extra = new Packed { A = 1, B = 2, C = 3, D = 4 },
        Age = TimeSpan.FromMilliseconds(tick),
        Session = new Guid((int)tick, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10),
        Gold = 12.50m,
        Stamp = new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddTicks(tick),
    };

    public static Bag Bag() => new()
    {
        Items = [1, 2, 3, int.MaxValue],
        Counts = new Dictionary<string, int> { ["gold"] = 10, ["é"] = -1 },
        Ids = [1L, long.MinValue],
        Tags = ["a", string.Empty, "😀"],
        Data = [1, 2, 3],
        Inner = new Bag { Items = [], Tags = null, Inner = new Bag() },
        Child = new Child { Name = "c", Value = 3 },
        Last = Snapshot(3),
    };
}
