using System.Numerics;
using CsCheck;

namespace Travelers.Runtime.Tests;

/// <summary>CsCheck generators for the test messages, weighted towards edge values.</summary>
internal static class Gens
{
    public static readonly Gen<bool> Bool = Gen.Bool;

    public static readonly Gen<byte> Byte = Gen.Frequency((1, Gen.OneOfConst<byte>(0, 1, 127, 128, 255)), (3, Gen.Byte));

    public static readonly Gen<sbyte> SByte = Gen.Frequency((1, Gen.OneOfConst<sbyte>(sbyte.MinValue, -1, 0, 1, sbyte.MaxValue)), (3, Gen.SByte));

    public static readonly Gen<short> Short = Gen.Frequency((1, Gen.OneOfConst<short>(short.MinValue, -1, 0, 1, short.MaxValue)), (3, Gen.Short));

    public static readonly Gen<ushort> UShort = Gen.Frequency((1, Gen.OneOfConst<ushort>(0, 1, 0x7FFF, 0x8000, ushort.MaxValue)), (3, Gen.UShort));

    public static readonly Gen<char> Char = UShort.Select(u => (char)u);

    public static readonly Gen<int> Int = Gen.Frequency((1, Gen.OneOfConst(int.MinValue, -1, 0, 1, int.MaxValue, 127, 128, 16383, 16384)), (3, Gen.Int));

    public static readonly Gen<uint> UInt = Gen.Frequency((1, Gen.OneOfConst(0u, 1u, 127u, 128u, uint.MaxValue)), (3, Gen.UInt));

    public static readonly Gen<long> Long = Gen.Frequency((1, Gen.OneOfConst(long.MinValue, -1L, 0L, 1L, long.MaxValue, (long)int.MinValue - 1)), (3, Gen.Long));

    public static readonly Gen<ulong> ULong = Gen.Frequency((1, Gen.OneOfConst(0UL, 1UL, 127UL, 128UL, ulong.MaxValue, 1UL << 63)), (3, Gen.ULong));

    public static readonly Gen<Int128> Int128 = Gen.Frequency(
        (1, Gen.OneOfConst(System.Int128.MinValue, System.Int128.MaxValue, System.Int128.Zero, System.Int128.NegativeOne)),
        (3, Gen.Select(Gen.ULong, Gen.ULong, (hi, lo) => new Int128(hi, lo))));

    public static readonly Gen<UInt128> UInt128 = Gen.Frequency(
        (1, Gen.OneOfConst(System.UInt128.MinValue, System.UInt128.MaxValue, System.UInt128.One)),
        (3, Gen.Select(Gen.ULong, Gen.ULong, (hi, lo) => new UInt128(hi, lo))));

    /// <summary>NaNs with several payloads and both signs, infinities, both zeros, subnormals, extremes, any bits.</summary>
    public static readonly Gen<float> Float = Gen.Frequency(
        (2, Gen.OneOfConst(0x7FC00000u, 0x7FC00001u, 0x7F800001u, 0x7FBFFFFFu, 0xFFC00000u, 0xFFFFFFFFu, 0x7F800000u, 0xFF800000u, 0x00000000u, 0x80000000u, 0x00000001u, 0x7F7FFFFFu, 0xFF7FFFFFu).Select(BitConverter.UInt32BitsToSingle)),
        (2, Gen.UInt.Select(BitConverter.UInt32BitsToSingle)),
        (1, Gen.Float));

    public static readonly Gen<double> Double = Gen.Frequency(
        (2, Gen.OneOfConst(0x7FF8000000000000UL, 0x7FF8000000000001UL, 0x7FF0000000000001UL, 0xFFF8000000000000UL, 0xFFFFFFFFFFFFFFFFUL, 0x7FF0000000000000UL, 0xFFF0000000000000UL, 0UL, 0x8000000000000000UL, 1UL, 0x7FEFFFFFFFFFFFFFUL).Select(BitConverter.UInt64BitsToDouble)),
        (2, Gen.ULong.Select(BitConverter.UInt64BitsToDouble)),
        (1, Gen.Double));

    public static readonly Gen<Half> Half = Gen.Frequency(
        (1, Gen.OneOfConst<ushort>(0x7E00, 0x7E01, 0x7C01, 0xFE00, 0x7C00, 0xFC00, 0x0000, 0x8000, 0x0001, 0x7BFF).Select(BitConverter.UInt16BitsToHalf)),
        (2, Gen.UShort.Select(BitConverter.UInt16BitsToHalf)));

    /// <summary>Any decimal: every scale 0..28, both signs of zero, the extremes.</summary>
    public static readonly Gen<decimal> Decimal = Gen.Frequency(
        (1, Gen.OneOfConst(decimal.MinValue, decimal.MaxValue, 0m, new decimal(0, 0, 0, true, 0), 1.00m, 0.0000000000000000000000000001m)),
        (3, Gen.Select(Gen.Int, Gen.Int, Gen.Int, Gen.Bool, Gen.Byte[0, 28], (lo, mid, hi, negative, scale) => new decimal(lo, mid, hi, negative, scale))));

    /// <summary>Any DateTime of any kind that .NET's own binary form brings back (Local times in a DST gap do not).</summary>
    public static readonly Gen<DateTime> DateTime = Gen.Frequency(
            (1, Gen.OneOfConst(System.DateTime.MinValue, System.DateTime.MaxValue, System.DateTime.SpecifyKind(System.DateTime.MaxValue, DateTimeKind.Utc), System.DateTime.SpecifyKind(System.DateTime.MinValue, DateTimeKind.Utc))),
            (3, Gen.Select(Gen.Long[0, System.DateTime.MaxValue.Ticks], Gen.Int[0, 2], (ticks, kind) => new DateTime(ticks, (DateTimeKind)kind))))
        .Where(d => System.DateTime.FromBinary(d.ToBinary()) is var back && back.Ticks == d.Ticks && back.Kind == d.Kind);

    public static readonly Gen<TimeSpan> TimeSpan = Long.Select(System.TimeSpan.FromTicks);

    public static readonly Gen<Guid> Guid = Gen.Frequency((1, Gen.OneOfConst(System.Guid.Empty, System.Guid.AllBitsSet)), (3, Gen.Guid));

    public static readonly Gen<Vector2> Vector2 = Gen.Select(Float, Float, (x, y) => new Vector2(x, y));

    public static readonly Gen<Vector3> Vector3 = Gen.Select(Float, Float, Float, (x, y, z) => new Vector3(x, y, z));

    public static readonly Gen<Vector4> Vector4 = Gen.Select(Float, Float, Float, Float, (x, y, z, w) => new Vector4(x, y, z, w));

    public static readonly Gen<Quaternion> Quaternion = Gen.Select(Float, Float, Float, Float, (x, y, z, w) => new Quaternion(x, y, z, w));

    /// <summary>One Unicode scalar as a string: ASCII, 2-, 3- and 4-byte UTF-8 (a surrogate pair in UTF-16).</summary>
    public static readonly Gen<string> Scalar = Gen.Frequency(
        (4, Gen.Char['a', 'z'].Select(c => c.ToString())),
        (1, Gen.Int[0x80, 0x7FF].Select(char.ConvertFromUtf32)),
        (1, Gen.Int[0x800, 0xFFFF].Where(cp => cp is < 0xD800 or > 0xDFFF).Select(char.ConvertFromUtf32)),
        (2, Gen.Int[0x10000, 0x10FFFF].Select(char.ConvertFromUtf32)),
        (1, Gen.OneOfConst("\0", "😀", "\uFFFF", "\u0080", "\uFFFD", "\U0010FFFF")));

    /// <summary>Well-formed text of at most <paramref name="maxChars"/> UTF-16 chars, often exactly that many.</summary>
    public static Gen<string> Text(int maxChars) => Gen.Frequency(
        (3, Scalar.Array[0, maxChars].Select(parts => Fill(parts, maxChars, exact: false))),
        (1, Scalar.Array[maxChars].Select(parts => Fill(parts, maxChars, exact: true))));

    /// <summary>Null, empty or text.</summary>
    public static Gen<string?> NullableText(int maxChars) => Gen.Frequency(
        (1, Gen.Const<string?>((string?)null)),
        (1, Gen.Const<string?>(string.Empty)),
        (4, Text(maxChars).Select(s => (string?)s)));

    public static Gen<T?> OrNull<T>(this Gen<T> gen)
        where T : class => Gen.Frequency((1, Gen.Const<T?>((T?)null)), (4, gen.Select(v => (T?)v)));

    public static Gen<T?> OrNullValue<T>(this Gen<T> gen)
        where T : struct => Gen.Frequency((1, Gen.Const<T?>((T?)null)), (3, gen.Select(v => (T?)v)));

    public static Gen<T[]?> ArrayOrNull<T>(this Gen<T> gen, int max = 6) => gen.Array[0, max].OrNull();

    public static Gen<List<T>?> ListOrNull<T>(this Gen<T> gen, int max = 6) => gen.List[0, max].OrNull();

    private static string Fill(string[] parts, int maxChars, bool exact)
    {
        var builder = new System.Text.StringBuilder(maxChars);
        foreach (string part in parts)
        {
            if (builder.Length + part.Length <= maxChars)
            {
                builder.Append(part);
            }
        }

        while (exact && builder.Length < maxChars)
        {
            builder.Append('x');
        }

        return builder.ToString();
    }

    public static readonly Gen<AllPrimitives> AllPrimitives =
        Gen.Select(
            Gen.Select(Bool, Byte, SByte, Short, UShort, Char, Int, UInt),
            Gen.Select(Long, ULong, Int128, UInt128, Half, Float, Double, Decimal),
            (a, b) => new AllPrimitives
            {
                Flag = a.Item1, U8 = a.Item2, I8 = a.Item3, I16 = a.Item4, U16 = a.Item5, Ch = a.Item6, I32 = a.Item7, U32 = a.Item8,
                I64 = b.Item1, U64 = b.Item2, I128 = b.Item3, U128 = b.Item4, F16 = b.Item5, F32 = b.Item6, F64 = b.Item7, Dec = b.Item8,
            });

    public static readonly Gen<PrimitiveStruct> PrimitiveStruct =
        Gen.Select(
            Gen.Select(Int, Long, Bool, UShort, Char, Float, Double, Half),
            Gen.Select(Byte, SByte, UInt, ULong, Short, Decimal, Int128, UInt128),
            Gen.Select(DateTime, Guid),
            (a, b, c) => new PrimitiveStruct
            {
                A = a.Item1, B = a.Item2, Flag = a.Item3, C = a.Item4, Ch = a.Item5, F32 = a.Item6, F64 = a.Item7, F16 = a.Item8,
                U8 = b.Item1, I8 = b.Item2, U32 = b.Item3, U64 = b.Item4, I16 = b.Item5, Dec = b.Item6, I128 = b.Item7, U128 = b.Item8,
                When = c.Item1, Id = c.Item2,
            });

    public static readonly Gen<EnumMessage> EnumMessage =
        Gen.Select(Int, Byte, SByte, Long, Short, Long, Int, Short)
            .Select(t => new EnumMessage
            {
                Color = (Color)t.Item1, Small = (SmallEnum)t.Item2, Signed = (SignedSmallEnum)t.Item3, Big = (BigEnum)t.Item4,
                Short = (ShortEnum)t.Item5, VarBig = (BigEnum)t.Item6, VarColor = (Color)t.Item7, VarShort = (ShortEnum)t.Item8,
            });

    public static readonly Gen<VarInts> VarInts =
        Gen.Select(Short, UShort, Char, Int, UInt, Long, ULong)
            .Select(t => new VarInts { I16 = t.Item1, U16 = t.Item2, Ch = t.Item3, I32 = t.Item4, U32 = t.Item5, I64 = t.Item6, U64 = t.Item7 });

    public static readonly Gen<Spatial> Spatial =
        Gen.Select(Vector2, Vector3, Vector4, Quaternion, Guid, DateTime, TimeSpan)
            .Select(t => new Spatial { V2 = t.Item1, V3 = t.Item2, V4 = t.Item3, Rotation = t.Item4, Id = t.Item5, When = t.Item6, Duration = t.Item7 });

    public static readonly Gen<Packed> Packed = Gen.Select(Int, Float, Short, UShort, (a, b, c, d) => new Packed { A = a, B = b, C = c, D = d });

    public static readonly Gen<Padded> Padded = Gen.Select(Long, Int, (a, b) => new Padded { A = a, B = b });

    public static readonly Gen<Child> Child = Gen.Select(NullableText(12), Int, (name, value) => new Child { Name = name, Value = value });

    public static readonly Gen<Collections> Collections =
        Gen.Select(
            Gen.Select(Int.ArrayOrNull(), NullableText(8).ArrayOrNull(), Float.ListOrNull(), Text(8).ListOrNull(), Gen.Select(Text(6), Int).Array[0, 5].OrNull(), Gen.Select(Int, Child.OrNull()).Array[0, 4].OrNull(), Int.HashSet[0, 6].OrNull(), Text(5).HashSet[0, 4].OrNull()),
            Gen.Select(Gen.Byte.Array[0, 16].OrNull(), Gen.Byte.Array[0, 8], Int.Array[0, 4].Array[0, 4].OrNull(), Text(4).Array[0, 3].Array[0, 3].OrNull(), Gen.Byte.Array[0, 4].Array[0, 3].OrNull(), Packed.ArrayOrNull(), Padded.ArrayOrNull(), Packed.ListOrNull()),
            Gen.Select(Vector3.ListOrNull(), Child.OrNull(), Child.ArrayOrNull(4), Int.OrNullValue(), Vector3.OrNullValue(), Packed.OrNullValue(), Gen.Int[0, 3].Select(i => (Color)i).OrNullValue(), Int.OrNullValue().ListOrNull()),
            Gen.Select(Guid, Int.List[0, 4]).Array[0, 3].OrNull(),
            (a, b, c, nested) => new Collections
            {
                Ints = a.Item1,
                Strings = a.Item2,
                Floats = a.Item3,
                Names = a.Item4,
                Counts = a.Item5?.DistinctBy(p => p.Item1).ToDictionary(p => p.Item1, p => p.Item2),
                Children = a.Item6?.DistinctBy(p => p.Item1).ToDictionary(p => p.Item1, p => p.Item2),
                Set = a.Item7,
                Tags = a.Item8,
                Bytes = b.Item1,
                Memory = b.Item2,
                Jagged = b.Item3,
                JaggedStrings = b.Item4,
                JaggedBytes = b.Item5,
                PackedItems = b.Item6,
                PaddedItems = b.Item7,
                PackedList = b.Item8,
                Points = c.Item1,
                Child = c.Item2,
                ChildArray = c.Item3,
                MaybeInt = c.Item4,
                MaybeVector = c.Item5,
                MaybePacked = c.Item6,
                MaybeColor = c.Item7,
                MaybeInts = c.Item8,
                Nested = nested?.DistinctBy(p => p.Item1).ToDictionary(p => p.Item1, p => p.Item2),
            });

    public static readonly Gen<ChatLine> ChatLine = Gen.Select(Text(40), Text(16), NullableText(10), (from, text, note) => new ChatLine(from, text, note));

    public static readonly Gen<Strings> Strings = Gen.Select(
        NullableText(64), NullableText(4), Int.List[0, 3].OrNull(), Gen.Byte.Array[0, 2].OrNull(),
        (free, shortText, items, bytes) => new Strings { Free = free, Short = shortText, ThreeItems = items, TwoBytes = bytes });

    public static readonly Gen<Transform> Transform = Gen.Select(Vector3, Quaternion, Vector3, (p, r, s) => new Transform { Position = p, Rotation = r, Scale = s });

    public static readonly Gen<Snapshot> Snapshot =
        Gen.Select(
            Gen.Select(UInt, Transform, Vector2, Vector4, Bool, Double, Half, Gen.Int[0, 2].Select(i => (Color)i)),
            Gen.Select(Int, Int.OrNullValue(), Packed, TimeSpan, Guid, Decimal, DateTime),
            (a, b) => new Snapshot
            {
                Tick = a.Item1, Body = a.Item2, Aim = a.Item3, Tint = a.Item4, Grounded = a.Item5, Time = a.Item6, Stamina = a.Item7, Team = a.Item8,
                Score = b.Item1, Target = b.Item2, Extra = b.Item3, Age = b.Item4, Session = b.Item5, Gold = b.Item6, Stamp = b.Item7,
            });

    public static Gen<Bag> Bag(int depth) =>
        Gen.Select(
            Gen.Select(Int.ListOrNull(), Gen.Select(Text(6), Int).Array[0, 4].OrNull(), Long.HashSet[0, 4].OrNull(), Text(6).ArrayOrNull(), Gen.Byte.Array[0, 8].OrNull()),
            depth > 0 ? Bag(depth - 1).OrNull() : Gen.Const<Bag?>((Bag?)null),
            Gen.Select(Child.OrNull(), Snapshot.OrNullValue()),
            (a, inner, c) => new Bag
            {
                Items = a.Item1,
                Counts = a.Item2?.DistinctBy(p => p.Item1).ToDictionary(p => p.Item1, p => p.Item2),
                Ids = a.Item3,
                Tags = a.Item4,
                Data = a.Item5,
                Inner = inner,
                Child = c.Item1,
                Last = c.Item2,
            });
}
