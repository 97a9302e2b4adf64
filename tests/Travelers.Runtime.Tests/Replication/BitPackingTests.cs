using System.Runtime.CompilerServices;
using System.Text;
using CsCheck;

namespace Travelers.Runtime.Tests.Replication;

/// <summary>
/// BitWriter and BitReader: every width round-trips at every alignment, the layout is fixed (least significant
/// bit first) and matches a bit-by-bit model, a full writer drops writes instead of throwing, and a reader never
/// throws on short or hostile input.
/// </summary>
public sealed class BitPackingTests
{
    /// <summary>One write of the property tests: a width and a value, of which the low <c>Bits</c> bits count.</summary>
    private readonly record struct Field(int Bits, ulong Value)
    {
        public ulong Masked => Bits == 64 ? Value : Value & ((1UL << Bits) - 1);
    }

    private static readonly Gen<Field> AnyField = Gen.Int[0, 64].SelectMany(bits => Gen.Frequency(
            (1, Gen.OneOfConst(0UL, ulong.MaxValue, 1UL << Math.Max(bits - 1, 0))),
            (3, Gen.ULong))
        .Select(value => new Field(bits, value)));

    /// <summary>The layout spelled out bit by bit: what BitWriter must produce.</summary>
    private static byte[] Model(IEnumerable<Field> fields)
    {
        var bits = new List<bool>();
        foreach (Field field in fields)
        {
            for (int i = 0; i < field.Bits; i++)
            {
                bits.Add(((field.Value >> i) & 1) != 0);
            }
        }

        byte[] bytes = new byte[(bits.Count + 7) / 8];
        for (int i = 0; i < bits.Count; i++)
        {
            if (bits[i])
            {
                bytes[i / 8] |= (byte)(1 << (i % 8));
            }
        }

        return bytes;
    }

    [Fact]
    public void The_first_bit_written_is_the_lowest_bit_of_the_first_byte_and_words_are_little_endian()
    {
        byte[] buffer = new byte[16];
        var writer = new BitWriter(buffer);
        writer.WriteBool(true);
        writer.WriteBits(0b101, 3);
        writer.WriteBits(0xA, 4);
        writer.WriteBits(0x123, 12);
        writer.WriteBits(0xF, 4);
        writer.WriteBits(0xDEADBEEF, 32);
        writer.WriteBits(1, 1);

        Assert.Equal(57, writer.BitsWritten);
        Assert.Equal(8, writer.Flush());
        Assert.Equal(new byte[] { 0xAB, 0x23, 0xF1, 0xEF, 0xBE, 0xAD, 0xDE, 0x01 }, buffer[..8]);
        Assert.All(buffer[8..], b => Assert.Equal(0, b));
    }

    [Fact]
    public void Only_the_low_bits_of_a_value_are_written()
    {
        byte[] buffer = new byte[8];
        var writer = new BitWriter(buffer);
        writer.WriteBits(0xFFFF_FFF5, 4);
        writer.WriteUInt64(ulong.MaxValue, 36);
        writer.WriteBits(uint.MaxValue, 0);
        writer.Flush();

        Assert.Equal(40, writer.BitsWritten);
        Assert.Equal(new byte[] { 0xF5, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0 }, buffer);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(31)]
    [InlineData(32)]
    [InlineData(33)]
    public void Every_width_from_0_to_32_round_trips_its_extremes_at_any_bit_offset(int offset)
    {
        byte[] buffer = new byte[1024];
        var writer = new BitWriter(buffer);
        writer.WriteUInt64(0x5555_5555_5555_5555, offset);
        for (int bits = 0; bits <= 32; bits++)
        {
            uint max = (uint)((1UL << bits) - 1);
            writer.WriteBits(0, bits);
            writer.WriteBits(max, bits);
            writer.WriteBits(max / 3, bits);
        }

        writer.Flush();
        var reader = new BitReader(buffer.AsSpan(0, writer.BytesWritten));
        Assert.Equal(0x5555_5555_5555_5555 & ((1UL << offset) - 1), reader.ReadUInt64(offset));
        for (int bits = 0; bits <= 32; bits++)
        {
            uint max = (uint)((1UL << bits) - 1);
            Assert.Equal(0u, reader.ReadBits(bits));
            Assert.Equal(max, reader.ReadBits(bits));
            Assert.Equal(max / 3, reader.ReadBits(bits));
        }

        Assert.Equal(writer.BitsWritten, reader.BitsRead);
        Assert.False(reader.IsOverrun);
    }

    [Fact]
    public void Any_sequence_of_widths_0_to_64_matches_the_bit_by_bit_model_and_reads_back()
    {
        AnyField.Array[0, 40].Sample(
            fields =>
            {
                byte[] buffer = new byte[fields.Length * 8];
                var writer = new BitWriter(buffer);
                foreach (Field field in fields)
                {
                    if (field.Bits <= 32)
                    {
                        writer.WriteBits((uint)field.Value, field.Bits);
                    }
                    else
                    {
                        writer.WriteUInt64(field.Value, field.Bits);
                    }
                }

                int bytes = writer.Flush();
                Assert.Equal(fields.Sum(f => f.Bits), writer.BitsWritten);
                Assert.Equal(Model(fields), buffer[..bytes]);

                var reader = new BitReader(buffer.AsSpan(0, bytes));
                foreach (Field field in fields)
                {
                    Assert.Equal(field.Masked, field.Bits <= 32 ? reader.ReadBits(field.Bits) : reader.ReadUInt64(field.Bits));
                }

                Assert.False(reader.IsOverrun);
                Assert.InRange(reader.BitsRemaining, 0, 7);
            },
            iter: 2_000,
            threads: 1);
    }

    [Fact]
    public void Floats_and_doubles_round_trip_bit_exactly_at_any_alignment()
    {
        Gen.Select(Gens.Float, Gens.Double, Gen.Int[0, 63]).Sample(
            sample =>
            {
                (float single, double dbl, int offset) = sample;
                byte[] buffer = new byte[32];
                var writer = new BitWriter(buffer);
                writer.WriteUInt64(0, offset);
                writer.WriteSingle(single);
                writer.WriteDouble(dbl);
                writer.WriteBool(true);
                writer.Flush();

                var reader = new BitReader(buffer);
                reader.ReadUInt64(offset);
                Assert.Equal(BitConverter.SingleToUInt32Bits(single), BitConverter.SingleToUInt32Bits(reader.ReadSingle()));
                Assert.Equal(BitConverter.DoubleToUInt64Bits(dbl), BitConverter.DoubleToUInt64Bits(reader.ReadDouble()));
                Assert.True(reader.ReadBool());
                Assert.Equal(offset + 97, reader.BitsRead);
            },
            iter: 1_000,
            threads: 1);
    }

    [Fact]
    public void Bytes_at_a_byte_boundary_are_copied_as_they_are_and_any_bytes_round_trip_at_any_offset()
    {
        byte[] payload = [1, 2, 3, 4, 5, 6, 7, 8, 9];
        byte[] aligned = new byte[16];
        var writer = new BitWriter(aligned);
        writer.WriteBits(0xAB, 8);
        writer.WriteBytes(payload);
        writer.WriteBits(0xC, 4);
        writer.Flush();
        Assert.Equal(new byte[] { 0xAB }.Concat(payload).Append((byte)0x0C), aligned[..11]);

        Gen.Select(Gen.Byte.Array[0, 40], Gen.Int[0, 40]).Sample(
            sample =>
            {
                (byte[] bytes, int offset) = sample;
                byte[] buffer = new byte[64];
                var w = new BitWriter(buffer);
                w.WriteUInt64(ulong.MaxValue, offset);
                w.WriteBytes(bytes);
                w.WriteBits(0b10, 2);
                int written = w.Flush();
                Assert.Equal(Model([new Field(offset, ulong.MaxValue), .. bytes.Select(b => new Field(8, b)), new Field(2, 0b10)]), buffer[..written]);

                var reader = new BitReader(buffer.AsSpan(0, written));
                reader.ReadUInt64(offset);
                byte[] back = new byte[bytes.Length];
                Assert.True(reader.TryReadBytes(back));
                Assert.Equal(bytes, back);
                Assert.Equal(0b10u, reader.ReadBits(2));
            },
            iter: 1_000,
            threads: 1);
    }

    [Fact]
    public void Strings_round_trip_keeping_null_apart_from_empty_at_any_offset_and_up_to_their_limit()
    {
        Gen.Select(Gens.NullableText(100), Gen.Int[0, 9]).Sample(
            sample =>
            {
                (string? value, int offset) = sample;
                int maxBytes = value is null ? 0 : Encoding.UTF8.GetByteCount(value); // exactly at the limit
                byte[] buffer = new byte[16 + (2 * 3 * (value?.Length ?? 0))];
                var writer = new BitWriter(buffer);
                writer.WriteBits(0x1FF, offset);
                writer.WriteString(value, maxBytes);
                writer.WriteString(value, 1000);
                writer.WriteBits(0b101, 3);
                writer.Flush();

                var reader = new BitReader(buffer.AsSpan(0, writer.BytesWritten));
                reader.ReadBits(offset);
                Assert.Equal(value, reader.ReadString(maxBytes));
                Assert.Equal(value, reader.ReadString(1000));
                Assert.Equal(0b101u, reader.ReadBits(3));
                Assert.False(reader.IsOverrun || reader.IsInvalid);
            },
            iter: 1_000,
            threads: 1);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 2)]
    [InlineData(2, 2)]
    [InlineData(255, 9)]
    [InlineData(int.MaxValue, 32)]
    public void A_string_length_field_holds_0_to_maxBytes_plus_1(int maxBytes, int lengthBits)
    {
        byte[] buffer = new byte[8];
        var writer = new BitWriter(buffer);
        writer.WriteString(null, maxBytes);
        Assert.Equal(lengthBits, writer.BitsWritten);
        writer.WriteString(string.Empty, maxBytes);
        Assert.Equal(2 * lengthBits, writer.BitsWritten);
    }

    [Fact]
    public void A_long_string_off_a_byte_boundary_round_trips_through_a_rented_buffer()
    {
        string value = string.Concat(Enumerable.Repeat("héllo wörld 🌍 ", 60));
        byte[] buffer = new byte[4096];
        var writer = new BitWriter(buffer);
        writer.WriteBits(1, 3);
        writer.WriteString(value, 2000);
        writer.Flush();

        var reader = new BitReader(buffer);
        Assert.Equal(1u, reader.ReadBits(3));
        Assert.Equal(value, reader.ReadString(2000));
    }

    [Fact]
    public void A_string_over_its_limit_throws_naming_the_limit_and_writes_nothing()
    {
        byte[] buffer = new byte[64];
        var writer = new BitWriter(buffer);
        writer.WriteBits(3, 5);

        ArgumentException error = Assert.Throws<ArgumentException>(() =>
        {
            var w = new BitWriter(buffer);
            w.WriteString("héllo", 5); // 6 UTF-8 bytes
        });
        Assert.Equal("value", error.ParamName);
        Assert.Contains("6 UTF-8 bytes", error.Message, StringComparison.Ordinal);
        Assert.Contains("limit of 5", error.Message, StringComparison.Ordinal);

        Assert.Throws<ArgumentException>(() =>
        {
            var w = new BitWriter(buffer);
            w.WriteString("ab", 1);
        });
        Assert.Throws<ArgumentOutOfRangeException>(() =>
        {
            var w = new BitWriter(buffer);
            w.WriteString("ab", -1);
        });
        Assert.Equal(5, writer.BitsWritten);
    }

    [Theory]
    [InlineData(0, 64)]
    [InlineData(3, 64)]
    [InlineData(3, 4)] // too small for the string as well: the surrogate is still what is reported, not an overflow
    public void A_string_with_an_unpaired_surrogate_throws_and_leaves_the_writer_as_it_was(int offset, int bufferBytes)
    {
        byte[] buffer = new byte[bufferBytes];
        int bitsBefore = -1;
        ArgumentException error = Assert.Throws<ArgumentException>(() =>
        {
            var writer = new BitWriter(buffer);
            writer.WriteBits(0x7, offset);
            bitsBefore = writer.BitsWritten;
            try
            {
                writer.WriteString("ok\uD800ok", 20);
            }
            finally
            {
                Assert.Equal(bitsBefore, writer.BitsWritten);
                Assert.False(writer.IsOverflowed);
            }
        });
        Assert.Contains("surrogate", error.Message, StringComparison.Ordinal);
        Assert.Equal(offset, bitsBefore);
    }

    [Fact]
    public void A_write_past_the_capacity_is_dropped_whole_sets_IsOverflowed_and_drops_every_later_write()
    {
        byte[] backing = Enumerable.Repeat((byte)0xEE, 8).ToArray();
        var writer = new BitWriter(backing.AsSpan(0, 4));
        Assert.Equal(32, writer.CapacityBits);

        writer.WriteBits(0x3FFF_FFFF, 30);
        writer.WriteBits(0b111, 3);
        Assert.True(writer.IsOverflowed);
        Assert.Equal(30, writer.BitsWritten);

        writer.WriteBool(true); // would fit, but the writer has overflowed
        writer.WriteUInt64(1, 1);
        writer.WriteBytes([]);
        writer.WriteString(null, 0);
        Assert.Equal(30, writer.BitsWritten);
        Assert.Equal(4, writer.Flush());
        Assert.InRange(writer.BytesWritten, 0, 4);
        Assert.Equal(new byte[] { 0xFF, 0xFF, 0xFF, 0x3F, 0xEE, 0xEE, 0xEE, 0xEE }, backing);
    }

    [Fact]
    public void Wide_values_bytes_and_strings_that_do_not_fit_are_not_half_written()
    {
        byte[] buffer = new byte[8];
        var writer = new BitWriter(buffer);
        writer.WriteBits(0, 8);
        BitMark start = writer.Mark();

        writer.WriteUInt64(ulong.MaxValue, 57);
        Assert.True(writer.IsOverflowed);
        Assert.Equal(8, writer.BitsWritten);

        writer.Rewind(start);
        writer.WriteBytes(new byte[8]);
        Assert.True(writer.IsOverflowed);
        Assert.Equal(8, writer.BitsWritten);

        writer.Rewind(start);
        writer.WriteString("1234567", 7); // a 4-bit length and 56 bits
        Assert.True(writer.IsOverflowed);
        Assert.Equal(8, writer.BitsWritten);

        writer.Rewind(start);
        writer.WriteString("123456", 7); // a 4-bit length and 48 bits
        Assert.False(writer.IsOverflowed);
        Assert.Equal(60, writer.BitsWritten);
    }

    [Fact]
    public void Writing_exactly_to_the_capacity_is_not_an_overflow()
    {
        byte[] buffer = new byte[9];
        var writer = new BitWriter(buffer);
        writer.WriteBits(0x7F, 7);
        writer.WriteUInt64(ulong.MaxValue, 64);
        writer.WriteBool(true);
        writer.WriteBits(0, 0);

        Assert.False(writer.IsOverflowed);
        Assert.Equal(72, writer.BitsWritten);
        Assert.Equal(9, writer.Flush());
        Assert.Equal(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF }, buffer);
    }

    [Fact]
    public void Rewinding_to_a_mark_drops_what_followed_clears_a_later_overflow_and_allows_writing_again()
    {
        byte[] buffer = new byte[8];
        var writer = new BitWriter(buffer);
        writer.WriteBits(0b1011, 4);
        BitMark mark = writer.Mark();
        Assert.Equal(4, mark.BitsWritten);

        writer.WriteUInt64(ulong.MaxValue, 60); // completes two words into the span
        writer.WriteBool(true);
        Assert.True(writer.IsOverflowed);

        writer.Rewind(mark);
        Assert.False(writer.IsOverflowed);
        Assert.Equal(4, writer.BitsWritten);
        writer.WriteBits(0x1234567, 28);
        writer.WriteBits(0xA, 4);
        int bytes = writer.Flush();

        Assert.Equal(Model([new Field(4, 0b1011), new Field(28, 0x1234567), new Field(4, 0xA)]), buffer[..bytes]);
    }

    [Fact]
    public void A_mark_taken_after_an_overflow_keeps_it_and_a_default_mark_goes_back_to_the_start()
    {
        byte[] buffer = new byte[2];
        var writer = new BitWriter(buffer);
        writer.WriteBits(0xFFFF, 16);
        writer.WriteBool(true);
        BitMark overflowed = writer.Mark();
        writer.Rewind(overflowed);
        Assert.True(writer.IsOverflowed);

        writer.Rewind(default);
        Assert.False(writer.IsOverflowed);
        Assert.Equal(0, writer.BitsWritten);
        writer.WriteBits(0x5, 3);
        Assert.Equal(1, writer.Flush());
        Assert.Equal(0x5, buffer[0]);
    }

    [Fact]
    public void A_mark_from_a_larger_writer_is_refused()
    {
        byte[] large = new byte[16];
        var other = new BitWriter(large);
        other.WriteUInt64(0, 64);
        other.WriteBool(false);
        BitMark foreign = other.Mark();

        ArgumentException error = Assert.Throws<ArgumentException>(() =>
        {
            var writer = new BitWriter(new byte[8]);
            writer.Rewind(foreign);
        });
        Assert.Equal("mark", error.ParamName);
    }

    [Fact]
    public void Widths_out_of_range_throw_naming_the_width()
    {
        Assert.Equal("bits", Assert.Throws<ArgumentOutOfRangeException>(() => new BitWriter(new byte[8]).WriteBits(0, 33)).ParamName);
        Assert.Equal("bits", Assert.Throws<ArgumentOutOfRangeException>(() => new BitWriter(new byte[8]).WriteBits(0, -1)).ParamName);
        Assert.Equal("bits", Assert.Throws<ArgumentOutOfRangeException>(() => new BitWriter(new byte[8]).WriteUInt64(0, 65)).ParamName);
        Assert.Equal("bits", Assert.Throws<ArgumentOutOfRangeException>(() => new BitReader(new byte[8]).ReadBits(33)).ParamName);
        Assert.Equal("bits", Assert.Throws<ArgumentOutOfRangeException>(() => new BitReader(new byte[8]).ReadUInt64(-1)).ParamName);
    }

    [Fact]
    public void Reading_past_the_end_returns_zero_sets_IsOverrun_consumes_nothing_and_fails_every_later_read()
    {
        byte[] input = [0xFF, 0xFF, 0xFF];
        var reader = new BitReader(input);
        Assert.Equal(0x1FFu, reader.ReadBits(9));

        Assert.Equal(0u, reader.ReadBits(16)); // 15 bits left
        Assert.True(reader.IsOverrun);
        Assert.False(reader.IsInvalid);
        Assert.Equal(9, reader.BitsRead);
        Assert.Equal(0, reader.BitsRemaining);

        // Bits are left in the input, but the reader stays failed.
        Assert.False(reader.ReadBool());
        Assert.Equal(0u, reader.ReadBits(1));
        Assert.Equal(0f, reader.ReadSingle());
        Assert.Equal(0d, reader.ReadDouble());
        Assert.Null(reader.ReadString(10));
        Assert.Equal(0u, reader.ReadRelative(123, 20));
        Assert.Equal(9, reader.BitsRead);
    }

    [Fact]
    public void A_64_bit_read_the_input_holds_only_part_of_reads_none_of_it()
    {
        var reader = new BitReader(new byte[7]);
        Assert.Equal(0UL, reader.ReadUInt64(57));
        Assert.True(reader.IsOverrun);
        Assert.Equal(0, reader.BitsRead);
    }

    [Fact]
    public void Reading_bytes_past_the_end_returns_false_and_clears_the_destination()
    {
        var reader = new BitReader([1, 2, 3]);
        reader.ReadBits(4);
        byte[] destination = [9, 9, 9];
        Assert.False(reader.TryReadBytes(destination));
        Assert.Equal(new byte[3], destination);
        Assert.True(reader.IsOverrun);
        Assert.True(reader.TryReadBytes([]));
    }

    [Fact]
    public void An_empty_input_reads_zero_width_values_without_failing_and_anything_else_as_an_overrun()
    {
        var reader = new BitReader([]);
        Assert.Equal(0u, reader.ReadBits(0));
        Assert.Equal(0UL, reader.ReadUInt64(0));
        Assert.False(reader.IsOverrun);
        Assert.False(reader.ReadBool());
        Assert.True(reader.IsOverrun);
    }

    [Fact]
    public void A_string_longer_than_its_limit_reads_as_null_and_sets_IsInvalid()
    {
        // maxBytes 10: a 4-bit length field, which can declare up to 14 bytes.
        byte[] buffer = new byte[32];
        var writer = new BitWriter(buffer);
        writer.WriteBits(11 + 1, 4);
        writer.WriteBytes(Encoding.UTF8.GetBytes("abcdefghijk"));
        writer.Flush();

        var reader = new BitReader(buffer);
        Assert.Null(reader.ReadString(10));
        Assert.True(reader.IsInvalid);
        Assert.False(reader.IsOverrun);
        Assert.Equal(0u, reader.ReadBits(8));
        Assert.False(reader.IsOverrun);
    }

    [Fact]
    public void A_string_longer_than_the_input_reads_as_null_and_sets_IsOverrun()
    {
        byte[] buffer = new byte[8];
        var writer = new BitWriter(buffer);
        writer.WriteBits(8 + 1, 7); // maxBytes 100: 7 bits
        writer.WriteBytes("abcdefg"u8);
        writer.Flush();

        var reader = new BitReader(buffer);
        Assert.Null(reader.ReadString(100));
        Assert.True(reader.IsOverrun);
        Assert.Equal(7, reader.BitsRead);
    }

    [Theory]
    [InlineData(new byte[] { 0xFF })]
    [InlineData(new byte[] { 0xC0, 0x80 })] // overlong NUL
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })] // a surrogate encoded as UTF-8
    [InlineData(new byte[] { (byte)'a', 0xE2, 0x82 })] // cut short
    public void A_string_that_is_not_UTF8_reads_as_null_and_sets_IsInvalid(byte[] bytes)
    {
        foreach (int offset in new[] { 0, 3 })
        {
            byte[] buffer = new byte[16];
            var writer = new BitWriter(buffer);
            writer.WriteBits(0, offset);
            writer.WriteBits((uint)bytes.Length + 1, Quantization.BitsFor(32 + 1));
            writer.WriteBytes(bytes);
            writer.Flush();

            var reader = new BitReader(buffer);
            reader.ReadBits(offset);
            Assert.Null(reader.ReadString(32));
            Assert.True(reader.IsInvalid);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (string? Value, bool Overrun) ReadHostileString(byte[] input)
    {
        var reader = new BitReader(input);
        return (reader.ReadString(int.MaxValue - 1), reader.IsOverrun);
    }

    [Fact]
    public void A_huge_declared_string_length_is_refused_before_anything_is_allocated()
    {
        byte[] input = new byte[64];
        var writer = new BitWriter(input);
        writer.WriteBits(1u << 30, 31); // maxBytes int.MaxValue - 1: a 31-bit length field declaring 1 GiB
        writer.Flush();
        ReadHostileString(input);

        long before = GC.GetAllocatedBytesForCurrentThread();
        (string? value, bool overrun) = ReadHostileString(input);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Null(value);
        Assert.True(overrun);
        Assert.InRange(allocated, 0, 99);
    }

    [Fact]
    public void Reading_anything_from_random_bytes_never_throws_and_never_passes_the_end()
    {
        Gen.Select(Gen.Byte.Array[0, 24], Gen.Int[0, 9].Array[1, 30], Gen.UInt).Sample(
            sample =>
            {
                (byte[] input, int[] ops, uint seed) = sample;
                var reader = new BitReader(input);
                byte[] raw = new byte[4];
                foreach (int op in ops)
                {
                    int bits = (int)(seed % 33);
                    seed = (seed * 1_664_525) + 1_013_904_223;
                    switch (op)
                    {
                        case 0: Assert.InRange(reader.ReadBits(bits), 0u, (uint)((1UL << bits) - 1)); break;
                        case 1: reader.ReadBool(); break;
                        case 2: reader.ReadUInt64(bits * 2); break;
                        case 3: reader.ReadSingle(); break;
                        case 4: reader.ReadDouble(); break;
                        case 5: reader.TryReadBytes(raw.AsSpan(0, bits % 5)); break;
                        case 6: reader.ReadString(bits); break;
                        case 7: reader.ReadString(int.MaxValue - (int)(seed % 1000)); break;
                        case 8: Assert.InRange(reader.ReadRelative(seed, bits), 0u, (uint)((1UL << bits) - 1)); break;
                        default: Quantization.ReadQuaternion(ref reader, 2 + (bits % 23)); break; // 2 to 24 bits
                    }

                    Assert.InRange(reader.BitsRead + reader.BitsRemaining, 0, input.Length * 8);
                    if (!reader.IsOverrun && !reader.IsInvalid)
                    {
                        Assert.Equal(input.Length * 8, reader.BitsRead + reader.BitsRemaining);
                    }
                }
            },
            iter: 3_000,
            threads: 1);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ulong WriteAndReadMixedValues(byte[] buffer, int count)
    {
        var writer = new BitWriter(buffer);
        Span<byte> raw = stackalloc byte[3];
        for (int i = 0; i < count; i++)
        {
            uint n = (uint)i;
            switch (i % 10)
            {
                case 0: writer.WriteBits(n, 13); break;
                case 1: writer.WriteBool((i & 1) != 0); break;
                case 2: writer.WriteUInt64(((ulong)n << 30) | n, 50); break;
                case 3: writer.WriteSingle(i * 0.25f); break;
                case 4: writer.WriteDouble(i * 0.5); break;
                case 5: writer.WriteRelative(n + 3, n, 20); break;
                case 6: writer.WriteBits(Quantization.Quantize(i * 0.1f, -512, 512, 1f / 512, out _), 20); break;
                case 7: Quantization.WriteQuaternion(ref writer, new System.Numerics.Quaternion(0.1f, i, 0.3f, 1), 9); break;
                case 8: raw.Fill((byte)i); writer.WriteBytes(raw); break;
                default: writer.WriteString(null, 30); break;
            }
        }

        int bytes = writer.Flush();
        var reader = new BitReader(buffer.AsSpan(0, bytes));
        ulong checksum = 0;
        for (int i = 0; i < count; i++)
        {
            checksum += (i % 10) switch
            {
                0 => reader.ReadBits(13),
                1 => reader.ReadBool() ? 1UL : 0,
                2 => reader.ReadUInt64(50),
                3 => (ulong)reader.ReadSingle(),
                4 => (ulong)reader.ReadDouble(),
                5 => reader.ReadRelative((uint)i, 20),
                6 => (ulong)Quantization.Dequantize(reader.ReadBits(20), -512, 512, 1f / 512),
                7 => (ulong)(Quantization.ReadQuaternion(ref reader, 9).W * 100),
                8 => reader.TryReadBytes(raw) ? raw[0] : 0UL,
                _ => reader.ReadString(30) is null ? 1UL : 0,
            };
        }

        return reader.IsOverrun || reader.IsInvalid ? 0 : checksum;
    }

    [Fact]
    public void Writing_and_reading_a_thousand_mixed_values_allocates_nothing()
    {
        byte[] buffer = new byte[16 * 1024];
        ulong expected = WriteAndReadMixedValues(buffer, 1_000);
        for (int round = 0; round < 30; round++)
        {
            WriteAndReadMixedValues(buffer, 1_000);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        ulong checksum = WriteAndReadMixedValues(buffer, 1_000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.NotEqual(0UL, expected);
        Assert.Equal(expected, checksum);
        Assert.Equal(0, allocated);
    }
}
