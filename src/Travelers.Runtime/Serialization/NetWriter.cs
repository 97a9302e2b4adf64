using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Unicode;

namespace Travelers;

/// <summary>
/// Writes the Travelers wire format: fixed-width little-endian primitives, LEB128 varints (zigzag for
/// signed), length-prefixed UTF-8 strings and collections. A <c>ref struct</c> over an
/// <see cref="IBufferWriter{T}"/> or a <see cref="Span{T}"/>; call <see cref="Flush"/> when done with a
/// buffer writer. The fast path writes into the span it already holds; only a refill calls the output.
/// </summary>
public ref struct NetWriter
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    // Throw paths pass field values (_committed + _pos), never BytesWritten, and slow paths take the writer by
    // value: anything that takes `ref this` without being inlined keeps the whole writer in memory.
    private readonly IBufferWriter<byte>? _output;
    private readonly NetLimits _limits;
    private Span<byte> _span;
    private int _pos;
    private long _committed;
    private byte[]? _pooled;
    private bool _spill;
    private int _depth;
    private string? _schema;
    private int _member;

    /// <summary>Creates a writer that appends to <paramref name="output"/>, with <see cref="NetLimits.Default"/>.</summary>
    /// <param name="output">Where the bytes go; <see cref="Flush"/> advances it.</param>
    public NetWriter(IBufferWriter<byte> output)
        : this(output, NetLimits.Default)
    {
    }

    /// <summary>Creates a writer that appends to <paramref name="output"/>.</summary>
    /// <param name="output">Where the bytes go; <see cref="Flush"/> advances it.</param>
    /// <param name="limits">Limits the writer enforces, so that it never produces what a peer refuses.</param>
    public NetWriter(IBufferWriter<byte> output, NetLimits limits)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(limits);
        _output = output;
        _limits = limits;

        // Take the output's span now: the first write then stays on the inlined fast path.
        _span = output.GetSpan();
    }

    /// <summary>Creates a writer into a fixed span; writing past its end throws <see cref="NetSerializationException"/>.</summary>
    /// <param name="destination">The span to fill.</param>
    public NetWriter(Span<byte> destination)
        : this(destination, NetLimits.Default)
    {
    }

    /// <summary>Creates a writer into a fixed span; writing past its end throws <see cref="NetSerializationException"/>.</summary>
    /// <param name="destination">The span to fill.</param>
    /// <param name="limits">Limits the writer enforces.</param>
    public NetWriter(Span<byte> destination, NetLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        _limits = limits;
        _span = destination;
    }

    /// <summary>A writer positioned inside the top-level message <typeparamref name="T"/>, as if <see cref="WriteMessage{T}"/> had begun it.</summary>
    internal static NetWriter ForMessage<T>(IBufferWriter<byte> output, NetLimits limits)
        where T : INetMessage<T> => new(output, limits) { _depth = 1, _schema = T.MessageSchema };

    /// <summary>A span writer positioned inside the top-level message <typeparamref name="T"/>.</summary>
    internal static NetWriter ForMessage<T>(Span<byte> destination, NetLimits limits)
        where T : INetMessage<T> => new(destination, limits) { _depth = 1, _schema = T.MessageSchema };

    /// <summary>
    /// A span writer for <typeparamref name="T"/> that, instead of failing when <paramref name="destination"/> is
    /// full, moves what it has to a pooled array and goes on there (see <see cref="Spilled"/>). Messaging writes
    /// into a connection's output this way: nothing is committed until the whole message is written.
    /// </summary>
    internal static NetWriter Spilling<T>(Span<byte> destination, NetLimits limits)
        where T : INetMessage<T> => new(destination, limits) { _depth = 1, _schema = T.MessageSchema, _spill = true };

    /// <summary>The pooled array a spilling writer moved to (its bytes are <see cref="WrittenSpan"/>), or null.</summary>
    internal readonly byte[]? Spilled => _pooled;

    /// <summary>Bytes written so far.</summary>
    public readonly long BytesWritten => _committed + _pos;

    /// <summary>The limits this writer enforces.</summary>
    public readonly NetLimits Limits => _limits;

    /// <summary>
    /// For generated code: the index of the member being written in the message being written, so an
    /// error names it.
    /// </summary>
    public int MemberIndex
    {
        readonly get => _member;
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        set => _member = value;
    }

    /// <summary>An exception thrown by user code while writing, located at the member being written.</summary>
    internal readonly NetSerializationException UserCodeError(Exception exception) =>
        ThrowHelper.FromUserCode(_schema, _member, exception, _committed + _pos);

    /// <summary>The bytes written to a span or scratch writer (not to a buffer writer) so far.</summary>
    public readonly ReadOnlySpan<byte> WrittenSpan => _output is null ? _span[.._pos] : throw new InvalidOperationException("A writer over an IBufferWriter<byte> has no single written span.");

    /// <summary>
    /// For generated code (version-tolerant messages): a writer over a pooled, growing buffer, with this
    /// writer's limits and depth, whose bytes are then written as one section with <see cref="WriteSection"/>.
    /// Dispose it to return the buffer.
    /// </summary>
    /// <returns>The scratch writer.</returns>
    public readonly NetWriter CreateScratch()
    {
        byte[] pooled = ArrayPool<byte>.Shared.Rent(256);
        return new NetWriter(pooled, _limits) { _pooled = pooled, _depth = _depth, _schema = _schema, _member = _member };
    }

    /// <summary>Returns a scratch writer's buffer to the pool; does nothing for other writers.</summary>
    public void Dispose()
    {
        if (_pooled is { } pooled)
        {
            _pooled = null;
            _span = default;
            ArrayPool<byte>.Shared.Return(pooled);
        }
    }

    /// <summary>Advances the underlying buffer writer past what was written. Call once when done.</summary>
    public void Flush()
    {
        if (_output is not null && _pos > 0)
        {
            _output.Advance(_pos);
            _committed += _pos;
            _pos = 0;
            _span = default;
        }
    }

    /// <summary>Returns a span of at least <paramref name="sizeHint"/> bytes at the current position; follow with <see cref="Advance"/>.</summary>
    /// <param name="sizeHint">Bytes needed.</param>
    /// <returns>The writable span.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<byte> GetSpan(int sizeHint)
    {
        if (_span.Length - _pos < sizeHint)
        {
            this = Grown(this, sizeHint);
        }

        return _span[_pos..];
    }

    /// <summary>Moves the position past <paramref name="count"/> bytes written into the last <see cref="GetSpan"/>.</summary>
    /// <param name="count">Bytes written.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Advance(int count) => _pos += count;

    /// <summary>
    /// For generated code: reserves <paramref name="size"/> bytes for a run of fixed-width members and
    /// moves past them, so the run's bounds are checked once. Fill them with <see cref="NetLayout.Write{T}"/>
    /// before the next write.
    /// </summary>
    /// <param name="size">The run's size in bytes.</param>
    /// <returns>A reference to the run's first byte.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref byte ReserveRun(int size) => ref Reserve(size);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref byte Reserve(int size)
    {
        if (_span.Length - _pos < size)
        {
            this = Grown(this, size);
        }

        ref byte at = ref Unsafe.Add(ref MemoryMarshal.GetReference(_span), _pos);
        _pos += size;
        return ref at;
    }

    /// <summary>
    /// The slow path of every write, taking and returning the writer by value: passing <c>ref this</c> to a call
    /// would make the JIT keep the whole writer in memory on the fast path too. Copying it here costs less
    /// than the refill itself.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static NetWriter Grown(NetWriter writer, int size)
    {
        writer.Grow(size);
        return writer;
    }

    private void Grow(int size)
    {
        long total = _committed + _pos + (long)size;
        if (total > _limits.MaxMessageBytes)
        {
            ThrowHelper.LimitExceeded(_schema, _member, "message size", total, _limits.MaxMessageBytes, _committed + _pos);
        }

        if (_pooled is not null)
        {
            byte[] bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_pooled.Length * 2, _pos + size));
            _span[.._pos].CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_pooled);
            _pooled = bigger;
            _span = bigger;
            return;
        }

        if (_output is null && _spill)
        {
            byte[] spilled = ArrayPool<byte>.Shared.Rent(Math.Max(_span.Length * 2, _pos + size));
            _span[.._pos].CopyTo(spilled);
            _pooled = spilled;
            _span = spilled;
            return;
        }

        if (_output is null)
        {
            ThrowHelper.DestinationTooSmall(_schema, _member, size - (_span.Length - _pos), _committed + _pos);
        }

        if (_pos > 0)
        {
            _output.Advance(_pos);
            _committed += _pos;
            _pos = 0;
        }

        _span = _output.GetSpan(size);
        if (_span.Length < size)
        {
            ThrowHelper.Malformed(_schema, _member, $"the buffer writer returned {_span.Length} bytes when {size} were asked", _committed + _pos);
        }
    }

    /// <summary>Writes raw bytes with no length prefix.</summary>
    /// <param name="bytes">The bytes.</param>
    public void WriteRaw(scoped ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return;
        }

        Unsafe.CopyBlockUnaligned(ref Reserve(bytes.Length), ref MemoryMarshal.GetReference(bytes), (uint)bytes.Length);
    }

    /// <summary>Writes one byte.</summary>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteByte(byte value) => Reserve(1) = value;

    /// <summary>Writes one signed byte.</summary>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteSByte(sbyte value) => Reserve(1) = (byte)value;

    /// <summary>Writes a boolean as one byte, 0 or 1.</summary>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteBoolean(bool value) => Reserve(1) = value ? (byte)1 : (byte)0;

    /// <summary>Writes a 16-bit integer, little-endian.</summary>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteInt16(short value) => WriteUInt16((ushort)value);

    /// <summary>Writes a 16-bit unsigned integer, little-endian.</summary>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteUInt16(ushort value) =>
        Unsafe.WriteUnaligned(ref Reserve(2), BitConverter.IsLittleEndian ? value : BinaryPrimitives.ReverseEndianness(value));

    /// <summary>Writes a UTF-16 code unit as a 16-bit unsigned integer.</summary>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteChar(char value) => WriteUInt16(value);

    /// <summary>Writes a 32-bit integer, little-endian.</summary>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteInt32(int value) => WriteUInt32((uint)value);

    /// <summary>Writes a 32-bit unsigned integer, little-endian.</summary>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteUInt32(uint value) =>
        Unsafe.WriteUnaligned(ref Reserve(4), BitConverter.IsLittleEndian ? value : BinaryPrimitives.ReverseEndianness(value));

    /// <summary>Writes a 64-bit integer, little-endian.</summary>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteInt64(long value) => WriteUInt64((ulong)value);

    /// <summary>Writes a 64-bit unsigned integer, little-endian.</summary>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteUInt64(ulong value) =>
        Unsafe.WriteUnaligned(ref Reserve(8), BitConverter.IsLittleEndian ? value : BinaryPrimitives.ReverseEndianness(value));

    /// <summary>Writes a 128-bit integer, little-endian.</summary>
    /// <param name="value">The value.</param>
    public void WriteInt128(Int128 value) => WriteUInt128((UInt128)value);

    /// <summary>Writes a 128-bit unsigned integer, little-endian.</summary>
    /// <param name="value">The value.</param>
    public void WriteUInt128(UInt128 value)
    {
        WriteUInt64((ulong)value);
        WriteUInt64((ulong)(value >> 64));
    }

    /// <summary>Writes a half-precision float's bits, little-endian.</summary>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteHalf(Half value) => WriteUInt16(BitConverter.HalfToUInt16Bits(value));

    /// <summary>Writes a single-precision float's bits, little-endian (NaN payloads and -0.0 kept).</summary>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteSingle(float value) => WriteUInt32(BitConverter.SingleToUInt32Bits(value));

    /// <summary>Writes a double-precision float's bits, little-endian (NaN payloads and -0.0 kept).</summary>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteDouble(double value) => WriteUInt64(BitConverter.DoubleToUInt64Bits(value));

    /// <summary>Writes a decimal as its four 32-bit parts, little-endian.</summary>
    /// <param name="value">The value.</param>
    public void WriteDecimal(decimal value)
    {
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(value, bits);
        for (int i = 0; i < 4; i++)
        {
            WriteInt32(bits[i]);
        }
    }

    /// <summary>Writes a <see cref="Vector2"/> as two floats.</summary>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteVector2(Vector2 value)
    {
        WriteSingle(value.X);
        WriteSingle(value.Y);
    }

    /// <summary>Writes a <see cref="Vector3"/> as three floats.</summary>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteVector3(Vector3 value)
    {
        WriteSingle(value.X);
        WriteSingle(value.Y);
        WriteSingle(value.Z);
    }

    /// <summary>Writes a <see cref="Vector4"/> as four floats.</summary>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteVector4(Vector4 value)
    {
        WriteSingle(value.X);
        WriteSingle(value.Y);
        WriteSingle(value.Z);
        WriteSingle(value.W);
    }

    /// <summary>Writes a <see cref="Quaternion"/> as four floats (X, Y, Z, W).</summary>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteQuaternion(Quaternion value)
    {
        WriteSingle(value.X);
        WriteSingle(value.Y);
        WriteSingle(value.Z);
        WriteSingle(value.W);
    }

    /// <summary>Writes a <see cref="Guid"/> as its 16 bytes in little-endian field order (as <see cref="Guid.ToByteArray()"/>).</summary>
    /// <param name="value">The value.</param>
    public void WriteGuid(Guid value)
    {
        Span<byte> at = GetSpan(16);
        value.TryWriteBytes(at);
        _pos += 16;
    }

    /// <summary>Writes a <see cref="DateTime"/> as the 64-bit value of <see cref="DateTime.ToBinary"/> (ticks and kind).</summary>
    /// <param name="value">The value.</param>
    public void WriteDateTime(DateTime value) => WriteInt64(value.ToBinary());

    /// <summary>Writes a <see cref="TimeSpan"/> as its 64-bit ticks.</summary>
    /// <param name="value">The value.</param>
    public void WriteTimeSpan(TimeSpan value) => WriteInt64(value.Ticks);

    /// <summary>Writes an entity's <see cref="NetId"/> as its 32-bit value.</summary>
    /// <param name="value">The value.</param>
    public void WriteNetId(NetId value) => WriteUInt32(value.Value);

    /// <summary>Writes an unsigned LEB128 varint (1 to 5 bytes).</summary>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteVarUInt32(uint value)
    {
        if (value < 0x80)
        {
            Reserve(1) = (byte)value;
            return;
        }

        WriteVarUInt64Slow(value);
    }

    /// <summary>Writes an unsigned LEB128 varint (1 to 10 bytes).</summary>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteVarUInt64(ulong value)
    {
        if (value < 0x80)
        {
            Reserve(1) = (byte)value;
            return;
        }

        WriteVarUInt64Slow(value);
    }

    private void WriteVarUInt64Slow(ulong value)
    {
        // Reserve exactly what the value needs: a fixed destination may have no room to spare.
        int size = (BitOperations.Log2(value | 1) / 7) + 1;
        ref byte at = ref Reserve(size);
        for (int i = 0; i < size - 1; i++)
        {
            Unsafe.Add(ref at, i) = (byte)(value | 0x80);
            value >>= 7;
        }

        Unsafe.Add(ref at, size - 1) = (byte)value;
    }

    /// <summary>Writes a signed integer as a zigzag LEB128 varint (small magnitudes take one byte).</summary>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteVarInt32(int value) => WriteVarUInt32((uint)((value << 1) ^ (value >> 31)));

    /// <summary>Writes a signed integer as a zigzag LEB128 varint.</summary>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteVarInt64(long value) => WriteVarUInt64((ulong)((value << 1) ^ (value >> 63)));

    /// <summary>
    /// Writes a collection's header: a varint of <paramref name="count"/> + 1, or 0 for null (pass -1).
    /// </summary>
    /// <param name="count">Elements that follow, or -1 for null.</param>
    /// <param name="maxLength">The member's <see cref="MaxLengthAttribute"/>, or 0 for <see cref="NetLimits.MaxCollectionCount"/>.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteCount(int count, int maxLength = 0)
    {
        int limit = maxLength > 0 ? maxLength : _limits.MaxCollectionCount;
        if (count > limit)
        {
            ThrowHelper.LimitExceeded(_schema, _member, "collection count", count, limit, _committed + _pos);
        }

        WriteVarUInt32((uint)(count + 1));
    }

    /// <summary>Writes a string as a varint of its UTF-8 length + 1 (0 for null) and its UTF-8 bytes.</summary>
    /// <param name="value">The string; lone surrogates are refused, since they cannot come back as they went.</param>
    /// <param name="maxLength">The member's limit in chars, or 0 for <see cref="NetLimits.MaxStringBytes"/> only.</param>
    public void WriteString(string? value, int maxLength = 0)
    {
        if (value is null)
        {
            WriteByte(0);
            return;
        }

        if (maxLength > 0 && value.Length > maxLength)
        {
            ThrowHelper.LimitExceeded(_schema, _member, "string length", value.Length, maxLength, _committed + _pos);
        }

        // Transcode straight into the output after a prefix sized for the worst case (3 bytes a char),
        // then close the gap if the real length needs fewer varint bytes: one pass over the chars.
        // Count exactly instead when the worst case would pass a limit or a fixed destination's end.
        long reserveLong = (long)value.Length * 3;
        long room = _limits.MaxMessageBytes - (_committed + _pos) - 5;
        bool fixedDestination = _output is null && _pooled is null;
        if (reserveLong > _limits.MaxStringBytes || reserveLong > room || (fixedDestination && _span.Length - _pos < reserveLong + 5))
        {
            reserveLong = Encoding.UTF8.GetByteCount(value);
            if (reserveLong > _limits.MaxStringBytes)
            {
                ThrowHelper.LimitExceeded(_schema, _member, "string UTF-8 bytes", reserveLong, _limits.MaxStringBytes, _committed + _pos);
            }
        }

        int reserve = (int)reserveLong;

        // Guess the prefix from the char count (most game strings are ASCII: one byte a char), transcode
        // after it, and move the bytes only when the guess was wrong: never for short ASCII strings.
        // UTF-8 never takes fewer bytes than UTF-16 chars, so the guess never exceeds the largest prefix.
        Span<byte> span = GetSpan(VarUIntSize((uint)reserve + 1) + reserve);
        int written = WritePrefixedUtf8(value, span, reserve);
        if (written < 0)
        {
            ThrowHelper.Malformed(_schema, _member, "the string holds an unpaired surrogate, which UTF-8 cannot carry", _committed + _pos);
        }

        _pos += written;
    }

    /// <summary>
    /// Writes <paramref name="value"/> as a varint of its UTF-8 length + 1 and its UTF-8 bytes; returns the bytes
    /// written, or -1 for an unpaired surrogate. Static and apart from <see cref="WriteString"/> so that
    /// inlining a string write costs callers little of the JIT's budget. Never inlined: the vectorized ASCII
    /// narrowing is large, and inlined twice it used up the budget of a whole ChatLine serialize (measured).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int WritePrefixedUtf8(string value, Span<byte> span, int reserve)
    {
        // Guess the prefix from the char count (most game strings are ASCII: one byte a char), transcode
        // after it, and move the bytes only when the guess was wrong: never for short ASCII strings.
        // UTF-8 never takes fewer bytes than UTF-16 chars, so the guess never exceeds the largest prefix.
        int guess = VarUIntSize((uint)value.Length + 1);
        // ASCII first: a vectorized narrowing that stops at the first other char; then strict UTF-8 from the start.
        if (Ascii.FromUtf16(value, span.Slice(guess, reserve), out int written) != OperationStatus.Done)
        {
            written = EncodeStrict(value, span.Slice(guess, reserve));
            if (written < 0)
            {
                return -1;
            }
        }

        uint header = (uint)written + 1;
        int prefix = VarUIntSize(header);
        if (prefix != guess)
        {
            span.Slice(guess, written).CopyTo(span[prefix..]);
        }

        int i = 0;
        while (header >= 0x80)
        {
            span[i++] = (byte)(header | 0x80);
            header >>= 7;
        }

        span[i] = (byte)header;
        return prefix + written;
    }

    /// <summary>
    /// UTF-8 that refuses unpaired surrogates. Through <see cref="Encoding"/> rather than
    /// <see cref="Utf8.FromUtf16"/>, whose argument handling costs about 3 ns a string (measured on ChatLine);
    /// the exception is thrown only for a string the game itself built wrongly.
    /// </summary>
    private static int EncodeStrict(string value, Span<byte> destination)
    {
        try
        {
            return StrictUtf8.GetBytes(value, destination);
        }
        catch (EncoderFallbackException)
        {
            return -1;
        }
    }

    /// <summary>Writes a byte array as a varint of its length + 1 (0 for null) and its bytes.</summary>
    /// <param name="value">The bytes, or null.</param>
    /// <param name="maxLength">The member's limit, or 0 for <see cref="NetLimits.MaxCollectionCount"/>.</param>
    public void WriteBytes(byte[]? value, int maxLength)
    {
        if (value is null)
        {
            WriteByte(0);
            return;
        }

        WriteBytes(value.AsSpan(), maxLength);
    }

    /// <summary>Writes bytes as a varint of their length + 1 and the bytes.</summary>
    /// <param name="value">The bytes.</param>
    /// <param name="maxLength">The member's limit, or 0 for <see cref="NetLimits.MaxCollectionCount"/>.</param>
    public void WriteBytes(scoped ReadOnlySpan<byte> value, int maxLength)
    {
        WriteCount(value.Length, maxLength);
        WriteRaw(value);
    }

    /// <summary>
    /// Writes a span of fixed-width primitives (or vectors of them) in one copy on little-endian
    /// machines; the bytes are those that writing each element would produce.
    /// </summary>
    /// <typeparam name="T">A fixed-width primitive, enum, or System.Numerics vector/quaternion.</typeparam>
    /// <param name="values">The values.</param>
    public void WritePrimitives<T>(scoped ReadOnlySpan<T> values)
        where T : unmanaged
    {
        ReadOnlySpan<byte> bytes = MemoryMarshal.AsBytes(values);
        if (BitConverter.IsLittleEndian)
        {
            WriteRaw(bytes);
            return;
        }

        Span<byte> span = GetSpan(bytes.Length);
        bytes.CopyTo(span);
        Endian.ReverseComponents<T>(span[..bytes.Length]);
        _pos += bytes.Length;
    }

    /// <summary>Writes a nested message, counting nesting depth.</summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <param name="value">The message.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteMessage<T>(in T value)
        where T : INetMessage<T>
    {
        if (++_depth > _limits.MaxDepth)
        {
            ThrowHelper.LimitExceeded(_schema, _member, "nesting depth", _depth, _limits.MaxDepth, _committed + _pos);
        }

        string? outerSchema = _schema;
        int outerMember = _member;
        _schema = T.MessageSchema;
        _member = 0;
        T.Serialize(ref this, in value);
        _schema = outerSchema;
        _member = outerMember;
        _depth--;
    }

    /// <summary>Writes a nested message that may be null: a presence byte, then the message.</summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <param name="value">The message or null.</param>
    public void WriteMessageOrNull<T>(T? value)
        where T : class, INetMessage<T>
    {
        if (value is null)
        {
            WriteByte(0);
            return;
        }

        WriteByte(1);
        WriteMessage(in value);
    }

    /// <summary>
    /// Writes messages whose <see cref="INetMessage{TSelf}.PackedSize"/> is not 0 by copying each one's
    /// packed bytes (one copy in all when there is no padding). No header: write the count first.
    /// </summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <param name="values">The messages.</param>
    /// <returns>False, having written nothing, when <typeparamref name="T"/> is not packed.</returns>
    public bool TryWritePacked<T>(scoped ReadOnlySpan<T> values)
        where T : struct, INetMessage<T>
    {
        int size = T.PackedSize;
        if (size == 0)
        {
            return false;
        }

        if (size == Unsafe.SizeOf<T>())
        {
            WriteRaw(MemoryMarshal.AsBytes(values));
            return true;
        }

        ref byte destination = ref Reserve(checked(size * values.Length));
        for (int i = 0; i < values.Length; i++)
        {
            Unsafe.CopyBlockUnaligned(
                ref Unsafe.Add(ref destination, i * size),
                ref Unsafe.As<T, byte>(ref Unsafe.AsRef(in values[i])),
                (uint)size);
        }

        return true;
    }

    /// <summary>
    /// For generated code: writes a version-tolerant section: the member count, the byte length of
    /// <paramref name="body"/> (a writer from <see cref="CreateScratch"/>), then its bytes.
    /// </summary>
    /// <param name="memberCount">How many members the body holds.</param>
    /// <param name="body">The scratch writer holding the members.</param>
    public void WriteSection(int memberCount, scoped ref NetWriter body)
    {
        ReadOnlySpan<byte> bytes = body.WrittenSpan;
        WriteVarUInt32((uint)memberCount);
        WriteVarUInt32((uint)bytes.Length);
        WriteRaw(bytes);
    }

    /// <summary>The number of bytes <see cref="WriteVarUInt32"/> writes for <paramref name="value"/>.</summary>
    /// <param name="value">The value.</param>
    /// <returns>1 to 5.</returns>
    public static int VarUIntSize(uint value) => (BitOperations.Log2(value | 1) / 7) + 1;

    /// <summary>Writes <paramref name="value"/> as a varint at the start of <paramref name="destination"/>, for framing code outside a writer.</summary>
    /// <returns>The bytes written, <see cref="VarUIntSize"/> of it.</returns>
    internal static int WriteVarUInt(Span<byte> destination, uint value)
    {
        int i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        destination[i++] = (byte)value;
        return i;
    }
}
