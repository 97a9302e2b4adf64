using System.Buffers;
using System.Text;
using CsCheck;

namespace Travelers.Runtime.Tests;

/// <summary>
/// Property-based round trips (CsCheck): whatever the generator draws — NaNs with payloads, -0.0,
/// infinities, integer extremes, null versus empty, surrogate pairs, strings exactly at their
/// limit — comes back deep- and bit-equal.
/// </summary>
public sealed class PropertyRoundTripTests
{
    private const long Iterations = 1_000;

    private static void RoundTrips<T>(Gen<T> gen, long iter = Iterations)
        where T : INetMessage<T>
    {
        gen.Sample(
            value =>
            {
                byte[] bytes = NetSerializer.Serialize(in value);
                T back = NetSerializer.Deserialize<T>(bytes);
                Deep.Equal(value, back);
                Assert.Equal(bytes, NetSerializer.Serialize(in back)); // canonical: the same value, the same bytes
                Assert.True(NetSerializer.TryDeserialize<T>(bytes, out T? again));
                Deep.Equal(value, again);
            },
            iter: iter,
            threads: 1);
    }

    [Fact]
    public void Every_primitive_round_trips_bit_exactly() => RoundTrips(Gens.AllPrimitives);

    [Fact]
    public void Block_copied_struct_fields_round_trip_bit_exactly() => RoundTrips(Gens.PrimitiveStruct);

    [Fact]
    public void Enums_of_every_width_round_trip_any_underlying_value() => RoundTrips(Gens.EnumMessage);

    [Fact]
    public void VarInt_members_round_trip_their_whole_range() => RoundTrips(Gens.VarInts);

    [Fact]
    public void Vectors_quaternions_guids_datetimes_of_any_kind_and_timespans_round_trip() => RoundTrips(Gens.Spatial);

    [Fact]
    public void Collections_round_trip_keeping_null_apart_from_empty() => RoundTrips(Gens.Collections, 500);

    [Fact]
    public void Records_with_limited_strings_round_trip_up_to_and_at_their_limit() => RoundTrips(Gens.ChatLine);

    [Fact]
    public void MaxLength_members_round_trip_up_to_and_at_their_limit() => RoundTrips(Gens.Strings);

    [Fact]
    public void Snapshots_of_primitives_vectors_and_nested_structs_round_trip() => RoundTrips(Gens.Snapshot);

    [Fact]
    public void Recursive_classes_with_collections_round_trip() => RoundTrips(Gens.Bag(3), 500);

    [Fact]
    public void Record_structs_readonly_structs_and_init_only_members_round_trip()
    {
        RoundTrips(Gen.Select(Gens.Int, Gens.Int, Gens.NullableText(10), (x, y, label) => new GridPoint(x, y, label)));
        RoundTrips(Gen.Select(Gens.Long, Gens.Text(3), (units, currency) => new Money(units, currency)));
        RoundTrips(Gen.Select(Gens.Text(20), Gens.Int, Gens.Int, Gens.Float, (name, volume, level, gamma) => new Settings { Name = name, Volume = volume, Level = level, Gamma = gamma }));
    }

    [Fact]
    public void Any_string_round_trips_exactly_when_it_is_well_formed_utf16()
    {
        var strict = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        Gen<string> anyChars = Gen.Frequency((3, Gens.Text(24)), (1, Gens.Char.Array[0, 12].Select(chars => new string(chars))));
        anyChars.Sample(
            value =>
            {
                bool wellFormed;
                try
                {
                    strict.GetByteCount(value);
                    wellFormed = true;
                }
                catch (EncoderFallbackException)
                {
                    wellFormed = false;
                }

                var buffer = new ArrayBufferWriter<byte>();
                var writer = new NetWriter(buffer);
                if (!wellFormed)
                {
                    try
                    {
                        writer.WriteString(value);
                        Assert.Fail("a string with a lone surrogate was written");
                    }
                    catch (NetSerializationException)
                    {
                    }

                    return;
                }

                writer.WriteString(value);
                writer.Flush();
                Assert.Equal(Bytes.Concat(Bytes.VarUInt((ulong)strict.GetByteCount(value) + 1), strict.GetBytes(value)), buffer.WrittenSpan.ToArray());
                var reader = new NetReader(buffer.WrittenSpan);
                Assert.Equal(value, reader.ReadString());
                Assert.Equal(0, reader.Remaining);
            },
            iter: 3_000,
            threads: 1);
    }

    [Fact]
    public void Varints_round_trip_every_value_in_the_fewest_bytes()
    {
        Gen.Select(Gens.ULong, Gens.Long).Sample(
            (u, s) =>
            {
                byte[] bytes = new byte[30];
                var writer = new NetWriter(bytes);
                writer.WriteVarUInt64(u);
                writer.WriteVarInt64(s);
                writer.WriteVarUInt32((uint)u);
                writer.WriteVarInt32((int)s);
                int length = (int)writer.BytesWritten;
                ulong zigzag = (ulong)((s << 1) ^ (s >> 63));
                Assert.Equal(
                    Bytes.Concat(Bytes.VarUInt(u), Bytes.VarUInt(zigzag), Bytes.VarUInt((uint)u), Bytes.VarUInt((uint)(((int)s << 1) ^ ((int)s >> 31)))),
                    bytes.AsSpan(0, length).ToArray());

                var reader = new NetReader(bytes.AsSpan(0, length));
                Assert.Equal(u, reader.ReadVarUInt64());
                Assert.Equal(s, reader.ReadVarInt64());
                Assert.Equal((uint)u, reader.ReadVarUInt32());
                Assert.Equal((int)s, reader.ReadVarInt32());
                Assert.Equal(0, reader.Remaining);
            },
            iter: 5_000,
            threads: 1);
    }

    [Fact]
    public void Any_message_written_through_tiny_spans_has_the_same_bytes()
    {
        Gen.Select(Gens.Bag(2), Gen.Int[1, 9]).Sample(
            (bag, chunk) =>
            {
                var chunked = new ChunkedBufferWriter(chunk);
                NetSerializer.Serialize(chunked, bag);
                Assert.Equal(NetSerializer.Serialize(bag), chunked.WrittenBytes);
            },
            iter: 300,
            threads: 1);
    }
}
