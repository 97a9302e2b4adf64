using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Unicode;

namespace Travelers;

/// <summary>
/// Reads what <see cref="BitWriter"/> packed: bits least significant first, from the lowest bit of the first byte.
/// </summary>
/// <remarks>
/// <para>
/// Input comes from peers and may be hostile, so nothing here throws because of it. A read that goes past the
/// end returns 0 (false, 0.0, null) and sets <see cref="IsOverrun"/>; a string whose length is over its limit or
/// whose bytes are not UTF-8 returns null and sets <see cref="IsInvalid"/>. After either, the reader stays at
/// the end: every later read returns 0 too, so code can read a whole state and check the flags once. Only bad
/// arguments (a width over 32) throw, being the caller's own mistakes.
/// </para>
/// <para>Nothing allocates but the strings <see cref="ReadString"/> returns.</para>
/// </remarks>
public ref struct BitReader
{
    // Strings at most this long are gathered on the stack when they are not at a byte boundary.
    private const int StackStringBytes = 256;

    private readonly ReadOnlySpan<byte> _buffer;
    private int _bitsRead;

    // The input's length in bits, or _bitsRead once a read failed: one comparison on the fast path then both
    // checks for input and fails every read after the first failure.
    private int _limitBits;
    private bool _overrun;
    private bool _invalid;

    /// <summary>Creates a reader of <paramref name="source"/> from its start.</summary>
    /// <param name="source">The bytes; only the first 2^28 - 1 (about 256 MiB) of a longer span are read.</param>
    public BitReader(ReadOnlySpan<byte> source)
    {
        _buffer = source.Length > BitWriter.MaxBytes ? source[..BitWriter.MaxBytes] : source;
        _limitBits = _buffer.Length * 8;
    }

    /// <summary>Bits read so far (failed reads not counted).</summary>
    public readonly int BitsRead => _bitsRead;

    /// <summary>Bits left to read; 0 once a read has failed.</summary>
    public readonly int BitsRemaining => _limitBits - _bitsRead;

    /// <summary>
    /// Whether a read went past the end of the input. It returned 0 (false, 0.0, null), and so has every read since.
    /// </summary>
    public readonly bool IsOverrun => _overrun;

    /// <summary>
    /// Whether <see cref="ReadString"/> met a length over its limit or bytes that are not UTF-8, which no
    /// <see cref="BitWriter"/> produces. It returned null, and every read since has returned 0 (without setting
    /// <see cref="IsOverrun"/>).
    /// </summary>
    public readonly bool IsInvalid => _invalid;

    /// <summary>Reads <paramref name="bits"/> bits.</summary>
    /// <param name="bits">How many bits, 0 to 32.</param>
    /// <returns>The value, below 2^<paramref name="bits"/>; 0 past the end.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint ReadBits(int bits)
    {
        if ((uint)bits > 32u)
        {
            BitWriter.ThrowBitsOutOfRange(bits, 32);
        }

        if (bits > _limitBits - _bitsRead)
        {
            Overrun();
            return 0;
        }

        int position = _bitsRead;
        _bitsRead = position + bits;

        // At most 7 + 32 bits are needed: one unaligned 8-byte load holds them, but near the end the load
        // would pass it, so the last bytes are gathered one by one.
        int at = position >> 3;
        ulong word = at <= _buffer.Length - 8
            ? LittleEndian(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref MemoryMarshal.GetReference(_buffer), at)))
            : Tail(_buffer, at);
        return (uint)(word >> (position & 7)) & (uint)((1UL << bits) - 1);
    }

    /// <summary>Reads one bit.</summary>
    /// <returns>True for 1; false past the end.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool ReadBool() => ReadBits(1) != 0;

    /// <summary>Reads <paramref name="bits"/> bits.</summary>
    /// <param name="bits">How many bits, 0 to 64.</param>
    /// <returns>The value, below 2^<paramref name="bits"/>; 0 past the end.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong ReadUInt64(int bits)
    {
        if ((uint)bits > 64u)
        {
            BitWriter.ThrowBitsOutOfRange(bits, 64);
        }

        if (bits <= 32)
        {
            return ReadBits(bits);
        }

        // Checked whole, so that a value the input holds only part of is not half read.
        if (bits > _limitBits - _bitsRead)
        {
            Overrun();
            return 0;
        }

        ulong low = ReadBits(32);
        return low | ((ulong)ReadBits(bits - 32) << 32);
    }

    /// <summary>Reads a float's 32 bits as they were written.</summary>
    /// <returns>The value; 0 past the end.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float ReadSingle() => BitConverter.UInt32BitsToSingle(ReadBits(32));

    /// <summary>Reads a double's 64 bits as they were written.</summary>
    /// <returns>The value; 0 past the end.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double ReadDouble() => BitConverter.UInt64BitsToDouble(ReadUInt64(64));

    /// <summary>Reads raw bytes written by <see cref="BitWriter.WriteBytes"/>, enough to fill <paramref name="destination"/>.</summary>
    /// <param name="destination">Where the bytes go; cleared when the input holds fewer.</param>
    /// <returns>False, setting <see cref="IsOverrun"/>, when the input holds fewer bytes.</returns>
    public bool TryReadBytes(scoped Span<byte> destination)
    {
        if ((long)destination.Length * 8 > _limitBits - _bitsRead)
        {
            destination.Clear();
            Overrun();
            return false;
        }

        if ((_bitsRead & 7) == 0)
        {
            _buffer.Slice(_bitsRead >> 3, destination.Length).CopyTo(destination);
            _bitsRead += destination.Length * 8;
            return true;
        }

        int i = 0;
        for (; i + 4 <= destination.Length; i += 4)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(destination[i..], ReadBits(32));
        }

        for (; i < destination.Length; i++)
        {
            destination[i] = (byte)ReadBits(8);
        }

        return true;
    }

    /// <summary>
    /// Reads a string written by <see cref="BitWriter.WriteString"/> with the same <paramref name="maxBytes"/>.
    /// </summary>
    /// <remarks>
    /// The declared length is checked against <paramref name="maxBytes"/> and against the bits left before
    /// anything is allocated, so a hostile length costs nothing; the only allocation is the string returned.
    /// A string not at a byte boundary and longer than 256 bytes is gathered in a buffer rented from
    /// <see cref="ArrayPool{T}.Shared"/>.
    /// </remarks>
    /// <param name="maxBytes">The most UTF-8 bytes the string may take, 0 or more.</param>
    /// <returns>
    /// The string; null for a null string, and also when the input ends first (setting <see cref="IsOverrun"/>),
    /// the length is over <paramref name="maxBytes"/> or the bytes are not UTF-8 (setting <see cref="IsInvalid"/>).
    /// </returns>
    public string? ReadString(int maxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        uint header = ReadBits(Quantization.BitsFor((uint)maxBytes + 1));
        if (header == 0)
        {
            return null;
        }

        uint length = header - 1;
        if (length > (uint)maxBytes)
        {
            Invalid();
            return null;
        }

        if (length > (uint)(BitsRemaining >> 3))
        {
            Overrun();
            return null;
        }

        if (length == 0)
        {
            return string.Empty;
        }

        int count = (int)length;
        string? value;
        if ((_bitsRead & 7) == 0)
        {
            value = Decode(_buffer.Slice(_bitsRead >> 3, count));
            _bitsRead += count * 8;
        }
        else if (count <= StackStringBytes)
        {
            Span<byte> gathered = stackalloc byte[StackStringBytes];
            TryReadBytes(gathered[..count]);
            value = Decode(gathered[..count]);
        }
        else
        {
            byte[] rented = ArrayPool<byte>.Shared.Rent(count);
            TryReadBytes(rented.AsSpan(0, count));
            value = Decode(rented.AsSpan(0, count));
            ArrayPool<byte>.Shared.Return(rented);
        }

        if (value is null)
        {
            Invalid();
        }

        return value;
    }

    /// <summary>Validates first, so that bad input costs no exception, then transcodes; null for bytes that are not UTF-8.</summary>
    private static string? Decode(ReadOnlySpan<byte> bytes) => Utf8.IsValid(bytes) ? Encoding.UTF8.GetString(bytes) : null;

    /// <summary>
    /// Reads a value written by <see cref="BitWriter.WriteRelative"/> against the same <paramref name="baseline"/>
    /// and <paramref name="bits"/>.
    /// </summary>
    /// <param name="baseline">The baseline the writer used.</param>
    /// <param name="bits">The value's width, 0 to 32.</param>
    /// <returns>The value, always below 2^<paramref name="bits"/> whatever the input; 0 past the end.</returns>
    public uint ReadRelative(uint baseline, int bits)
    {
        if ((uint)bits > 32u)
        {
            BitWriter.ThrowBitsOutOfRange(bits, 32);
        }

        int classes = BitWriter.RelativeClasses(bits);
        if (classes == 0)
        {
            return ReadBits(bits);
        }

        int ones = 0;
        while (ones < classes && ReadBool())
        {
            ones++;
        }

        uint value;
        if (ones == classes)
        {
            value = ReadBits(bits);
        }
        else
        {
            uint zz = ReadBits(ones == 0 ? 4 : ones == 1 ? 7 : 11);
            int delta = (int)(zz >> 1) ^ -(int)(zz & 1);
            value = (baseline + (uint)delta) & (uint)((1UL << bits) - 1);
        }

        return _overrun | _invalid ? 0 : value;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong LittleEndian(ulong value) => BitConverter.IsLittleEndian ? value : BinaryPrimitives.ReverseEndianness(value);

    /// <summary>The bytes from <paramref name="at"/> to the end (fewer than 8), as a little-endian word.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ulong Tail(ReadOnlySpan<byte> buffer, int at)
    {
        ulong word = 0;
        for (int i = 0; at + i < buffer.Length; i++)
        {
            word |= (ulong)buffer[at + i] << (8 * i);
        }

        return word;
    }

    private void Overrun()
    {
        _overrun |= !_invalid;
        _limitBits = _bitsRead;
    }

    private void Invalid()
    {
        _invalid |= !_overrun;
        _limitBits = _bitsRead;
    }
}
