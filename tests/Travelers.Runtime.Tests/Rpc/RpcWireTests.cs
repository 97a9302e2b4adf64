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

        Assert.True(RpcWire.TryReadCallHeader(body, out int offset, out uint readRpc, out uint readCall, out uint readTarget));
        Assert.Equal((uint)rpc, readRpc);
        Assert.Equal(call, readCall);
        Assert.Equal(target, readTarget);
        Assert.Equal(body.Length - 2, offset);

        for (int cut = 0; cut < offset; cut++)
        {
            Assert.False(RpcWire.TryReadCallHeader(body.AsSpan(0, cut), out _, out _, out _, out _));
        }
    }

    [Fact]
    public void The_three_byte_form_needs_its_flags_exactly()
    {
        // Head 0b101 (rpc 1, a target, no call id) with one-byte slot and generation: the inline path.
        Assert.True(RpcWire.TryReadCallHeader([0b101, 9, 3], out int offset, out uint rpc, out uint call, out uint target));
        Assert.Equal((3, 1u, 0u, NetId.Of(9, 3).Value), (offset, rpc, call, target));

        // A call id flagged: the second byte is the id, and the target's generation is missing.
        Assert.False(RpcWire.TryReadCallHeader([0b111, 9, 3], out _, out _, out _, out _));

        // No target flagged: a service call of RPC 1 whose arguments start at the second byte.
        Assert.True(RpcWire.TryReadCallHeader([0b100, 9, 3], out offset, out rpc, out _, out target));
        Assert.Equal((1, 1u, 0u), (offset, rpc, target));

        // A slot of two bytes: the general path reads it.
        Assert.True(RpcWire.TryReadCallHeader([0b101, 0x80, 0x01, 3], out offset, out _, out _, out target));
        Assert.Equal((4, NetId.Of(128, 3).Value), (offset, target));
    }
}
