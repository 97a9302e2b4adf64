using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Unicode;

namespace Travelers;

/// <summary>
/// Packs values bit by bit into a fixed span, for replicated state where a 3-bit enum should cost 3 bits.
/// Bits go least significant first: the first bit written is the lowest bit of the first byte, and a value
/// of n bits is stored from its lowest bit up. <see cref="BitReader"/> reads the same layout.
/// </summary>
/// <remarks>
/// <para>
/// Nothing allocates. Bits gather in a 64-bit accumulator and reach the span 32 at a time, so call
/// <see cref="Flush"/> before sending the span's first <see cref="BytesWritten"/> bytes; bits past the last
/// one written in the last byte are zero.
/// </para>
/// <para>
/// Running out of room is not an error to throw: a write that does not fit is dropped whole and sets
/// <see cref="IsOverflowed"/>, and every later write is dropped too, so code that fills a packet can write on
/// and check once, or <see cref="Rewind"/> to a <see cref="Mark"/> and write something smaller. Bad arguments
/// (a width over 32, a string over its limit) are the caller's own mistakes and throw.
/// </para>
/// <para>Only the first 2^28 - 1 bytes (about 256 MiB) of a longer span are used, so that bit counts fit an <see cref="int"/>.</para>
/// </remarks>
public ref struct BitWriter
{
    /// <summary>The most bytes a writer uses, so that its bit counts stay within an <see cref="int"/>.</summary>
    internal const int MaxBytes = int.MaxValue / 8;

    // Bits of the 32-bit word being filled, waiting for the word to complete: bits past _bitsWritten & 31
    // are always zero. Whole words are already in _buffer at ((_bitsWritten >> 5) << 2) and before.
    private readonly Span<byte> _buffer;
    private ulong _scratch;
    private int _bitsWritten;

    // The capacity in bits, or -1 once a write has overflowed: one comparison on the fast path then both
    // checks for room and drops every write after an overflow.
    private int _limitBits;

    /// <summary>Creates a writer that fills <paramref name="destination"/> from its start.</summary>
    /// <param name="destination">The span to fill; its bytes are overwritten as words complete and on <see cref="Flush"/>.</param>
    public BitWriter(Span<byte> destination)
    {
        _buffer = destination.Length > MaxBytes ? destination[..MaxBytes] : destination;
        _limitBits = _buffer.Length * 8;
    }

    /// <summary>Bits written so far (dropped writes not counted).</summary>
    public readonly int BitsWritten => _bitsWritten;

    /// <summary>Bytes the written bits take: <c>(BitsWritten + 7) / 8</c>. After <see cref="Flush"/> they are all in the span.</summary>
    public readonly int BytesWritten => (_bitsWritten + 7) >> 3;

    /// <summary>The bits the span holds.</summary>
    public readonly int CapacityBits => _buffer.Length * 8;

    /// <summary>
    /// Whether a write did not fit. That write was dropped whole, and every write since has been dropped too;
    /// <see cref="Rewind"/> to a mark taken before it clears the flag.
    /// </summary>
    public readonly bool IsOverflowed => _limitBits < 0;

    /// <summary>
    /// Writes the low <paramref name="bits"/> bits of <paramref name="value"/>; higher bits are ignored.
    /// </summary>
    /// <param name="value">The value.</param>
    /// <param name="bits">How many bits, 0 to 32.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteBits(uint value, int bits)
    {
        if ((uint)bits > 32u)
        {
            ThrowBitsOutOfRange(bits, 32);
        }

        if (bits > _limitBits - _bitsWritten)
        {
            _limitBits = -1;
            return;
        }

        Append(value & (uint)((1UL << bits) - 1), bits);
    }

    /// <summary>Writes one bit: 1 for true.</summary>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteBool(bool value) => WriteBits(value ? 1u : 0u, 1);

    /// <summary>Writes the low <paramref name="bits"/> bits of <paramref name="value"/>; higher bits are ignored.</summary>
    /// <param name="value">The value.</param>
    /// <param name="bits">How many bits, 0 to 64.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteUInt64(ulong value, int bits)
    {
        if ((uint)bits > 64u)
        {
            ThrowBitsOutOfRange(bits, 64);
        }

        if (bits > _limitBits - _bitsWritten)
        {
            _limitBits = -1;
            return;
        }

        // Room for the whole value was checked: the halves cannot overflow one without the other.
        if (bits <= 32)
        {
            Append(value & ((1UL << bits) - 1), bits);
        }
        else
        {
            Append((uint)value, 32);
            Append((value >> 32) & ((1UL << (bits - 32)) - 1), bits - 32);
        }
    }

    /// <summary>Writes a float's 32 bits as they are (NaN payloads and -0.0 kept).</summary>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteSingle(float value) => WriteBits(BitConverter.SingleToUInt32Bits(value), 32);

    /// <summary>Writes a double's 64 bits as they are (NaN payloads and -0.0 kept).</summary>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteDouble(double value) => WriteUInt64(BitConverter.DoubleToUInt64Bits(value), 64);

    /// <summary>
    /// Writes raw bytes at the current bit position, with no length. At a byte boundary they are copied
    /// into the span as they are; otherwise each byte straddles two.
    /// </summary>
    /// <param name="bytes">The bytes.</param>
    public void WriteBytes(scoped ReadOnlySpan<byte> bytes)
    {
        if ((long)bytes.Length * 8 > _limitBits - _bitsWritten)
        {
            _limitBits = -1;
            return;
        }

        if ((_bitsWritten & 7) == 0)
        {
            SyncScratch();
            bytes.CopyTo(_buffer[(_bitsWritten >> 3)..]);
            _bitsWritten += bytes.Length * 8;
            ReloadScratch();
            return;
        }

        int i = 0;
        for (; i + 4 <= bytes.Length; i += 4)
        {
            Append(BinaryPrimitives.ReadUInt32LittleEndian(bytes[i..]), 32);
        }

        for (; i < bytes.Length; i++)
        {
            Append(bytes[i], 8);
        }
    }

    /// <summary>
    /// Writes a string as a length field of <c>Quantization.BitsFor(maxBytes + 1)</c> bits, holding 0 for null
    /// and the UTF-8 length + 1 otherwise (so null and "" differ), then its UTF-8 bytes.
    /// <see cref="BitReader.ReadString"/> must be given the same <paramref name="maxBytes"/>.
    /// </summary>
    /// <param name="value">The string, or null.</param>
    /// <param name="maxBytes">The most UTF-8 bytes the string may take, 0 or more.</param>
    /// <exception cref="ArgumentException">
    /// <paramref name="value"/> takes more than <paramref name="maxBytes"/> UTF-8 bytes, or holds an unpaired
    /// surrogate, which UTF-8 cannot carry. Nothing is written.
    /// </exception>
    public void WriteString(string? value, int maxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        int lengthBits = Quantization.BitsFor((uint)maxBytes + 1);
        if (value is null)
        {
            WriteBits(0, lengthBits);
            return;
        }

        // A lone surrogate counts as the 3 bytes of U+FFFD here; the strict transcoding below refuses it.
        int byteCount = Encoding.UTF8.GetByteCount(value);
        if (byteCount > maxBytes)
        {
            throw new ArgumentException($"The string takes {byteCount} UTF-8 bytes, over the limit of {maxBytes}.", nameof(value));
        }

        if (lengthBits + ((long)byteCount * 8) > _limitBits - _bitsWritten)
        {
            // Whether it fits or not, a string UTF-8 cannot carry is the caller's error, reported as such.
            ThrowIfUnpaired(value);
            _limitBits = -1;
            return;
        }

        BitMark start = Mark();
        WriteBits((uint)byteCount + 1, lengthBits);
        if (!WriteUtf8(value, byteCount))
        {
            Rewind(start);
            throw UnpairedSurrogate();
        }
    }

    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static void ThrowIfUnpaired(string value)
    {
        if (!value.AsSpan().ContainsAnyInRange('\uD800', '\uDFFF'))
        {
            return;
        }

        try
        {
            s_strictUtf8.GetByteCount(value);
        }
        catch (EncoderFallbackException)
        {
            throw UnpairedSurrogate();
        }
    }

    private static ArgumentException UnpairedSurrogate() =>
        new("The string holds an unpaired surrogate, which UTF-8 cannot carry.", "value");

    /// <summary>Transcodes straight into the span at a byte boundary, else through a stack buffer; false for a lone surrogate.</summary>
    private bool WriteUtf8(string value, int byteCount)
    {
        if ((_bitsWritten & 7) == 0)
        {
            SyncScratch();
            OperationStatus status = Utf8.FromUtf16(value, _buffer.Slice(_bitsWritten >> 3, byteCount), out _, out int written, replaceInvalidSequences: false);
            if (status != OperationStatus.Done || written != byteCount)
            {
                return false;
            }

            _bitsWritten += byteCount * 8;
            ReloadScratch();
            return true;
        }

        // Chunks end only between whole characters: with isFinalBlock the transcoder stops before a pair
        // that does not fit, and reports a lone surrogate as invalid wherever it is.
        Span<byte> chunk = stackalloc byte[256];
        ReadOnlySpan<char> rest = value;
        int total = 0;
        while (!rest.IsEmpty)
        {
            OperationStatus status = Utf8.FromUtf16(rest, chunk, out int read, out int written, replaceInvalidSequences: false);
            if (status is not (OperationStatus.Done or OperationStatus.DestinationTooSmall) || read == 0)
            {
                return false;
            }

            total += written;
            if (total > byteCount)
            {
                return false;
            }

            WriteBytes(chunk[..written]);
            rest = rest[read..];
        }

        return total == byteCount;
    }

    /// <summary>
    /// Writes <paramref name="value"/> as a change from <paramref name="baseline"/>, so that a value close to the
    /// one the peer already has costs few bits. Only the low <paramref name="bits"/> bits of both count.
    /// </summary>
    /// <remarks>
    /// <para>
    /// The change is taken modulo 2^<paramref name="bits"/> as a signed <paramref name="bits"/>-bit number (so
    /// going from the largest value to 0 is a change of +1), zigzag-encoded (0, -1, +1, -2, +2 ... become 0, 1, 2,
    /// 3, 4 ...) into <c>zz</c>, and written with the first of these classes that holds it, prefix bits first:
    /// </para>
    /// <list type="table">
    /// <listheader><term>written</term><description>when, and cost</description></listheader>
    /// <item><term>0 + 4 bits of zz</term><description>zz &lt; 16 (changes -8 to +7): 5 bits</description></item>
    /// <item><term>10 + 7 bits of zz</term><description>zz &lt; 128 (changes -64 to +63): 9 bits</description></item>
    /// <item><term>110 + 11 bits of zz</term><description>zz &lt; 2048 (changes -1024 to +1023): 14 bits</description></item>
    /// <item><term>111 + the value's bits</term><description>anything else: <paramref name="bits"/> + 3 bits</description></item>
    /// </list>
    /// <para>
    /// A class is used only when it is narrower than the value itself (<paramref name="bits"/>); the escape's
    /// prefix then has as many 1s as there are classes in use, and no closing 0. So:
    /// <paramref name="bits"/> 0 to 5: the value as it is, <paramref name="bits"/> bits, no prefix;
    /// 6 to 9: 5 bits, else <paramref name="bits"/> + 1 (prefix 1);
    /// 10 to 14: 5, 9, else <paramref name="bits"/> + 2 (prefix 11);
    /// 15 to 32: 5, 9, 14, else <paramref name="bits"/> + 3 (prefix 111).
    /// <see cref="GetRelativeBitCount"/> gives the cost of one value.
    /// </para>
    /// </remarks>
    /// <param name="value">The value, in [0, 2^<paramref name="bits"/>).</param>
    /// <param name="baseline">The value the reader already has, which it passes to <see cref="BitReader.ReadRelative"/>.</param>
    /// <param name="bits">The value's width, 0 to 32.</param>
    public void WriteRelative(uint value, uint baseline, int bits)
    {
        if ((uint)bits > 32u)
        {
            ThrowBitsOutOfRange(bits, 32);
        }

        int classes = RelativeClasses(bits);
        if (classes == 0)
        {
            WriteBits(value, bits);
            return;
        }

        uint zz = RelativeZigZag(value, baseline, bits);
        if (zz < 16)
        {
            WriteBits(zz << 1, 5);
        }
        else if (zz < 128 && classes > 1)
        {
            WriteBits(0b01 | (zz << 2), 9);
        }
        else if (zz < 2048 && classes > 2)
        {
            WriteBits(0b011 | (zz << 3), 14);
        }
        else
        {
            // The escape: one 1 per class in use, then the value (written once, so it overflows whole).
            ulong ones = (1UL << classes) - 1;
            WriteUInt64(ones | ((ulong)(value & (uint)((1UL << bits) - 1)) << classes), classes + bits);
        }
    }

    /// <summary>What <see cref="WriteRelative"/> spends on <paramref name="value"/> against <paramref name="baseline"/>, in bits.</summary>
    /// <param name="value">The value.</param>
    /// <param name="baseline">The baseline.</param>
    /// <param name="bits">The value's width, 0 to 32.</param>
    /// <returns>The bits written.</returns>
    public static int GetRelativeBitCount(uint value, uint baseline, int bits)
    {
        if ((uint)bits > 32u)
        {
            ThrowBitsOutOfRange(bits, 32);
        }

        int classes = RelativeClasses(bits);
        if (classes == 0)
        {
            return bits;
        }

        uint zz = RelativeZigZag(value, baseline, bits);
        return zz < 16 ? 5
            : zz < 128 && classes > 1 ? 9
            : zz < 2048 && classes > 2 ? 14
            : classes + bits;
    }

    /// <summary>How many of the classes of <see cref="WriteRelative"/> (payloads of 4, 7 and 11 bits) are narrower than <paramref name="bits"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int RelativeClasses(int bits) => bits <= 5 ? 0 : bits <= 9 ? 1 : bits <= 14 ? 2 : 3;

    /// <summary>The change from baseline to value, as a signed <paramref name="bits"/>-bit number, zigzag-encoded.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static uint RelativeZigZag(uint value, uint baseline, int bits)
    {
        // Sign-extend from `bits` (1 to 32): the shift keeps the low bits only, so wrapping is free.
        int shift = 32 - bits;
        int delta = (int)((value - baseline) << shift) >> shift;
        return (uint)((delta << 1) ^ (delta >> 31));
    }

    /// <summary>Captures the writer's position, pending bits and overflow flag, for <see cref="Rewind"/>.</summary>
    /// <returns>The mark.</returns>
    public readonly BitMark Mark() => new(_scratch, _bitsWritten, _limitBits < 0);

    /// <summary>
    /// Goes back to <paramref name="mark"/>, dropping what was written since, and clearing <see cref="IsOverflowed"/>
    /// if it was set after the mark. A <c>default</c> mark goes back to the start.
    /// </summary>
    /// <param name="mark">A mark from <see cref="Mark"/> on this writer.</param>
    /// <exception cref="ArgumentException">The mark is past this writer's capacity, so it is not from this writer.</exception>
    public void Rewind(BitMark mark)
    {
        if ((uint)mark.BitsWritten > (uint)CapacityBits)
        {
            throw new ArgumentException($"The mark at bit {mark.BitsWritten} is past this writer's capacity of {CapacityBits} bits.", nameof(mark));
        }

        _scratch = mark.Scratch;
        _bitsWritten = mark.BitsWritten;
        _limitBits = mark.Overflowed ? -1 : CapacityBits;
    }

    /// <summary>
    /// Puts the pending bits into the span, so that its first <see cref="BytesWritten"/> bytes hold everything
    /// written. Writing may go on afterwards.
    /// </summary>
    /// <returns><see cref="BytesWritten"/>.</returns>
    public int Flush()
    {
        SyncScratch();
        return BytesWritten;
    }

    /// <summary>Adds <paramref name="bits"/> (at most 32) bits that fit; <paramref name="value"/> has no higher bits set.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Append(ulong value, int bits)
    {
        Debug.Assert(bits <= 32 && (value >> bits) == 0 && bits <= _limitBits - _bitsWritten);
        int used = _bitsWritten & 31;
        int word = (_bitsWritten >> 5) << 2;
        ulong scratch = _scratch | (value << used);
        _bitsWritten += bits;
        if (used + bits >= 32)
        {
            // The word is complete. It fits: its 32 bits end at or before _bitsWritten, within the capacity.
            uint low = BitConverter.IsLittleEndian ? (uint)scratch : BinaryPrimitives.ReverseEndianness((uint)scratch);
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref MemoryMarshal.GetReference(_buffer), word), low);
            scratch >>= 32;
        }

        _scratch = scratch;
    }

    /// <summary>Writes the pending bytes of the word being filled to the span (the scratch keeps them).</summary>
    private readonly void SyncScratch()
    {
        int word = (_bitsWritten >> 5) << 2;
        int pending = ((_bitsWritten & 31) + 7) >> 3;
        for (int i = 0; i < pending; i++)
        {
            _buffer[word + i] = (byte)(_scratch >> (8 * i));
        }
    }

    /// <summary>After bytes went straight into the span at a byte boundary: takes the word's whole bytes back into the scratch.</summary>
    private void ReloadScratch()
    {
        int word = (_bitsWritten >> 5) << 2;
        int pending = (_bitsWritten & 31) >> 3;
        ulong scratch = 0;
        for (int i = 0; i < pending; i++)
        {
            scratch |= (ulong)_buffer[word + i] << (8 * i);
        }

        _scratch = scratch;
    }

    [DoesNotReturn]
    internal static void ThrowBitsOutOfRange(int bits, int max) =>
        throw new ArgumentOutOfRangeException(nameof(bits), bits, $"The width must be 0 to {max} bits.");
}

/// <summary>
/// A <see cref="BitWriter"/>'s state at one moment, from <see cref="BitWriter.Mark"/>, to go back to with
/// <see cref="BitWriter.Rewind"/> on the same writer. A <c>default</c> mark is the start.
/// </summary>
public readonly struct BitMark
{
    internal BitMark(ulong scratch, int bitsWritten, bool overflowed)
    {
        Scratch = scratch;
        BitsWritten = bitsWritten;
        Overflowed = overflowed;
    }

    /// <summary>The writer's <see cref="BitWriter.BitsWritten"/> when the mark was taken.</summary>
    public int BitsWritten { get; }

    /// <summary>The pending bits of the word being filled: the span does not hold them yet.</summary>
    internal ulong Scratch { get; }

    /// <summary>Whether the writer had overflowed.</summary>
    internal bool Overflowed { get; }
}
