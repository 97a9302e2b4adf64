namespace Travelers.Runtime.Tests;

/// <summary>DESIGN: a NetSerializationException names the message type, the member and the byte offset.</summary>
public sealed class ErrorMessageTests
{
    private static NetSerializationException DeserializeFails<T>(byte[] bytes)
        where T : INetMessage<T>
    {
        NetSerializationException error = Assert.Throws<NetSerializationException>(() => NetSerializer.Deserialize<T>(bytes));
        Assert.False(NetSerializer.TryDeserialize<T>(bytes, out _));
        return error;
    }

    private static void AssertNames(NetSerializationException error, string type, string member, long offset)
    {
        Assert.Equal(type, error.MessageType);
        Assert.Equal(member, error.Member);
        Assert.Equal(offset, error.Offset);
        Assert.Contains(type + "." + member, error.Message, StringComparison.Ordinal);
        Assert.Contains($"byte offset {offset}", error.Message, StringComparison.Ordinal);
        Assert.Contains(error.Detail, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_message_truncated_inside_a_string_names_the_type_the_string_member_and_the_offset_of_the_missing_bytes()
    {
        byte[] bytes = NetSerializer.Serialize(new ErrorProbe { First = 1, Name = "hello", Last = 2 });

        NetSerializationException error = DeserializeFails<ErrorProbe>(bytes[..7]);

        // First takes bytes 0-3, Name's length prefix byte 4, its UTF-8 bytes 5-9.
        AssertNames(error, "Travelers.Runtime.Tests.ErrorProbe", "Name", 5);
        Assert.Contains("input ended", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_message_truncated_inside_a_fixed_width_member_names_that_member_and_where_it_starts()
    {
        byte[] bytes = NetSerializer.Serialize(new ErrorProbe { First = 1, Name = "hello", Last = 2 });

        NetSerializationException error = DeserializeFails<ErrorProbe>(bytes[..12]);

        AssertNames(error, "Travelers.Runtime.Tests.ErrorProbe", "Last", 10);
        Assert.Contains("Int64", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_truncation_of_a_message_names_its_type_a_member_and_an_offset_inside_the_input()
    {
        byte[] bytes = NetSerializer.Serialize(new ErrorProbe { First = 1, Name = "hé😀", Last = 2, Child = new Child { Name = "kid", Value = 3 } });
        string[] members = ["First", "Name", "Last", "Child"];
        for (int length = 0; length < bytes.Length; length++)
        {
            NetSerializationException error = DeserializeFails<ErrorProbe>(bytes[..length]);
            Assert.NotNull(error.MessageType);
            Assert.NotNull(error.Member);
            Assert.InRange(error.Offset, 0, length);
            Assert.True(
                error.MessageType == "Travelers.Runtime.Tests.ErrorProbe" ? members.Contains(error.Member) : error.MessageType == "Travelers.Runtime.Tests.Child",
                $"truncated at {length}: {error.Message}");
        }
    }

    [Fact]
    public void A_failure_inside_a_nested_message_names_the_nested_type_and_its_member()
    {
        byte[] bytes = NetSerializer.Serialize(new ErrorProbe { First = 1, Name = "n", Last = 2, Child = new Child { Name = "kid", Value = 3 } });

        // ErrorProbe: 4 + 2 + 8 = 14 bytes, the presence byte at 14, Child.Name at 15-18, Child.Value at 19.
        NetSerializationException error = DeserializeFails<ErrorProbe>(bytes[..21]);

        AssertNames(error, "Travelers.Runtime.Tests.Child", "Value", 19);
    }

    [Fact]
    public void A_truncation_inside_a_block_copied_run_of_fields_names_the_member_that_is_cut()
    {
        // Packed's four fields lie contiguously in memory, so they are read as one 12-byte block.
        // A (int) takes bytes 0-3 and B (float) 4-7: the error must still point at B, the member
        // whose bytes are missing, not at A where the block starts.
        byte[] bytes = NetSerializer.Serialize(new Packed { A = 1, B = 2, C = 3, D = 4 });

        NetSerializationException error = DeserializeFails<Packed>(bytes[..6]);

        AssertNames(error, "Travelers.Runtime.Tests.Packed", "B", 4);
    }

    [Fact]
    public void A_member_over_its_limit_on_write_names_the_type_the_member_and_the_offset_reached()
    {
        NetSerializationException error = Assert.Throws<NetSerializationException>(() => NetSerializer.Serialize(new Strings { Free = "abc", Short = "too long" }));

        AssertNames(error, "Travelers.Runtime.Tests.Strings", "Short", 4);
        Assert.Contains("string length 8 is over the limit of 4", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_failure_in_a_custom_serializer_is_wrapped_with_the_member_and_keeps_the_cause()
    {
        var writerBytes = new System.Buffers.ArrayBufferWriter<byte>();
        var writer = new NetWriter(writerBytes);
        writer.WriteRaw([1, 2, 3]); // Color
        writer.WriteCount(0); // Palette
        writer.WriteVarInt64(long.MaxValue); // When: milliseconds far beyond DateTimeOffset's range
        writer.WriteInt16(0);
        writer.Flush();

        NetSerializationException error = DeserializeFails<Painted>(writerBytes.WrittenSpan.ToArray());

        Assert.Equal("Travelers.Runtime.Tests.Painted", error.MessageType);
        Assert.Equal("When", error.Member);
        Assert.IsType<ArgumentOutOfRangeException>(error.InnerException);
    }

    [Fact]
    public void A_bad_boolean_names_its_member_and_its_own_offset()
    {
        byte[] bytes = NetSerializer.Serialize(Samples.PrimitiveStruct());
        bytes[12] = 2; // Flag follows the 12-byte run of A and B

        NetSerializationException error = DeserializeFails<PrimitiveStruct>(bytes);

        AssertNames(error, "Travelers.Runtime.Tests.PrimitiveStruct", "Flag", 12);
    }

    [Fact]
    public void Trailing_bytes_after_a_message_are_reported_with_the_message_type()
    {
        byte[] bytes = Bytes.Concat(NetSerializer.Serialize(new ErrorProbe { First = 1 }), [0xAA]);

        NetSerializationException error = DeserializeFails<ErrorProbe>(bytes);

        Assert.Equal(bytes.Length - 1, error.Offset);
        Assert.Equal("Travelers.Runtime.Tests.ErrorProbe", error.MessageType);
        Assert.Contains("Travelers.Runtime.Tests.ErrorProbe", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_truncation_inside_a_run_that_starts_after_other_members_names_the_member_that_is_cut()
    {
        // PrimitiveStruct: run A..B (12 bytes), Flag (1), then a 34-byte run from C (member 3) at offset 13:
        // C 2, Ch 2, F32 4, then F64 (member 6) at offset 21. Cut at 24, inside F64.
        byte[] bytes = NetSerializer.Serialize(Samples.PrimitiveStruct());

        NetSerializationException error = DeserializeFails<PrimitiveStruct>(bytes[..24]);

        AssertNames(error, "Travelers.Runtime.Tests.PrimitiveStruct", "F64", 21);
        Assert.Contains("8 bytes needed, 3 left", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_setter_that_refuses_a_value_is_located_at_its_member_and_keeps_the_cause()
    {
        var output = new System.Buffers.ArrayBufferWriter<byte>();
        var writer = new NetWriter(output);
        writer.WriteString("abc"); // Name: prefix 1 + 3 bytes
        writer.WriteInt32(101); // Level, over the setter's range
        writer.Flush();

        NetSerializationException error = DeserializeFails<Validated>(output.WrittenSpan.ToArray());

        // The setter runs once Level's 4 bytes are read: the offset is where reading had got to, 8.
        AssertNames(error, "Travelers.Runtime.Tests.Validated", "Level", 8);
        Assert.IsType<ArgumentOutOfRangeException>(error.InnerException);
    }

    [Fact]
    public void A_getter_that_throws_is_located_at_its_member_when_writing()
    {
        var message = new Validated { Name = "abc" };
        message.Corrupt(-5);

        NetSerializationException error = Assert.Throws<NetSerializationException>(() => NetSerializer.Serialize(message));

        AssertNames(error, "Travelers.Runtime.Tests.Validated", "Level", 4);
        Assert.IsType<InvalidOperationException>(error.InnerException);
    }

    [Fact]
    public void User_code_that_fails_only_once_still_gives_a_NetSerializationException_naming_the_type()
    {
        // The failure is located by writing again; when the second run succeeds there is no member to name.
        var message = new Flaky { Value = 7 };
        Flaky.FailuresLeft = 1;

        NetSerializationException error = Assert.Throws<NetSerializationException>(() => NetSerializer.Serialize(message));

        Assert.Equal("Travelers.Runtime.Tests.Flaky", error.MessageType);
        Assert.Null(error.Member);
        Assert.Equal("flaky", Assert.IsType<InvalidOperationException>(error.InnerException).Message);

        Flaky.FailuresLeft = 2;
        error = Assert.Throws<NetSerializationException>(() => NetSerializer.Serialize(message));
        Assert.Equal("Value", error.Member);

        Flaky.FailuresLeft = 0;
        Assert.Equal(7, NetSerializer.Deserialize<Flaky>(NetSerializer.Serialize(message)).Value);
    }
}
