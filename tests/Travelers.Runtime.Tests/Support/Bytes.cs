using System.Buffers;

namespace Travelers.Runtime.Tests;

/// <summary>Small helpers for building and showing byte sequences.</summary>
internal static class Bytes
{
    public static string Hex(ReadOnlySpan<byte> bytes) => bytes.Length > 64 ? Convert.ToHexString(bytes[..64]) + $"...({bytes.Length} bytes)" : Convert.ToHexString(bytes);

    /// <summary>An unsigned LEB128 varint, encoded here independently of NetWriter.</summary>
    public static byte[] VarUInt(ulong value)
    {
        var result = new List<byte>();
        do
        {
            byte b = (byte)(value & 0x7F);
            value >>= 7;
            result.Add(value != 0 ? (byte)(b | 0x80) : b);
        }
        while (value != 0);
        return result.ToArray();
    }

    public static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    public static byte[] Serialize<T>(in T value, NetLimits limits)
        where T : INetMessage<T>
    {
        var buffer = new ArrayBufferWriter<byte>();
        NetSerializer.Serialize(buffer, in value, limits);
        return buffer.WrittenSpan.ToArray();
    }

    public static T RoundTrip<T>(in T value)
        where T : INetMessage<T>
    {
        byte[] bytes = NetSerializer.Serialize(in value);
        return NetSerializer.Deserialize<T>(bytes);
    }
}
