using CsCheck;

namespace Travelers.Runtime.Tests.Replication;

/// <summary>
/// WriteRelative/ReadRelative: every width 0..32 round-trips every value against every baseline, small changes
/// cost what the documentation says, and hostile input still reads as a value of the right width.
/// </summary>
public sealed class BitRelativeTests
{
    private static uint Mask(int bits) => (uint)((1UL << bits) - 1);

    /// <summary>Writes one value relative to a baseline and reads it back; returns the bits it took.</summary>
    private static int RoundTrip(uint value, uint baseline, int bits, int offset = 0)
    {
        byte[] buffer = new byte[16];
        var writer = new BitWriter(buffer);
        writer.WriteUInt64(0x2A, offset);
        writer.WriteRelative(value, baseline, bits);
        writer.WriteBits(0b1101, 4);
        writer.Flush();
        int cost = writer.BitsWritten - offset - 4;
        Assert.False(writer.IsOverflowed);
        Assert.Equal(BitWriter.GetRelativeBitCount(value, baseline, bits), cost);

        var reader = new BitReader(buffer.AsSpan(0, writer.BytesWritten));
        reader.ReadUInt64(offset);
        Assert.Equal(value & Mask(bits), reader.ReadRelative(baseline, bits));
        Assert.Equal(0b1101u, reader.ReadBits(4));
        Assert.False(reader.IsOverrun);
        return cost;
    }

    [Theory]
    [InlineData(20, 3, 5)]
    [InlineData(20, 0, 5)]
    [InlineData(20, 7, 5)]
    [InlineData(20, -8, 5)]
    [InlineData(20, 8, 9)]
    [InlineData(20, -9, 9)]
    [InlineData(20, 63, 9)]
    [InlineData(20, -64, 9)]
    [InlineData(20, 64, 14)]
    [InlineData(20, -65, 14)]
    [InlineData(20, 1023, 14)]
    [InlineData(20, -1024, 14)]
    [InlineData(20, 1024, 23)]
    [InlineData(20, -1025, 23)]
    [InlineData(32, 5000, 35)]
    [InlineData(32, -1, 5)]
    [InlineData(15, 2000, 18)]
    [InlineData(15, -1024, 14)]
    [InlineData(14, -8, 5)]
    [InlineData(14, 63, 9)]
    [InlineData(14, 64, 16)]
    [InlineData(10, 7, 5)]
    [InlineData(10, 64, 12)]
    [InlineData(9, 7, 5)]
    [InlineData(9, 8, 10)]
    [InlineData(6, -8, 5)]
    [InlineData(6, 8, 7)]
    [InlineData(5, 0, 5)]
    [InlineData(5, 1, 5)]
    [InlineData(1, 1, 1)]
    [InlineData(0, 0, 0)]
    public void A_change_costs_the_documented_bits(int bits, int delta, int expectedCost)
    {
        uint baseline = (uint)(1UL << Math.Max(bits - 1, 0)) + 1;
        uint value = (uint)(baseline + delta) & Mask(bits);
        Assert.Equal(expectedCost, RoundTrip(value, baseline & Mask(bits), bits));
    }

    [Fact]
    public void A_change_that_wraps_around_the_width_is_small()
    {
        uint max = Mask(20);
        Assert.Equal(5, RoundTrip(0, max, 20));
        Assert.Equal(5, RoundTrip(max, 0, 20));
        Assert.Equal(5, RoundTrip(uint.MaxValue, 0, 32));
        Assert.Equal(5, RoundTrip(2, uint.MaxValue - 1, 32));
        Assert.Equal(35, RoundTrip(1u << 31, 0, 32));
    }

    [Fact]
    public void Every_width_round_trips_the_edge_values_against_edge_baselines_at_any_alignment()
    {
        var random = new Random(20);
        for (int bits = 0; bits <= 32; bits++)
        {
            uint max = Mask(bits);
            uint[] baselines = [0, 1, max, max - 1, max / 2, (max / 2) + 1, (uint)random.NextInt64(0, (long)max + 1)];
            foreach (uint baseline in baselines)
            {
                int[] deltas = [0, 1, -1, 7, -8, 8, -9, 63, -64, 64, -65, 1023, -1024, 1024, -1025, 1 << 20, int.MinValue, int.MaxValue];
                var values = deltas.Select(d => (uint)(baseline + d)).Concat([0u, max, (uint)random.NextInt64(0, (long)max + 1)]);
                foreach (uint value in values)
                {
                    int cost = RoundTrip(value & max, baseline & max, bits, offset: (int)(value % 37));
                    Assert.InRange(cost, 0, bits + 3);
                }
            }
        }
    }

    [Fact]
    public void Any_sequence_of_relative_values_round_trips()
    {
        Gen<(int Bits, uint Value, uint Baseline)> one = Gen.Int[0, 32].SelectMany(bits => Gen.Select(
            Gen.UInt,
            Gen.UInt,
            Gen.Int[-2000, 2000],
            Gen.Bool,
            (value, baseline, delta, near) => (bits, (near ? baseline + (uint)delta : value) & Mask(bits), baseline)));
        one.Array[1, 20].Sample(
            items =>
            {
                byte[] buffer = new byte[items.Length * 5];
                var writer = new BitWriter(buffer);
                foreach ((int bits, uint value, uint baseline) in items)
                {
                    writer.WriteRelative(value, baseline, bits);
                }

                Assert.Equal(items.Sum(i => BitWriter.GetRelativeBitCount(i.Value, i.Baseline, i.Bits)), writer.BitsWritten);
                writer.Flush();
                var reader = new BitReader(buffer.AsSpan(0, writer.BytesWritten));
                foreach ((int bits, uint value, uint baseline) in items)
                {
                    Assert.Equal(value, reader.ReadRelative(baseline, bits));
                }

                Assert.False(reader.IsOverrun);
            },
            iter: 2_000,
            threads: 1);
    }

    [Fact]
    public void Bits_of_the_value_above_its_width_are_ignored()
    {
        byte[] buffer = new byte[16];
        var writer = new BitWriter(buffer);
        writer.WriteRelative(0xFFFF_0003, 0xABCD_0001, 16); // +2
        writer.WriteRelative(0xFFFF_FF00, 0, 12); // -256: the escape
        writer.WriteRelative(0xFFFF_FFF3, 0, 4); // raw
        Assert.Equal(5 + 14 + 4, writer.BitsWritten);
        writer.Flush();

        var reader = new BitReader(buffer);
        Assert.Equal(3u, reader.ReadRelative(0x0001, 16));
        Assert.Equal(0xF00u, reader.ReadRelative(0, 12));
        Assert.Equal(3u, reader.ReadRelative(0, 4));
    }

    [Fact]
    public void A_value_that_does_not_fit_is_dropped_whole()
    {
        byte[] buffer = new byte[4];
        var writer = new BitWriter(buffer);
        writer.WriteBits(0, 8);
        writer.WriteRelative(1u << 31, 0, 32); // 35 bits
        Assert.True(writer.IsOverflowed);
        Assert.Equal(8, writer.BitsWritten);
    }

    [Fact]
    public void Hostile_input_reads_as_a_value_of_the_width_and_never_throws()
    {
        Gen.Select(Gen.Byte.Array[0, 12], Gen.Int[0, 32], Gen.UInt).Sample(
            sample =>
            {
                (byte[] input, int bits, uint baseline) = sample;
                var reader = new BitReader(input);
                for (int i = 0; i < 8; i++)
                {
                    uint value = reader.ReadRelative(baseline, bits);
                    Assert.InRange(value, 0u, Mask(bits));
                    if (reader.IsOverrun)
                    {
                        Assert.Equal(0u, value);
                    }
                }
            },
            iter: 5_000,
            threads: 1);
    }

    [Fact]
    public void A_width_out_of_range_throws_naming_it()
    {
        Assert.Equal("bits", Assert.Throws<ArgumentOutOfRangeException>(() => new BitWriter(new byte[8]).WriteRelative(0, 0, 33)).ParamName);
        Assert.Equal("bits", Assert.Throws<ArgumentOutOfRangeException>(() => new BitReader(new byte[8]).ReadRelative(0, -1)).ParamName);
        Assert.Equal("bits", Assert.Throws<ArgumentOutOfRangeException>(() => BitWriter.GetRelativeBitCount(0, 0, 40)).ParamName);
    }
}
