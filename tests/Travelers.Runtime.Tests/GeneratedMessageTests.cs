using System.Buffers;
using System.Numerics;
using System.Text;

namespace Travelers.Runtime.Tests;

/// <summary>The generator's serializers for every member kind and declaration form, checked by round trip and byte by byte.</summary>
public sealed class GeneratedMessageTests
{
    private static int PackedSizeOf<T>()
        where T : INetMessage<T> => T.PackedSize;

    private static ulong IdOf<T>()
        where T : INetMessage<T> => T.MessageId;

    private static string SchemaOf<T>()
        where T : INetMessage<T> => T.MessageSchema;

    private delegate void WriteAction(ref NetWriter writer);

    private static byte[] Expected(WriteAction write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new NetWriter(buffer);
        write(ref writer);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    [Fact]
    public void Every_primitive_round_trips_at_its_extremes_and_at_default()
    {
        AllPrimitives max = Samples.MaxPrimitives();
        byte[] bytes = NetSerializer.Serialize(max);

        Assert.Equal(1 + 1 + 1 + 2 + 2 + 2 + 4 + 4 + 8 + 8 + 16 + 16 + 2 + 4 + 8 + 16, bytes.Length);
        Deep.Equal(max, NetSerializer.Deserialize<AllPrimitives>(bytes));
        Deep.Equal(new AllPrimitives(), Bytes.RoundTrip(new AllPrimitives()));
    }

    [Fact]
    public void A_struct_whose_field_runs_are_block_copied_writes_exactly_the_member_by_member_bytes()
    {
        PrimitiveStruct value = Samples.PrimitiveStruct();
        byte[] expected = Expected((ref NetWriter w) =>
        {
            w.WriteInt32(value.A);
            w.WriteInt64(value.B);
            w.WriteBoolean(value.Flag);
            w.WriteUInt16(value.C);
            w.WriteChar(value.Ch);
            w.WriteSingle(value.F32);
            w.WriteDouble(value.F64);
            w.WriteHalf(value.F16);
            w.WriteByte(value.U8);
            w.WriteSByte(value.I8);
            w.WriteUInt32(value.U32);
            w.WriteUInt64(value.U64);
            w.WriteInt16(value.I16);
            w.WriteDecimal(value.Dec);
            w.WriteInt128(value.I128);
            w.WriteUInt128(value.U128);
            w.WriteDateTime(value.When);
            w.WriteGuid(value.Id);
        });

        byte[] bytes = NetSerializer.Serialize(value);

        Assert.Equal(Bytes.Hex(expected), Bytes.Hex(bytes));
        Deep.Equal(value, NetSerializer.Deserialize<PrimitiveStruct>(bytes));
    }

    [Fact]
    public void Enums_use_their_underlying_width_or_a_varint_and_undefined_values_survive()
    {
        var value = new EnumMessage
        {
            Color = (Color)99,
            Small = SmallEnum.Max,
            Signed = SignedSmallEnum.Min,
            Big = BigEnum.Min,
            Short = ShortEnum.Min,
            VarBig = BigEnum.Zero,
            VarColor = Color.Blue,
            VarShort = (ShortEnum)(-1),
        };
        byte[] expected = Expected((ref NetWriter w) =>
        {
            w.WriteInt32(99);
            w.WriteByte(255);
            w.WriteSByte(sbyte.MinValue);
            w.WriteInt64(long.MinValue);
            w.WriteInt16(short.MinValue);
            w.WriteVarInt64(0);
            w.WriteVarInt32(2);
            w.WriteVarInt32(-1);
        });

        byte[] bytes = NetSerializer.Serialize(value);

        Assert.Equal(Bytes.Hex(expected), Bytes.Hex(bytes));
        Assert.Equal(4 + 1 + 1 + 8 + 2 + 1 + 1 + 1, bytes.Length);
        Deep.Equal(value, NetSerializer.Deserialize<EnumMessage>(bytes));
        var extremes = value with { VarBig = BigEnum.Min, VarColor = (Color)int.MinValue, VarShort = ShortEnum.Max };
        Deep.Equal(extremes, Bytes.RoundTrip(extremes));
    }

    [Fact]
    public void VarInt_members_take_one_byte_when_small_and_round_trip_their_extremes()
    {
        var small = new VarInts { I16 = -1, U16 = 1, Ch = 'A', I32 = -64, U32 = 127, I64 = 63, U64 = 0 };
        byte[] bytes = NetSerializer.Serialize(small);
        Assert.Equal("01" + "01" + "41" + "7F" + "7F" + "7E" + "00", Bytes.Hex(bytes));
        Deep.Equal(small, NetSerializer.Deserialize<VarInts>(bytes));

        var max = new VarInts { I16 = short.MinValue, U16 = ushort.MaxValue, Ch = '\uFFFF', I32 = int.MinValue, U32 = uint.MaxValue, I64 = long.MinValue, U64 = ulong.MaxValue };
        Deep.Equal(max, Bytes.RoundTrip(max));
    }

    [Fact]
    public void An_array_of_structs_with_small_VarInt_members_round_trips()
    {
        // Each element takes 7 bytes on the wire; the reader must not assume the fixed widths (30 bytes)
        // when checking that the count fits in the input.
        var holder = new VarIntsHolder { Items = Enumerable.Range(0, 10).Select(i => new VarInts { I32 = i, U64 = (ulong)i }).ToArray() };
        byte[] bytes = NetSerializer.Serialize(holder);
        Assert.Equal(1 + (10 * 7), bytes.Length);

        Deep.Equal(holder, NetSerializer.Deserialize<VarIntsHolder>(bytes));
    }

    [Theory]
    [InlineData(DateTimeKind.Utc)]
    [InlineData(DateTimeKind.Local)]
    [InlineData(DateTimeKind.Unspecified)]
    public void Vectors_quaternions_guids_times_round_trip_with_exact_float_bits_and_datetime_kind(DateTimeKind kind)
    {
        Spatial value = Samples.Spatial(kind);
        byte[] bytes = NetSerializer.Serialize(value);
        Assert.Equal(8 + 12 + 16 + 16 + 16 + 8 + 8, bytes.Length);

        Spatial back = NetSerializer.Deserialize<Spatial>(bytes);

        Deep.Equal(value, back);
        Assert.Equal(kind, back.When.Kind);
    }

    [Fact]
    public void Every_collection_shape_round_trips_with_its_contents()
    {
        Collections value = Samples.FullCollections();
        Deep.Equal(value, Bytes.RoundTrip(value));
    }

    [Fact]
    public void Empty_collections_stay_empty_and_null_ones_stay_null()
    {
        Collections empty = Bytes.RoundTrip(Samples.EmptyCollections());
        Deep.Equal(Samples.EmptyCollections(), empty);
        Assert.NotNull(empty.Ints);
        Assert.Empty(empty.Ints);
        Assert.NotNull(empty.Counts);
        Assert.NotNull(empty.Set);
        Assert.NotNull(empty.Bytes);
        Assert.NotNull(empty.Jagged);
        Assert.NotNull(empty.PackedItems);

        Collections nulls = Bytes.RoundTrip(new Collections());
        Assert.Null(nulls.Ints);
        Assert.Null(nulls.Strings);
        Assert.Null(nulls.Floats);
        Assert.Null(nulls.Counts);
        Assert.Null(nulls.Set);
        Assert.Null(nulls.Bytes);
        Assert.Null(nulls.Jagged);
        Assert.Null(nulls.PackedItems);
        Assert.Null(nulls.Child);
        Assert.Null(nulls.MaybeInt);
        Assert.Null(nulls.MaybePacked);
        Assert.Null(nulls.Nested);
        Assert.True(nulls.Memory.IsEmpty);
    }

    [Fact]
    public void Arrays_of_packed_structs_are_the_concatenated_element_bytes_with_and_without_memory_padding()
    {
        Assert.Equal(12, PackedSizeOf<Packed>());
        Assert.Equal(12, PackedSizeOf<Padded>());
        Assert.Equal(0, PackedSizeOf<PrimitiveStruct>()); // a bool breaks the run
        Assert.Equal(0, PackedSizeOf<VarInts>()); // varints are not fixed-width

        Packed[] packed = [new Packed { A = 1, B = 2, C = 3, D = 4 }, new Packed { A = -1, B = Samples.NaNWithPayload, C = -3, D = 65535 }];
        Padded[] padded = [new Padded { A = long.MinValue, B = 1 }, new Padded { A = 2, B = int.MinValue }];
        var value = new Collections { PackedItems = packed, PaddedItems = padded, PackedList = packed.ToList() };
        byte[] expected = Expected((ref NetWriter w) =>
        {
            for (int i = 0; i < 9; i++)
            {
                w.WriteCount(-1); // Ints .. Bytes are null
            }

            w.WriteCount(0); // Memory: a ReadOnlyMemory<byte> is never null, default is empty
            for (int i = 0; i < 3; i++)
            {
                w.WriteCount(-1); // Jagged, JaggedStrings, JaggedBytes
            }

            w.WriteCount(2);
            foreach (Packed p in packed)
            {
                w.WriteInt32(p.A);
                w.WriteSingle(p.B);
                w.WriteInt16(p.C);
                w.WriteUInt16(p.D);
            }

            w.WriteCount(2);
            foreach (Padded p in padded)
            {
                w.WriteInt64(p.A);
                w.WriteInt32(p.B);
            }

            w.WriteCount(2);
            foreach (Packed p in packed)
            {
                w.WriteInt32(p.A);
                w.WriteSingle(p.B);
                w.WriteInt16(p.C);
                w.WriteUInt16(p.D);
            }
        });

        byte[] bytes = NetSerializer.Serialize(value);

        Assert.Equal(Bytes.Hex(expected), Bytes.Hex(bytes.AsSpan(0, expected.Length)));
        Deep.Equal(value, NetSerializer.Deserialize<Collections>(bytes));
    }

    [Fact]
    public void Nested_class_messages_carry_a_presence_byte_and_nullable_values_too()
    {
        var present = new ErrorProbe { First = 1, Name = "n", Last = 2, Child = new Child { Name = "c", Value = 3 } };
        var absent = new ErrorProbe { First = 1, Name = "n", Last = 2, Child = null };

        byte[] withChild = NetSerializer.Serialize(present);
        byte[] without = NetSerializer.Serialize(absent);

        Assert.Equal(0, without[^1]);
        Assert.Equal(Bytes.Hex(without.AsSpan(0, without.Length - 1)) + "01" + "0263" + "03000000", Bytes.Hex(withChild));
        Deep.Equal(present, NetSerializer.Deserialize<ErrorProbe>(withChild));
        Assert.Null(NetSerializer.Deserialize<ErrorProbe>(without).Child);
    }

    [Fact]
    public void A_presence_byte_other_than_0_or_1_is_refused()
    {
        byte[] bytes = NetSerializer.Serialize(new ErrorProbe { Child = null });
        bytes[^1] = 2;
        NetSerializationException error = Assert.Throws<NetSerializationException>(() => NetSerializer.Deserialize<ErrorProbe>(bytes));
        Assert.Equal("Child", error.Member);
        Assert.Equal(bytes.Length - 1, error.Offset);
    }

    [Fact]
    public void A_recursive_message_round_trips_a_chain_of_nodes()
    {
        var head = new Node { Value = 0 };
        Node tail = head;
        for (int i = 1; i < 20; i++)
        {
            tail.Next = new Node { Value = i };
            tail = tail.Next;
        }

        Deep.Equal(head, Bytes.RoundTrip(head));
    }

    [Fact]
    public void The_writer_and_the_reader_agree_on_how_deep_messages_may_nest()
    {
        // Whatever the writer produces, a reader with the same limits must accept: DESIGN's writer
        // "never produces what a peer refuses".
        var limits = new NetLimits { MaxDepth = 8 };
        for (int length = 1; length <= 12; length++)
        {
            var head = new Node { Value = 0 };
            Node tail = head;
            for (int i = 1; i < length; i++)
            {
                tail.Next = new Node { Value = i };
                tail = tail.Next;
            }

            byte[]? bytes = null;
            try
            {
                bytes = Bytes.Serialize(head, limits);
            }
            catch (NetSerializationException)
            {
            }

            bool readable = NetSerializer.TryDeserialize<Node>(bytes ?? NetSerializer.Serialize(head), limits, out _);
            Assert.True(
                (bytes is not null) == readable,
                $"a chain of {length} nodes: the writer {(bytes is null ? "refused" : "wrote")} it but the reader {(readable ? "accepts" : "refuses")} it");
        }
    }

    [Fact]
    public void MaxLength_limits_strings_in_chars_and_lists_and_byte_arrays_in_elements()
    {
        var atLimit = new Strings { Free = new string('f', 1000), Short = "😀😀", ThreeItems = [1, 2, 3], TwoBytes = [1, 2] };
        Deep.Equal(atLimit, Bytes.RoundTrip(atLimit));

        foreach ((Strings over, string member) in new[]
        {
            (new Strings { Short = "abcde" }, "Short"),
            (new Strings { ThreeItems = [1, 2, 3, 4] }, "ThreeItems"),
            (new Strings { TwoBytes = [1, 2, 3] }, "TwoBytes"),
        })
        {
            NetSerializationException write = Assert.Throws<NetSerializationException>(() => NetSerializer.Serialize(over));
            Assert.Equal(member, write.Member);
            Assert.Equal(typeof(Strings).FullName, write.MessageType);
        }

        // The same values written by hand (no limits) are refused by the reader.
        byte[] hostile = Expected((ref NetWriter w) =>
        {
            w.WriteString("free");
            w.WriteString("abcde");
            w.WriteCount(-1);
            w.WriteCount(-1);
        });
        NetSerializationException read = Assert.Throws<NetSerializationException>(() => NetSerializer.Deserialize<Strings>(hostile));
        Assert.Equal("Short", read.Member);
        Assert.Equal(5, read.Offset);
    }

    [Fact]
    public void A_record_with_a_primary_constructor_round_trips_and_enforces_its_property_limit()
    {
        var line = new ChatLine("ann", new string('t', 16), null);
        Deep.Equal(line, Bytes.RoundTrip(line));
        Assert.Equal(line, Bytes.RoundTrip(line));
        var emptyNote = line with { Note = string.Empty };
        Assert.Equal(string.Empty, Bytes.RoundTrip(emptyNote).Note);

        NetSerializationException error = Assert.Throws<NetSerializationException>(() => NetSerializer.Serialize(line with { Text = new string('t', 17) }));
        Assert.Equal("Text", error.Member);
    }

    [Fact]
    public void MaxLength_written_on_a_primary_constructor_parameter_as_in_DESIGN_is_enforced()
    {
        // DESIGN.md: public partial record ChatLine(string From, [MaxLength(256)] string Text);
        Assert.Contains("Text:str[max=4]", SchemaOf<ParameterLimited>(), StringComparison.Ordinal);
        NetSerializationException error = Assert.Throws<NetSerializationException>(() => NetSerializer.Serialize(new ParameterLimited("ann", "abcde", 0)));
        Assert.Equal("Text", error.Member);
    }

    [Fact]
    public void VarInt_written_on_a_primary_constructor_parameter_is_honoured()
    {
        var value = new ParameterLimited("a", "b", -1);
        byte[] bytes = NetSerializer.Serialize(value);

        Assert.Equal("0261" + "0262" + "01", Bytes.Hex(bytes));
        Assert.Equal(value, NetSerializer.Deserialize<ParameterLimited>(bytes));
    }

    [Fact]
    public void A_record_struct_round_trips_through_its_primary_constructor()
    {
        var point = new GridPoint(int.MinValue, int.MaxValue, "😀");
        Assert.Equal(point, Bytes.RoundTrip(point));
        Assert.Equal(new GridPoint(0, 0, null), Bytes.RoundTrip(new GridPoint(0, 0, null)));
    }

    [Fact]
    public void A_readonly_struct_round_trips_through_its_constructor()
    {
        var money = new Money(long.MinValue, "EUR");
        Money back = Bytes.RoundTrip(money);
        Assert.Equal(long.MinValue, back.Units);
        Assert.Equal("EUR", back.Currency);
        Assert.Equal(8 + 4, NetSerializer.Serialize(money).Length);
    }

    [Fact]
    public void Init_only_properties_and_required_members_are_set_on_deserialize()
    {
        var settings = new Settings { Name = "high", Volume = 11, Level = -3, Gamma = 2.2f };
        Settings back = Bytes.RoundTrip(settings);
        Deep.Equal(settings, back);
        Assert.Equal(11, back.Volume);
        Assert.Equal(-3, back.Level);
    }

    [Fact]
    public void NetIgnore_members_stay_off_the_wire_and_come_back_as_default()
    {
        var value = new WithIgnored { Sent = 7, Ignored = 99, IgnoredText = "secret", AlsoSent = "ok" };
        byte[] bytes = NetSerializer.Serialize(value);
        Assert.Equal("07000000" + "036F6B", Bytes.Hex(bytes));
        Assert.DoesNotContain("secret", SchemaOf<WithIgnored>(), StringComparison.Ordinal);

        WithIgnored back = NetSerializer.Deserialize<WithIgnored>(bytes);
        Assert.Equal(7, back.Sent);
        Assert.Equal("ok", back.AlsoSent);
        Assert.Equal(0, back.Ignored);
        Assert.Null(back.IgnoredText);
    }

    [Fact]
    public void A_message_nested_in_a_partial_class_round_trips_and_is_named_with_its_containing_type()
    {
        var inner = new Outer.Inner { A = 5, B = "b" };
        Deep.Equal(inner, Bytes.RoundTrip(inner));
        Assert.Equal(NetMessageRegistry.ComputeStableId("Travelers.Runtime.Tests.Outer.Inner"), IdOf<Outer.Inner>());
    }

    [Fact]
    public void Custom_serializers_named_on_a_type_and_on_a_member_are_used()
    {
        var when = new DateTimeOffset(2024, 5, 6, 7, 8, 9, 123, TimeSpan.FromHours(2));
        var value = new Painted { Color = new Rgb(1, 2, 3), Palette = [new Rgb(255, 0, 128), new Rgb(4, 5, 6)], When = when };
        byte[] expected = Expected((ref NetWriter w) =>
        {
            w.WriteRaw([1, 2, 3]);
            w.WriteCount(2);
            w.WriteRaw([255, 0, 128, 4, 5, 6]);
            w.WriteVarInt64(when.ToUnixTimeMilliseconds());
            w.WriteInt16(120);
        });

        byte[] bytes = NetSerializer.Serialize(value);

        Assert.Equal(Bytes.Hex(expected), Bytes.Hex(bytes));
        Deep.Equal(value, NetSerializer.Deserialize<Painted>(bytes));
        Assert.Contains("custom<", SchemaOf<Painted>(), StringComparison.Ordinal);
    }

    [Fact]
    public void Duplicate_dictionary_keys_and_set_elements_in_the_input_are_refused()
    {
        byte[] duplicateKey = Expected((ref NetWriter w) =>
        {
            w.WriteCount(-1); // Items
            w.WriteCount(2); // Counts
            w.WriteString("a");
            w.WriteInt32(1);
            w.WriteString("a");
            w.WriteInt32(2);
        });
        NetSerializationException keyError = Assert.Throws<NetSerializationException>(() => NetSerializer.Deserialize<Bag>(duplicateKey));
        Assert.Equal("Counts", keyError.Member);
        Assert.Contains("twice", keyError.Detail, StringComparison.Ordinal);

        byte[] duplicateElement = Expected((ref NetWriter w) =>
        {
            w.WriteCount(-1); // Items
            w.WriteCount(-1); // Counts
            w.WriteCount(2); // Ids
            w.WriteInt64(5);
            w.WriteInt64(5);
        });
        NetSerializationException setError = Assert.Throws<NetSerializationException>(() => NetSerializer.Deserialize<Bag>(duplicateElement));
        Assert.Equal("Ids", setError.Member);
    }

    [Fact]
    public void A_null_dictionary_key_in_the_input_is_refused()
    {
        byte[] bytes = Expected((ref NetWriter w) =>
        {
            w.WriteCount(-1);
            w.WriteCount(1);
            w.WriteString(null);
            w.WriteInt32(1);
        });
        NetSerializationException error = Assert.Throws<NetSerializationException>(() => NetSerializer.Deserialize<Bag>(bytes));
        Assert.Equal("Counts", error.Member);
    }

    [Fact]
    public void Serialize_to_a_buffer_writer_to_a_span_and_to_an_array_give_the_same_bytes()
    {
        Bag bag = Samples.Bag();
        byte[] array = NetSerializer.Serialize(bag);
        var buffer = new ArrayBufferWriter<byte>();
        NetSerializer.Serialize(buffer, bag);
        byte[] span = new byte[array.Length + 10];
        int written = NetSerializer.Serialize(span, bag);

        Assert.Equal(array, buffer.WrittenSpan.ToArray());
        Assert.Equal(array.Length, written);
        Assert.Equal(array, span.AsSpan(0, written).ToArray());
        Deep.Equal(bag, NetSerializer.Deserialize<Bag>(array));
        Assert.True(NetSerializer.TryDeserialize<Bag>(array, out Bag? back));
        Deep.Equal(bag, back);
    }

    [Fact]
    public void A_short_string_in_a_message_near_MaxMessageBytes_serializes()
    {
        var limits = new NetLimits { MaxMessageBytes = 64 };
        var child = new Child { Name = new string('a', 40), Value = 1 };

        byte[] bytes = Bytes.Serialize(child, limits);

        Assert.Equal(1 + 40 + 4, bytes.Length);
        Assert.Equal(Encoding.ASCII.GetBytes(child.Name), bytes.AsSpan(1, 40).ToArray());
    }

    [Fact]
    public void NetMessageType_reads_and_writes_boxed_messages_for_tools()
    {
        NetMessageType type = NetMessageType.Create<Child>();
        var buffer = new ArrayBufferWriter<byte>();
        type.Serialize(buffer, new Child { Name = "x", Value = 2 });

        var back = (Child)type.Deserialize(buffer.WrittenSpan, NetLimits.Default);

        Assert.Equal("x", back.Name);
        Assert.Equal(2, back.Value);
        Assert.Equal("Travelers.Runtime.Tests.Child", type.Name);
        Assert.Throws<ArgumentException>(() => type.Serialize(buffer, new Node()));
    }

    [Fact]
    public void Vector_members_written_through_tiny_spans_are_identical()
    {
        Snapshot snapshot = Samples.Snapshot(12345);
        var chunked = new ChunkedBufferWriter(minimumChunk: 3);
        NetSerializer.Serialize(chunked, snapshot);
        Assert.Equal(NetSerializer.Serialize(snapshot), chunked.WrittenBytes);
        Assert.Equal(new Vector3(12345, 2, 3), NetSerializer.Deserialize<Snapshot>(chunked.WrittenBytes).Body.Position);
    }
}
