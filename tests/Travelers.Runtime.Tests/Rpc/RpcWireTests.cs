using System.Buffers;
using System.Text;
using Travelers;
using Travelers.Rpc;

namespace Travelers.Runtime.Tests.Rpc;

/// <summary>
/// A call's header read back as written, through the inline three-byte path and the general one alike, and every
/// header cut short refused.
/// </summary>
public sealed class RpcWireTests
{
    public static TheoryData<int, uint, int, int> Headers()
    {
        var data = new TheoryData<int, uint, int, int>();
        foreach (int rpc in new[] { 0, 1, 31, 32, 200, 5000 })
        {
            foreach (uint call in new uint[] { 0, 1, 127, 128, 70_000 })
            {
                foreach ((int slot, int generation) in new[] { (0, 0), (1, 0), (1, 1), (127, 127), (128, 1), (5, 128), (1_000_000, 4095) })
                {
                    data.Add(rpc, call, slot, generation);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Headers))]
    public void A_header_reads_back_as_written_and_none_cut_short_reads(int rpc, uint call, int slot, int generation)
    {
        uint target = NetId.Of(slot, generation).Value; // 0: no target (a service)
        byte[] body = RpcRig.Call(rpc, call, target, 0xAA, 0xBB);

        RpcCallHeader header = RpcWire.ReadCallHeader(body);
        Assert.True(header.IsValid);
        Assert.Equal(new RpcCallHeader(body.Length - 2, (uint)rpc, call, target), header);

        for (int cut = 0; cut < header.Offset; cut++)
        {
            Assert.False(RpcWire.ReadCallHeader(body.AsSpan(0, cut)).IsValid);
        }
    }

    [Theory]
    [MemberData(nameof(Headers))]
    public void A_call_of_packed_arguments_writes_the_bytes_of_header_then_arguments(int rpc, uint call, int slot, int generation)
    {
        // Fire's arguments (a Vector2) are copied as memory when the header is short: the bytes must be those of the
        // header written on its own followed by the arguments' serializer, whatever the header's form.
        uint target = NetId.Of(slot, generation).Value;
        var arguments = new Gunner.__Rpc_Fire { aim = new System.Numerics.Vector2(1.5f, -2.25f) };
        Assert.Equal(8, PackedSizeOf<Gunner.__Rpc_Fire>()); // else the copy would not be what this tests

        byte[] written = NetSerializer.Serialize(new RpcCallRecord<Gunner.__Rpc_Fire>((uint)rpc, call, target, in arguments));

        Assert.Equal(RpcRig.Call(rpc, call, target, NetSerializer.Serialize(in arguments)), written);
    }

    private static int PackedSizeOf<T>()
        where T : INetMessage<T> => T.PackedSize;

    [Fact]
    public void The_three_byte_form_needs_its_flags_exactly()
    {
        // Head 0b101 (rpc 1, a target, no call id) with one-byte slot and generation: the inline path.
        Assert.Equal(new RpcCallHeader(3, 1, 0, NetId.Of(9, 3).Value), RpcWire.ReadCallHeader([0b101, 9, 3]));

        // A call id flagged: the second byte is the id, and the target's generation is missing.
        Assert.False(RpcWire.ReadCallHeader([0b111, 9, 3]).IsValid);

        // No target flagged: a service call of RPC 1 whose arguments start at the second byte.
        Assert.Equal(new RpcCallHeader(1, 1, 0, 0), RpcWire.ReadCallHeader([0b100, 9, 3]));

        // A slot of two bytes: the general path reads it.
        Assert.Equal(new RpcCallHeader(4, 1, 0, NetId.Of(128, 3).Value), RpcWire.ReadCallHeader([0b101, 0x80, 0x01, 3]));
    }

    public static TheoryData<string, int, string> ErrorTexts() => new()
    {
        { new string('a', 2000), 64 * 1024, new string('a', RpcWire.MaxErrorText) },
        { new string('a', 1023) + "\U0001F600", 64 * 1024, new string('a', 1023) }, // the cut would split the pair
        { new string('a', 300), 100, new string('a', 68) }, // 100 bytes of message, 32 kept for the record's other fields
        { string.Concat(Enumerable.Repeat("\u00E9", 100)), 67, string.Concat(Enumerable.Repeat("\u00E9", 17)) }, // 35 bytes: not half a character
        { "a\uD800b", 64 * 1024, "a\uFFFDb" }, // an unpaired surrogate cannot be written
        { "short", 64 * 1024, "short" },
    };

    [Theory]
    [MemberData(nameof(ErrorTexts))]
    public void An_error_text_is_cut_to_what_the_answer_can_carry_and_the_answer_writes(string text, int maxMessageBytes, string expected)
    {
        var limits = new NetLimits { MaxMessageBytes = maxMessageBytes, MaxStringBytes = Math.Min(maxMessageBytes, 64 * 1024) };
        int maxBytes = RpcWire.ErrorTextBytes(limits, maxFrameBytes: 512 * 1024);

        Assert.Equal(expected, RpcWire.FitText(text, maxBytes));
        var bytes = new ArrayBufferWriter<byte>();
        NetSerializer.Serialize(bytes, RpcStatusAnswer.Error(uint.MaxValue, RpcStatus.Failed, text, maxBytes), limits);
        Assert.True(bytes.WrittenCount <= maxMessageBytes - 16); // the frame's kind and the record's index and length fit too
    }

    [Fact]
    public void An_error_text_keeps_within_the_string_limit_as_well()
    {
        var limits = new NetLimits { MaxStringBytes = 50 };
        string cut = RpcWire.FitText(new string('\u00E9', 500), RpcWire.ErrorTextBytes(limits, maxFrameBytes: 512 * 1024));

        Assert.Equal(new string('\u00E9', 25), cut);
        Assert.Equal(50, Encoding.UTF8.GetByteCount(cut));
    }

    [Fact]
    public void An_error_text_keeps_within_the_frame_as_well()
    {
        // MaxFrameBytes may be as low as 1,024 while a text of 1,024 characters takes up to 3,072 bytes.
        int maxBytes = RpcWire.ErrorTextBytes(NetLimits.Default, maxFrameBytes: 1024);
        string cut = RpcWire.FitText(new string('\u20AC', 1000), maxBytes);

        Assert.Equal(992, maxBytes);
        Assert.Equal(new string('\u20AC', 330), cut); // 990 bytes: not a third of a character more
    }
}
