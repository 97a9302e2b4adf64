using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Travelers;

/// <summary>
/// For generated code: checks that a run of fields lies contiguously in memory, and views it as bytes,
/// so the run is copied in one go. The checks compare field addresses, which the JIT folds to constants,
/// and a run is copied only where its memory bytes are exactly the little-endian wire bytes.
/// </summary>
public static class NetLayout
{
    /// <summary>Whether <paramref name="member"/> lies <paramref name="offset"/> bytes after <paramref name="first"/>.</summary>
    /// <typeparam name="TFirst">Type of the run's first field.</typeparam>
    /// <typeparam name="TMember">Type of the field checked.</typeparam>
    /// <param name="first">The run's first field.</param>
    /// <param name="member">The field checked.</param>
    /// <param name="offset">Its offset on the wire from the start of the run.</param>
    /// <returns>Whether memory and wire offsets agree.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsAt<TFirst, TMember>(in TFirst first, in TMember member, int offset) =>
        Unsafe.ByteOffset(
            ref Unsafe.As<TFirst, byte>(ref Unsafe.AsRef(in first)),
            ref Unsafe.As<TMember, byte>(ref Unsafe.AsRef(in member))) == offset;

    /// <summary>Whether <paramref name="first"/> is the first bytes of <paramref name="value"/>.</summary>
    /// <typeparam name="T">The struct.</typeparam>
    /// <typeparam name="TFirst">Type of its first field.</typeparam>
    /// <param name="value">The struct.</param>
    /// <param name="first">Its first field.</param>
    /// <returns>Whether the field is at offset 0.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsAtStart<T, TFirst>(in T value, in TFirst first)
        where T : struct =>
        Unsafe.AreSame(
            ref Unsafe.As<T, byte>(ref Unsafe.AsRef(in value)),
            ref Unsafe.As<TFirst, byte>(ref Unsafe.AsRef(in first)));

    /// <summary>
    /// Writes <paramref name="value"/> little-endian at <paramref name="offset"/> in a run reserved by
    /// <see cref="NetWriter.ReserveRun"/>. Unchecked: the run's bounds were checked when it was reserved.
    /// </summary>
    /// <typeparam name="T">A fixed-width primitive, enum, or System.Numerics vector or quaternion.</typeparam>
    /// <param name="run">The run's first byte.</param>
    /// <param name="offset">The value's offset in the run.</param>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Write<T>(ref byte run, int offset, T value)
        where T : unmanaged
    {
        if (!BitConverter.IsLittleEndian)
        {
            Endian.ReverseComponents<T>(MemoryMarshal.AsBytes(new Span<T>(ref value)));
        }

        Unsafe.WriteUnaligned(ref Unsafe.Add(ref run, offset), value);
    }

    /// <summary>Reads a little-endian value at <paramref name="offset"/> in a run taken by <see cref="NetReader.ReadRun"/>.</summary>
    /// <typeparam name="T">A fixed-width primitive, enum, or System.Numerics vector or quaternion.</typeparam>
    /// <param name="run">The run's first byte.</param>
    /// <param name="offset">The value's offset in the run.</param>
    /// <returns>The value.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Read<T>(in byte run, int offset)
        where T : unmanaged
    {
        T value = Unsafe.ReadUnaligned<T>(ref Unsafe.Add(ref Unsafe.AsRef(in run), offset));
        if (!BitConverter.IsLittleEndian)
        {
            Endian.ReverseComponents<T>(MemoryMarshal.AsBytes(new Span<T>(ref value)));
        }

        return value;
    }

    /// <summary>The <paramref name="length"/> bytes starting at <paramref name="first"/>, read-only.</summary>
    /// <typeparam name="TFirst">Type of the run's first field.</typeparam>
    /// <param name="first">The run's first field.</param>
    /// <param name="length">The run's length in bytes.</param>
    /// <returns>The bytes.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ReadOnlySpan<byte> AsBytes<TFirst>(in TFirst first, int length) =>
        MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<TFirst, byte>(ref Unsafe.AsRef(in first)), length);
}
