using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace Travelers.Runtime.Tests;

/// <summary>The wire format at the level of NetWriter and NetReader: every primitive, varint, string and buffer rule.</summary>
public sealed class NetWriterReaderTests
{
    private delegate void WriteAction(ref NetWriter writer);

    private delegate T ReadFunc<T>(ref NetReader reader);

    private static byte[] Write(WriteAction action, NetLimits? limits = null)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new NetWriter(buffer, limits ?? NetLimits.Default);
        action(ref writer);
        writer.Flush();
        Assert.Equal(buffer.WrittenCount, writer.BytesWritten);
        return buffer.WrittenSpan.ToArray();
    }

    private static T Read<T>(byte[] bytes, ReadFunc<T> read, NetLimits? limits = null)
    {
        var reader = new NetReader(bytes, limits ?? NetLimits.Default);
        T value = read(ref reader);
        reader.EnsureEnd();
        return value;
    }

    private static NetSerializationException ReadFails<T>(byte[] bytes, ReadFunc<T> read, NetLimits? limits = null) =>
        Assert.Throws<NetSerializationException>(() => Read(bytes, read, limits));

    private static void AssertRoundTrip<T>(T value, byte[] expectedBytes, WriteAction write, ReadFunc<T> read)
    {
        byte[] bytes = Write(write);
        Assert.Equal(Bytes.Hex(expectedBytes), Bytes.Hex(bytes));
        Deep.Equal(value, Read(bytes, read));
    }

    // ---- primitives -------------------------------------------------------------------------

    [Fact]
    public void Booleans_are_one_byte_0_or_1_and_other_bytes_are_refused()
    {
        AssertRoundTrip(true, [1], (ref NetWriter w) => w.WriteBoolean(true), (ref NetReader r) => r.ReadBoolean());
        AssertRoundTrip(false, [0], (ref NetWriter w) => w.WriteBoolean(false), (ref NetReader r) => r.ReadBoolean());
        NetSerializationException error = ReadFails([7, 2], (ref NetReader r) => (r.ReadByte(), r.ReadBoolean()));
        Assert.Equal(1, error.Offset);
    }

    [Fact]
    public void Bytes_and_signed_bytes_round_trip_at_their_extremes()
    {
        foreach (byte b in new byte[] { 0, 1, 127, 128, 255 })
        {
            AssertRoundTrip(b, [b], (ref NetWriter w) => w.WriteByte(b), (ref NetReader r) => r.ReadByte());
        }

        foreach (sbyte s in new sbyte[] { sbyte.MinValue, -1, 0, 1, sbyte.MaxValue })
        {
            AssertRoundTrip(s, [(byte)s], (ref NetWriter w) => w.WriteSByte(s), (ref NetReader r) => r.ReadSByte());
        }
    }

    [Fact]
    public void Sixteen_bit_integers_and_chars_are_little_endian()
    {
        foreach (short v in new short[] { short.MinValue, -1, 0, 1, 0x1234, short.MaxValue })
        {
            byte[] expected = new byte[2];
            BinaryPrimitives.WriteInt16LittleEndian(expected, v);
            AssertRoundTrip(v, expected, (ref NetWriter w) => w.WriteInt16(v), (ref NetReader r) => r.ReadInt16());
        }

        foreach (ushort v in new ushort[] { 0, 1, 0x1234, ushort.MaxValue })
        {
            byte[] expected = new byte[2];
            BinaryPrimitives.WriteUInt16LittleEndian(expected, v);
            AssertRoundTrip(v, expected, (ref NetWriter w) => w.WriteUInt16(v), (ref NetReader r) => r.ReadUInt16());
        }

        foreach (char c in new[] { '\0', 'A', 'é', '\uD800', '\uDFFF', '\uFFFF' })
        {
            AssertRoundTrip(c, [(byte)c, (byte)(c >> 8)], (ref NetWriter w) => w.WriteChar(c), (ref NetReader r) => r.ReadChar());
        }
    }

    [Fact]
    public void Thirty_two_and_sixty_four_bit_integers_are_little_endian()
    {
        foreach (int v in new[] { int.MinValue, -1, 0, 1, 0x12345678, int.MaxValue })
        {
            byte[] expected = new byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(expected, v);
            AssertRoundTrip(v, expected, (ref NetWriter w) => w.WriteInt32(v), (ref NetReader r) => r.ReadInt32());
        }

        foreach (uint v in new[] { 0u, 1u, 0x12345678u, uint.MaxValue })
        {
            byte[] expected = new byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(expected, v);
            AssertRoundTrip(v, expected, (ref NetWriter w) => w.WriteUInt32(v), (ref NetReader r) => r.ReadUInt32());
        }

        foreach (long v in new[] { long.MinValue, -1L, 0L, 1L, 0x0102030405060708L, long.MaxValue })
        {
            byte[] expected = new byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(expected, v);
            AssertRoundTrip(v, expected, (ref NetWriter w) => w.WriteInt64(v), (ref NetReader r) => r.ReadInt64());
        }

        foreach (ulong v in new[] { 0UL, 1UL, 0x0102030405060708UL, ulong.MaxValue })
        {
            byte[] expected = new byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(expected, v);
            AssertRoundTrip(v, expected, (ref NetWriter w) => w.WriteUInt64(v), (ref NetReader r) => r.ReadUInt64());
        }
    }

    [Fact]
    public void One_hundred_twenty_eight_bit_integers_write_the_low_half_first()
    {
        foreach (Int128 v in new[] { Int128.MinValue, Int128.NegativeOne, Int128.Zero, Int128.One, new Int128(0x0102030405060708, 0x090A0B0C0D0E0F10), Int128.MaxValue })
        {
            byte[] expected = new byte[16];
            BinaryPrimitives.WriteInt128LittleEndian(expected, v);
            AssertRoundTrip(v, expected, (ref NetWriter w) => w.WriteInt128(v), (ref NetReader r) => r.ReadInt128());
        }

        foreach (UInt128 v in new[] { UInt128.Zero, UInt128.One, new UInt128(ulong.MaxValue, 0), UInt128.MaxValue })
        {
            byte[] expected = new byte[16];
            BinaryPrimitives.WriteUInt128LittleEndian(expected, v);
            AssertRoundTrip(v, expected, (ref NetWriter w) => w.WriteUInt128(v), (ref NetReader r) => r.ReadUInt128());
        }
    }

    public static readonly uint[] SingleBits =
    [
        0x7FC00000, 0x7FC00001, 0x7F800001, 0x7FBFFFFF, 0xFFC00000, 0xFFFFFFFF, // NaNs, quiet and signalling, both signs
        0x7F800000, 0xFF800000, 0x00000000, 0x80000000, 0x00000001, 0x80000001, 0x7F7FFFFF, 0xFF7FFFFF, 0x3F800000,
    ];

    public static readonly ulong[] DoubleBits =
    [
        0x7FF8000000000000, 0x7FF8000000000001, 0x7FF0000000000001, 0xFFF8000000000000, 0xFFFFFFFFFFFFFFFF,
        0x7FF0000000000000, 0xFFF0000000000000, 0x0000000000000000, 0x8000000000000000, 0x0000000000000001,
        0x7FEFFFFFFFFFFFFF, 0xFFEFFFFFFFFFFFFF, 0x3FF0000000000000,
    ];

    [Fact]
    public void Floats_keep_their_exact_bits_including_nan_payloads_negative_zero_and_infinities()
    {
        foreach (uint bits in SingleBits)
        {
            float f = BitConverter.UInt32BitsToSingle(bits);
            byte[] expected = new byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(expected, bits);
            AssertRoundTrip(f, expected, (ref NetWriter w) => w.WriteSingle(f), (ref NetReader r) => r.ReadSingle());
        }

        foreach (ulong bits in DoubleBits)
        {
            double d = BitConverter.UInt64BitsToDouble(bits);
            byte[] expected = new byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(expected, bits);
            AssertRoundTrip(d, expected, (ref NetWriter w) => w.WriteDouble(d), (ref NetReader r) => r.ReadDouble());
        }

        foreach (ushort bits in new ushort[] { 0x7E00, 0x7E01, 0x7C01, 0xFE00, 0x7C00, 0xFC00, 0x0000, 0x8000, 0x0001, 0x7BFF })
        {
            Half h = BitConverter.UInt16BitsToHalf(bits);
            AssertRoundTrip(h, [(byte)bits, (byte)(bits >> 8)], (ref NetWriter w) => w.WriteHalf(h), (ref NetReader r) => r.ReadHalf());
        }
    }

    [Fact]
    public void Decimals_keep_sign_scale_and_all_96_bits()
    {
        decimal[] values = [0m, new decimal(0, 0, 0, true, 0), 1m, 1.00m, -1.5m, decimal.MaxValue, decimal.MinValue, 0.0000000000000000000000000001m, 79228162514264337593543950335m];
        foreach (decimal v in values)
        {
            byte[] expected = decimal.GetBits(v).SelectMany(BitConverter.GetBytes).ToArray();
            AssertRoundTrip(v, expected, (ref NetWriter w) => w.WriteDecimal(v), (ref NetReader r) => r.ReadDecimal());
        }
    }

    [Fact]
    public void Decimals_with_a_scale_over_28_or_reserved_flag_bits_are_refused()
    {
        byte[] scale29 = Bytes.Concat(new byte[12], BitConverter.GetBytes(29 << 16));
        byte[] reserved = Bytes.Concat(new byte[12], BitConverter.GetBytes(1));
        Assert.Equal(0, ReadFails(scale29, (ref NetReader r) => r.ReadDecimal()).Offset);
        Assert.Equal(2, ReadFails(Bytes.Concat([9, 9], reserved), (ref NetReader r) => (r.ReadByte(), r.ReadByte(), r.ReadDecimal())).Offset);
    }

    [Fact]
    public void Vectors_and_quaternions_are_their_floats_in_x_y_z_w_order()
    {
        var v4 = new Vector4(1, -0f, float.NaN, float.PositiveInfinity);
        byte[] expected = new[] { v4.X, v4.Y, v4.Z, v4.W }.SelectMany(BitConverter.GetBytes).ToArray();
        AssertRoundTrip(v4, expected, (ref NetWriter w) => w.WriteVector4(v4), (ref NetReader r) => r.ReadVector4());
        AssertRoundTrip(new Vector2(1, 2), [0, 0, 0x80, 0x3F, 0, 0, 0, 0x40], (ref NetWriter w) => w.WriteVector2(new Vector2(1, 2)), (ref NetReader r) => r.ReadVector2());
        var v3 = new Vector3(float.MaxValue, float.Epsilon, -3);
        AssertRoundTrip(v3, new[] { v3.X, v3.Y, v3.Z }.SelectMany(BitConverter.GetBytes).ToArray(), (ref NetWriter w) => w.WriteVector3(v3), (ref NetReader r) => r.ReadVector3());
        var q = new Quaternion(0.5f, -0.5f, 0.25f, 0.75f);
        AssertRoundTrip(q, new[] { q.X, q.Y, q.Z, q.W }.SelectMany(BitConverter.GetBytes).ToArray(), (ref NetWriter w) => w.WriteQuaternion(q), (ref NetReader r) => r.ReadQuaternion());
    }

    [Fact]
    public void Guids_are_their_sixteen_bytes_in_ToByteArray_order()
    {
        foreach (Guid g in new[] { Guid.Empty, Guid.Parse("00112233-4455-6677-8899-aabbccddeeff"), Guid.AllBitsSet })
        {
            AssertRoundTrip(g, g.ToByteArray(), (ref NetWriter w) => w.WriteGuid(g), (ref NetReader r) => r.ReadGuid());
        }
    }

    [Fact]
    public void DateTimes_keep_ticks_and_kind_for_all_three_kinds_and_timespans_keep_ticks()
    {
        DateTime[] values =
        [
            DateTime.MinValue, DateTime.MaxValue, DateTime.SpecifyKind(DateTime.MaxValue, DateTimeKind.Utc),
            new DateTime(2024, 2, 29, 12, 34, 56, 789, DateTimeKind.Utc).AddTicks(1234),
            new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Unspecified),
            new DateTime(2020, 6, 15, 8, 0, 0, DateTimeKind.Local),
        ];
        foreach (DateTime v in values)
        {
            byte[] expected = BitConverter.GetBytes(v.ToBinary());
            AssertRoundTrip(v, expected, (ref NetWriter w) => w.WriteDateTime(v), (ref NetReader r) => r.ReadDateTime());
        }

        foreach (TimeSpan t in new[] { TimeSpan.MinValue, TimeSpan.Zero, TimeSpan.FromTicks(-1), TimeSpan.MaxValue })
        {
            AssertRoundTrip(t, BitConverter.GetBytes(t.Ticks), (ref NetWriter w) => w.WriteTimeSpan(t), (ref NetReader r) => r.ReadTimeSpan());
        }
    }

    [Fact]
    public void DateTimes_with_ticks_beyond_MaxValue_are_refused()
    {
        byte[] bytes = BitConverter.GetBytes(DateTime.MaxValue.Ticks + 1);
        NetSerializationException error = ReadFails(bytes, (ref NetReader r) => r.ReadDateTime());
        Assert.Equal(0, error.Offset);
    }

    [Fact]
    public void ReadDateTime_accepts_every_value_DateTime_ToBinary_produces_including_local_times_near_MinValue_written_east_of_UTC()
    {
        // DateTime.ToBinary of a Local DateTime stores its UTC ticks; within a day of MinValue in a zone
        // ahead of UTC (here UTC+1) those are negative and .NET stores them as TicksCeiling + ticks.
        // DateTime.FromBinary accepts this form, so a peer in Paris sends bytes the reader must take.
        const long TicksCeiling = 0x4000000000000000;
        long data = unchecked((long)0x8000000000000000UL | (TicksCeiling - TimeSpan.FromHours(1).Ticks));
        DateTime expected = DateTime.FromBinary(data);

        DateTime actual = Read(BitConverter.GetBytes(data), (ref NetReader r) => r.ReadDateTime());

        Deep.Equal(expected, actual);
    }

    // ---- varints ---------------------------------------------------------------------------

    [Theory]
    [InlineData(0u, "00")]
    [InlineData(1u, "01")]
    [InlineData(127u, "7F")]
    [InlineData(128u, "8001")]
    [InlineData(300u, "AC02")]
    [InlineData(16383u, "FF7F")]
    [InlineData(16384u, "808001")]
    [InlineData(2097151u, "FFFF7F")]
    [InlineData(2097152u, "80808001")]
    [InlineData(uint.MaxValue, "FFFFFFFF0F")]
    public void VarUInt32_encodings_are_byte_exact_LEB128(uint value, string hex)
    {
        AssertRoundTrip(value, Convert.FromHexString(hex), (ref NetWriter w) => w.WriteVarUInt32(value), (ref NetReader r) => r.ReadVarUInt32());
        Assert.Equal(hex.Length / 2, NetWriter.VarUIntSize(value));
    }

    [Theory]
    [InlineData(0UL, "00")]
    [InlineData(127UL, "7F")]
    [InlineData(128UL, "8001")]
    [InlineData(16383UL, "FF7F")]
    [InlineData(16384UL, "808001")]
    [InlineData(4294967295UL, "FFFFFFFF0F")]
    [InlineData(4294967296UL, "8080808010")]
    [InlineData(9223372036854775808UL, "80808080808080808001")]
    [InlineData(ulong.MaxValue, "FFFFFFFFFFFFFFFFFF01")]
    public void VarUInt64_encodings_are_byte_exact_LEB128(ulong value, string hex)
    {
        AssertRoundTrip(value, Convert.FromHexString(hex), (ref NetWriter w) => w.WriteVarUInt64(value), (ref NetReader r) => r.ReadVarUInt64());
        Assert.Equal(Convert.FromHexString(hex), Bytes.VarUInt(value));
    }

    [Theory]
    [InlineData(0, "00")]
    [InlineData(-1, "01")]
    [InlineData(1, "02")]
    [InlineData(-2, "03")]
    [InlineData(2, "04")]
    [InlineData(-64, "7F")]
    [InlineData(64, "8001")]
    [InlineData(int.MaxValue, "FEFFFFFF0F")]
    [InlineData(int.MinValue, "FFFFFFFF0F")]
    public void VarInt32_uses_zigzag_so_small_magnitudes_of_either_sign_take_one_byte(int value, string hex)
    {
        AssertRoundTrip(value, Convert.FromHexString(hex), (ref NetWriter w) => w.WriteVarInt32(value), (ref NetReader r) => r.ReadVarInt32());
    }

    [Theory]
    [InlineData(0L, "00")]
    [InlineData(-1L, "01")]
    [InlineData(1L, "02")]
    [InlineData(long.MaxValue, "FEFFFFFFFFFFFFFFFF01")]
    [InlineData(long.MinValue, "FFFFFFFFFFFFFFFFFF01")]
    public void VarInt64_uses_zigzag_up_to_the_64_bit_extremes(long value, string hex)
    {
        AssertRoundTrip(value, Convert.FromHexString(hex), (ref NetWriter w) => w.WriteVarInt64(value), (ref NetReader r) => r.ReadVarInt64());
    }

    [Theory]
    [InlineData("8000")]
    [InlineData("808000")]
    [InlineData("FF8000")]
    [InlineData("8080808000")]
    public void Overlong_varints_are_refused_at_their_first_byte(string hex)
    {
        byte[] bytes = Bytes.Concat([0x05], Convert.FromHexString(hex));
        NetSerializationException error = ReadFails(bytes, (ref NetReader r) => (r.ReadByte(), r.ReadVarUInt32()));
        Assert.Equal(1, error.Offset);
        Assert.Contains("overlong", error.Detail, StringComparison.Ordinal);
        Assert.Equal(1, ReadFails(bytes, (ref NetReader r) => (r.ReadByte(), r.ReadVarUInt64())).Offset);
    }

    [Theory]
    [InlineData("FFFFFFFF10")] // 2^32: a fifth byte with more than 4 bits
    [InlineData("FFFFFFFF7F")]
    [InlineData("FFFFFFFFFF01")] // six bytes
    [InlineData("808080808001")]
    public void VarUInt32_over_32_bits_or_over_5_bytes_is_refused(string hex)
    {
        NetSerializationException error = ReadFails(Convert.FromHexString(hex), (ref NetReader r) => r.ReadVarUInt32());
        Assert.Equal(0, error.Offset);
        Assert.Contains("VarUInt32", error.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("FFFFFFFFFFFFFFFFFFFF01")] // eleven bytes
    [InlineData("FFFFFFFFFFFFFFFFFF02")] // ten bytes, bit 64 set
    [InlineData("FFFFFFFFFFFFFFFFFF7F")]
    public void VarUInt64_over_64_bits_or_over_10_bytes_is_refused(string hex)
    {
        NetSerializationException error = ReadFails(Convert.FromHexString(hex), (ref NetReader r) => r.ReadVarUInt64());
        Assert.Equal(0, error.Offset);
        Assert.Contains("VarUInt64", error.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("80")]
    [InlineData("FFFF")]
    [InlineData("FFFFFFFF")]
    public void Truncated_varints_throw_NetSerializationException_with_an_offset_inside_the_input(string hex)
    {
        byte[] bytes = Bytes.Concat([0x2A, 0x2A], Convert.FromHexString(hex));
        NetSerializationException error = ReadFails(bytes, (ref NetReader r) => (r.ReadUInt16(), r.ReadVarUInt32()));
        Assert.InRange(error.Offset, 2, bytes.Length);
        Assert.Contains("input ended", error.Detail, StringComparison.Ordinal);
        Assert.InRange(ReadFails(bytes, (ref NetReader r) => (r.ReadUInt16(), r.ReadVarInt64())).Offset, 2, bytes.Length);
    }

    [Fact]
    public void Fixed_width_reads_past_the_end_name_the_type_and_the_offset_where_the_value_starts()
    {
        NetSerializationException error = ReadFails([1, 2, 3, 4, 5, 6], (ref NetReader r) => (r.ReadUInt32(), r.ReadInt64()));
        Assert.Equal(4, error.Offset);
        Assert.Contains("Int64", error.Detail, StringComparison.Ordinal);
        Assert.Contains("offset 4", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("UInt128", 16)]
    [InlineData("Int128", 16)]
    [InlineData("Decimal", 16)]
    [InlineData("Vector2", 8)]
    [InlineData("Vector3", 12)]
    [InlineData("Vector4", 16)]
    [InlineData("Quaternion", 16)]
    public void Values_read_in_parts_cut_short_name_their_type_their_whole_size_and_the_offset_where_they_start(string type, int size)
    {
        // A UInt32, then one byte less than the value needs: the value is cut, not one of its parts.
        NetSerializationException error = ReadFails(new byte[4 + size - 1], (ref NetReader r) =>
        {
            r.ReadUInt32();
            return type switch
            {
                "UInt128" => (object)r.ReadUInt128(),
                "Int128" => r.ReadInt128(),
                "Decimal" => r.ReadDecimal(),
                "Vector2" => r.ReadVector2(),
                "Vector3" => r.ReadVector3(),
                "Vector4" => r.ReadVector4(),
                _ => r.ReadQuaternion(),
            };
        });
        Assert.Equal(4, error.Offset);
        Assert.Equal($"input ended while reading {type} ({size} bytes needed, {size - 1} left)", error.Detail);
    }

    // ---- strings ---------------------------------------------------------------------------

    [Theory]
    [InlineData(null, "00")]
    [InlineData("", "01")]
    [InlineData("abc", "04616263")]
    [InlineData("é", "03C3A9")]
    [InlineData("€", "04E282AC")]
    [InlineData("😀", "05F09F9880")]
    [InlineData("a😀é", "08" + "61" + "F09F9880" + "C3A9")]
    public void Strings_are_a_varint_of_utf8_length_plus_one_then_utf8(string? value, string hex)
    {
        AssertRoundTrip(value, Convert.FromHexString(hex), (ref NetWriter w) => w.WriteString(value), (ref NetReader r) => r.ReadString());
    }

    [Theory]
    [InlineData(42)] // worst case 126 + 1 takes one prefix byte
    [InlineData(43)] // worst case 129 takes two prefix bytes, the real 44 takes one: the gap is closed
    [InlineData(126)]
    [InlineData(127)] // 128: two prefix bytes
    [InlineData(5000)]
    [InlineData(20000)] // worst case needs a three-byte prefix, the real length two
    public void Long_strings_have_the_shortest_length_prefix_whatever_the_writer(int length)
    {
        string value = new('x', length);
        byte[] expected = Bytes.Concat(Bytes.VarUInt((ulong)length + 1), Encoding.UTF8.GetBytes(value));

        byte[] viaBufferWriter = Write((ref NetWriter w) => w.WriteString(value));
        byte[] span = new byte[expected.Length];
        var spanWriter = new NetWriter(span);
        spanWriter.WriteString(value);
        var chunked = new ChunkedBufferWriter();
        var chunkedWriter = new NetWriter(chunked);
        chunkedWriter.WriteString(value);
        chunkedWriter.Flush();

        Assert.Equal(expected, viaBufferWriter);
        Assert.Equal(expected.Length, spanWriter.BytesWritten);
        Assert.Equal(expected, span);
        Assert.Equal(expected, chunked.WrittenBytes);
        Assert.Equal(value, Read(expected, (ref NetReader r) => r.ReadString()));
    }

    [Theory]
    [InlineData("abcd", true)]
    [InlineData("abcde", false)]
    [InlineData("éééé", true)]
    [InlineData("€€€€", true)] // 12 UTF-8 bytes, 4 chars
    [InlineData("😀😀", true)] // two surrogate pairs are 4 chars
    [InlineData("😀😀a", false)]
    [InlineData("a😀a", true)]
    public void MaxLength_counts_chars_on_write_and_on_read(string value, bool fits)
    {
        byte[] unlimited = Write((ref NetWriter w) => w.WriteString(value));
        if (fits)
        {
            byte[] bytes = Write((ref NetWriter w) => w.WriteString(value, 4));
            Assert.Equal(unlimited, bytes);
            Assert.Equal(value, Read(bytes, (ref NetReader r) => r.ReadString(4)));
        }
        else
        {
            NetSerializationException write = Assert.Throws<NetSerializationException>(() => Write((ref NetWriter w) => w.WriteString(value, 4)));
            Assert.Contains("string length", write.Detail, StringComparison.Ordinal);
            NetSerializationException read = ReadFails(unlimited, (ref NetReader r) => r.ReadString(4));
            Assert.Equal(0, read.Offset);
        }
    }

    [Theory]
    [InlineData("12345678", true)]
    [InlineData("123456789", false)]
    [InlineData("éééé", true)]
    [InlineData("ééééa", false)]
    [InlineData("😀😀", true)]
    [InlineData("😀😀a", false)]
    [InlineData("€€a", true)] // 7 bytes, 3 chars
    public void NetLimits_MaxStringBytes_counts_utf8_bytes_on_write_and_on_read(string value, bool fits)
    {
        var limits = new NetLimits { MaxStringBytes = 8 };
        byte[] unlimited = Write((ref NetWriter w) => w.WriteString(value));
        if (fits)
        {
            Assert.Equal(unlimited, Write((ref NetWriter w) => w.WriteString(value), limits));
            Assert.Equal(value, Read(unlimited, (ref NetReader r) => r.ReadString(), limits));
        }
        else
        {
            NetSerializationException write = Assert.Throws<NetSerializationException>(() => Write((ref NetWriter w) => w.WriteString(value), limits));
            Assert.Contains("UTF-8 bytes", write.Detail, StringComparison.Ordinal);
            NetSerializationException read = ReadFails(unlimited, (ref NetReader r) => r.ReadString(), limits);
            Assert.Equal(0, read.Offset);
        }
    }

    [Fact]
    public void The_default_string_limit_is_64_KB_of_utf8_inclusive()
    {
        string atLimit = new('a', 64 * 1024);
        byte[] bytes = Write((ref NetWriter w) => w.WriteString(atLimit));
        Assert.Equal(atLimit, Read(bytes, (ref NetReader r) => r.ReadString()));
        Assert.Throws<NetSerializationException>(() => Write((ref NetWriter w) => w.WriteString(atLimit + "a")));
        byte[] over = Bytes.Concat(Bytes.VarUInt((64 * 1024) + 2), Encoding.UTF8.GetBytes(atLimit + "a"));
        Assert.Contains("over the limit of 65536", ReadFails(over, (ref NetReader r) => r.ReadString()).Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("03C328")] // bad continuation byte
    [InlineData("03C080")] // overlong NUL
    [InlineData("04E08080")] // overlong 3-byte form
    [InlineData("04EDA080")] // an encoded UTF-16 surrogate
    [InlineData("05F4908080")] // above U+10FFFF
    [InlineData("02FF")]
    [InlineData("0280")] // a lone continuation byte
    [InlineData("03E282")] // a truncated sequence
    public void Invalid_utf8_is_refused(string hex)
    {
        NetSerializationException error = ReadFails(Bytes.Concat([0x00], Convert.FromHexString(hex)), (ref NetReader r) => (r.ReadByte(), r.ReadString()));
        Assert.Equal(1, error.Offset);
        Assert.Contains("UTF-8", error.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a", 0xD800, "b")]
    [InlineData("", 0xDC00, "")]
    [InlineData("abc", 0xD83D, "")]
    [InlineData("", 0xDE00, "\uD83D")] // a low surrogate then a high one: a pair in the wrong order
    public void Lone_surrogates_are_refused_on_write_because_they_cannot_come_back(string before, int surrogate, string after)
    {
        // Built here: xUnit would turn a lone surrogate in [InlineData] into U+FFFD when it serializes the case.
        string value = before + (char)surrogate + after;
        NetSerializationException error = Assert.Throws<NetSerializationException>(() => Write((ref NetWriter w) => w.WriteString(value)));
        Assert.Contains("surrogate", error.Detail, StringComparison.Ordinal);
        Assert.Throws<NetSerializationException>(() =>
        {
            var writer = new NetWriter(new byte[64]);
            writer.WriteString(value);
        });
        Assert.Throws<NetSerializationException>(() =>
        {
            var writer = new NetWriter(new byte[value.Length]); // too small for the worst case: the exact-size path
            writer.WriteString(value);
        });
    }

    [Fact]
    public void A_string_length_larger_than_the_input_left_is_refused()
    {
        byte[] bytes = Bytes.Concat(Bytes.VarUInt(1001), "abc"u8.ToArray());
        NetSerializationException error = ReadFails(bytes, (ref NetReader r) => r.ReadString());
        Assert.Contains("input ended", error.Detail, StringComparison.Ordinal);
    }

    // ---- collections headers and sections --------------------------------------------------

    [Fact]
    public void Collection_counts_over_the_limit_or_longer_than_the_input_are_refused_before_allocating()
    {
        var limits = new NetLimits { MaxCollectionCount = 1024 };
        Assert.Equal(-1, Read([0], (ref NetReader r) => r.ReadCount(0, 4)));
        Assert.Equal(0, Read([1], (ref NetReader r) => r.ReadCount(0, 4)));
        Assert.Equal(1024, Read(Bytes.Concat(Bytes.VarUInt(1025), new byte[1024]), (ref NetReader r) => (r.ReadCount(0, 1), r.ReadRaw(1024).Length).Item1, limits));

        Assert.Contains("over the limit", ReadFails(Bytes.Concat(Bytes.VarUInt(1026), new byte[1025]), (ref NetReader r) => r.ReadCount(0, 1), limits).Detail, StringComparison.Ordinal);
        Assert.Contains("over the limit", ReadFails(Bytes.VarUInt(4), (ref NetReader r) => r.ReadCount(2, 0)).Detail, StringComparison.Ordinal);
        Assert.Contains("cannot fit", ReadFails(Bytes.Concat(Bytes.VarUInt(11), new byte[39]), (ref NetReader r) => r.ReadCount(0, 4)).Detail, StringComparison.Ordinal);
        Assert.Contains("over the limit", ReadFails(Bytes.VarUInt(int.MaxValue), (ref NetReader r) => r.ReadCount(0, 1)).Detail, StringComparison.Ordinal);
        Assert.Contains("over the limit", ReadFails(Bytes.VarUInt(uint.MaxValue), (ref NetReader r) => r.ReadCount(0, 1)).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void WriteCount_refuses_what_a_reader_would_refuse()
    {
        var limits = new NetLimits { MaxCollectionCount = 3 };
        Assert.Equal([4], Write((ref NetWriter w) => w.WriteCount(3), limits));
        Assert.Equal([0], Write((ref NetWriter w) => w.WriteCount(-1), limits));
        Assert.Throws<NetSerializationException>(() => Write((ref NetWriter w) => w.WriteCount(4), limits));
        Assert.Throws<NetSerializationException>(() => Write((ref NetWriter w) => w.WriteCount(3, 2)));
    }

    [Fact]
    public void A_section_claiming_more_bytes_than_remain_is_refused()
    {
        byte[] bytes = Bytes.Concat(Bytes.VarUInt(1), Bytes.VarUInt(int.MaxValue), [1, 2, 3]);
        NetSerializationException error = ReadFails(bytes, (ref NetReader r) => r.ReadSection(out _).Remaining);
        Assert.Contains("input ended", error.Detail, StringComparison.Ordinal);
        byte[] huge = Bytes.Concat(Bytes.VarUInt(1), Bytes.VarUInt(uint.MaxValue), [1, 2, 3]);
        Assert.Throws<NetSerializationException>(() => Read(huge, (ref NetReader r) => r.ReadSection(out _).Remaining));
    }

    // ---- destinations ------------------------------------------------------------------------

    [Fact]
    public void A_writer_over_a_span_that_is_too_small_throws_NetSerializationException()
    {
        NetSerializationException error = Assert.Throws<NetSerializationException>(() =>
        {
            var writer = new NetWriter(new byte[6]);
            writer.WriteInt32(1);
            writer.WriteInt32(2);
        });
        Assert.Equal(4, error.Offset);
        Assert.Throws<NetSerializationException>(() =>
        {
            var writer = new NetWriter(new byte[4]);
            writer.WriteString("hello");
        });
        Assert.Throws<NetSerializationException>(() =>
        {
            var writer = new NetWriter(Span<byte>.Empty);
            writer.WriteVarUInt64(ulong.MaxValue);
        });
        Assert.Throws<NetSerializationException>(() => NetSerializer.Serialize(new byte[3], new ExplicitId { Value = 1 }));
    }

    [Fact]
    public void A_writer_over_a_span_of_exactly_the_right_size_fills_it()
    {
        byte[] span = new byte[4 + 5 + 1 + 16];
        var writer = new NetWriter(span);
        writer.WriteInt32(-2);
        writer.WriteString("😀");
        writer.WriteByte(9);
        writer.WriteGuid(Guid.AllBitsSet);
        Assert.Equal(span.Length, writer.BytesWritten);
        Assert.Equal(Bytes.Hex(span), Bytes.Hex(writer.WrittenSpan));
        Assert.Equal(4, NetSerializer.Serialize(new byte[4], new ExplicitId { Value = 1 }));
    }

    [Theory]
    [InlineData(300u, 2)]
    [InlineData(16384u, 3)]
    [InlineData(uint.MaxValue, 5)]
    public void A_varint_fits_in_a_span_with_exactly_its_size_left(uint value, int size)
    {
        byte[] span = new byte[1 + size];
        var writer = new NetWriter(span);
        writer.WriteByte(7);

        writer.WriteVarUInt32(value);

        Assert.Equal(1 + size, writer.BytesWritten);
        Assert.Equal(Bytes.Concat([7], Bytes.VarUInt(value)), span);
    }

    [Fact]
    public void A_message_ending_in_a_multi_byte_varint_serializes_into_a_span_of_exactly_its_size()
    {
        var value = new VarInts { U64 = 300 };
        byte[] expected = NetSerializer.Serialize(value);
        Assert.Equal(8, expected.Length);
        byte[] span = new byte[expected.Length];

        int written = NetSerializer.Serialize(span, value);

        Assert.Equal(expected.Length, written);
        Assert.Equal(expected, span);
    }

    private static void WriteEverything(ref NetWriter w)
    {
        for (int i = 0; i < 20; i++)
        {
            w.WriteByte((byte)i);
            w.WriteUInt16((ushort)(i * 1000));
            w.WriteVarUInt32((uint)i * 1000);
            w.WriteInt64(-i);
        }

        w.WriteByte(1);
        w.WriteInt16(-2);
        w.WriteString("hello, world");
        w.WriteVarUInt64(ulong.MaxValue);
        w.WriteInt32(int.MinValue);
        w.WriteString(new string('é', 300) + "😀");
        w.WriteGuid(Guid.Parse("00112233-4455-6677-8899-aabbccddeeff"));
        w.WriteDecimal(decimal.MinValue);
        w.WriteVector4(new Vector4(1, 2, 3, 4));
        w.WriteQuaternion(Quaternion.Identity);
        w.WriteVarInt32(int.MinValue);
        w.WriteString(null);
        w.WriteString(string.Empty);
        w.WriteRaw(Enumerable.Range(0, 100).Select(i => (byte)i).ToArray());
        w.WriteBytes(new byte[] { 1, 2, 3, 4, 5, 6, 7 }, 0);
        w.WritePrimitives<long>(new long[] { 1, -1, long.MaxValue });
        w.WriteDateTime(new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        w.WriteUInt128(UInt128.MaxValue);
        w.WriteDouble(double.NaN);
        w.WriteString(new string('q', 200));
    }

    [Fact]
    public void A_buffer_writer_handing_out_tiny_spans_gets_the_same_bytes_as_ArrayBufferWriter()
    {
        byte[] expected = Write(WriteEverything);

        var chunked = new ChunkedBufferWriter(minimumChunk: 3);
        var writer = new NetWriter(chunked);
        WriteEverything(ref writer);
        writer.Flush();

        Assert.Equal(Bytes.Hex(expected), Bytes.Hex(chunked.WrittenBytes));
        Assert.Equal(expected.Length, writer.BytesWritten);
        Assert.True(chunked.GetSpanCalls > 10, $"only {chunked.GetSpanCalls} refills: the test did not cross chunk boundaries");
    }

    [Fact]
    public void A_generated_message_written_through_tiny_spans_matches_the_contiguous_bytes()
    {
        Collections message = Samples.FullCollections();
        byte[] expected = NetSerializer.Serialize(message);
        var chunked = new ChunkedBufferWriter(minimumChunk: 3);

        NetSerializer.Serialize(chunked, message);

        Assert.Equal(Bytes.Hex(expected), Bytes.Hex(chunked.WrittenBytes));
        Deep.Equal(message, NetSerializer.Deserialize<Collections>(chunked.WrittenBytes));
    }

    [Fact]
    public void Writing_a_short_string_near_MaxMessageBytes_is_not_refused_because_of_the_worst_case_reservation()
    {
        // 40 ASCII chars take 41 bytes: well within 100. The writer reserves 3 bytes a char (120) to
        // transcode in one pass; that reservation must not be counted as message size.
        var limits = new NetLimits { MaxMessageBytes = 100 };
        string value = new('a', 40);

        byte[] bytes = Write((ref NetWriter w) => w.WriteString(value), limits);

        Assert.Equal(41, bytes.Length);
    }

    [Fact]
    public void A_message_that_ends_exactly_at_MaxMessageBytes_with_a_varint_is_accepted_by_the_writer()
    {
        var limits = new NetLimits { MaxMessageBytes = 12 };
        var chunked = new ChunkedBufferWriter(minimumChunk: 1);
        var writer = new NetWriter(chunked, limits);

        writer.WriteRaw(new byte[10]);
        writer.WriteVarUInt32(300);
        writer.Flush();

        Assert.Equal(12, chunked.WrittenBytes.Length);
    }

    [Fact]
    public void Serialize_refuses_a_message_over_MaxMessageBytes_and_Deserialize_refuses_input_over_it()
    {
        var limits = new NetLimits { MaxMessageBytes = 16 };
        var big = new Child { Name = new string('x', 20) };
        NetSerializationException write = Assert.Throws<NetSerializationException>(() => Bytes.Serialize(big, limits));
        Assert.Contains("message size", write.Detail, StringComparison.Ordinal);
        byte[] bytes = NetSerializer.Serialize(big);
        NetSerializationException read = Assert.Throws<NetSerializationException>(() => NetSerializer.Deserialize<Child>(bytes, limits));
        Assert.Contains("message size", read.Detail, StringComparison.Ordinal);
        Assert.False(NetSerializer.TryDeserialize<Child>(bytes, limits, out _));
    }

    [Fact]
    public void Trailing_bytes_after_a_message_are_refused()
    {
        byte[] bytes = Bytes.Concat(NetSerializer.Serialize(new ExplicitId { Value = 5 }), [0]);
        NetSerializationException error = Assert.Throws<NetSerializationException>(() => NetSerializer.Deserialize<ExplicitId>(bytes));
        Assert.Equal(4, error.Offset);
        Assert.Contains("left after the message", error.Detail, StringComparison.Ordinal);
    }
}
