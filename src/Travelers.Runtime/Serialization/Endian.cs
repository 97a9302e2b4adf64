using System;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Travelers;

/// <summary>Byte-order fix-ups for block copies on big-endian machines (never taken on little-endian ones).</summary>
internal static class Endian
{
    /// <summary>Reverses each fixed-width component of every <typeparamref name="T"/> in <paramref name="bytes"/>.</summary>
    public static void ReverseComponents<T>(Span<byte> bytes)
        where T : unmanaged
    {
        // Vectors and quaternions are made of floats; every other T here is a single primitive.
        int component = typeof(T) == typeof(System.Numerics.Vector2) || typeof(T) == typeof(System.Numerics.Vector3)
            || typeof(T) == typeof(System.Numerics.Vector4) || typeof(T) == typeof(System.Numerics.Quaternion)
            ? 4
            : Unsafe.SizeOf<T>();
        switch (component)
        {
            case 2:
                BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<byte, ushort>(bytes), MemoryMarshal.Cast<byte, ushort>(bytes));
                break;
            case 4:
                BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<byte, uint>(bytes), MemoryMarshal.Cast<byte, uint>(bytes));
                break;
            case 8:
                BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<byte, ulong>(bytes), MemoryMarshal.Cast<byte, ulong>(bytes));
                break;
        }
    }
}
