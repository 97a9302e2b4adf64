using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Unicode;

namespace Travelers;

/// <summary>
/// Reads the Travelers wire format from a span. Every read is bounds-checked; a short or malformed
/// input throws <see cref="NetSerializationException"/> naming what was being read and the byte
/// offset. Lengths and counts are checked against <see cref="NetLimits"/> and against the bytes that
/// remain before anything is allocated.
/// </summary>
public ref struct NetReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    // Throw paths pass field values (_baseOffset + _pos), never Offset or Remaining: a property call the JIT
    // leaves un-inlined in a cold block takes `ref this`, and the whole reader then lives in memory.
    private readonly ReadOnlySpan<byte> _buffer;
    private readonly NetLimits _limits;
    private readonly int _baseOffset;
    private int _pos;
    private int _depth;
    private string? _schema;
    private int _member;

    /// <summary>Creates a reader with <see cref="NetLimits.Default"/>.</summary>
    /// <param name="buffer">The bytes to read.</param>
    public NetReader(ReadOnlySpan<byte> buffer)
        : this(buffer, NetLimits.Default)
    {
    }

    /// <summary>Creates a reader.</summary>
    /// <param name="buffer">The bytes to read.</param>
    /// <param name="limits">The limits to enforce.</param>
    public NetReader(ReadOnlySpan<byte> buffer, NetLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        _buffer = buffer;
        _limits = limits;
    }

    private NetReader(ReadOnlySpan<byte> buffer, NetLimits limits, int baseOffset, int depth, string? schema, int member)
    {
        _buffer = buffer;
        _limits = limits;
        _baseOffset = baseOffset;
        _depth = depth;
        _schema = schema;
        _member = member;
    }

    /// <summary>A reader positioned inside the top-level message <typeparamref name="T"/>, as if <see cref="ReadMessage{T}"/> had begun it.</summary>
    internal static NetReader ForMessage<T>(ReadOnlySpan<byte> buffer, NetLimits limits)
        where T : INetMessage<T> => new(buffer, limits, 0, 1, T.MessageSchema, 0);

    /// <summary>The offset of the next byte, from the start of the message.</summary>
    public readonly int Offset => _baseOffset + _pos;

    /// <summary>Bytes left to read.</summary>
    public readonly int Remaining => _buffer.Length - _pos;

    /// <summary>The limits this reader enforces.</summary>
    public readonly NetLimits Limits => _limits;

    /// <summary>
    /// For generated code: the index of the member being read in the message being read, so an error
    /// names it. An int store per member instead of a try/catch, which would keep the method from
    /// being optimized as a whole.
    /// </summary>
    public int MemberIndex
    {
        readonly get => _member;
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        set => _member = value;
    }

    /// <summary>An exception thrown by user code while reading, located at the member being read.</summary>
    internal readonly NetSerializationException UserCodeError(Exception exception) =>
        ThrowHelper.FromUserCode(_schema, _member, exception, _baseOffset + _pos);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref byte Take(int size, string what)
    {
        if (_buffer.Length - _pos < size)
        {
            ThrowHelper.EndOfInput(_schema, _member, what, size, _buffer.Length - _pos, _baseOffset + _pos);
        }

        ref byte at = ref Unsafe.Add(ref MemoryMarshal.GetReference(_buffer), _pos);
        _pos += size;
        return ref at;
    }

    /// <summary>
    /// For generated code: takes a run of fixed-width members of a message, checking bounds once. When
    /// the input is cut inside the run, the error names the member that is cut and its offset. Read the
    /// members with <see cref="NetLayout.Read{T}"/>.
    /// </summary>
    /// <param name="size">The run's size in bytes: the sum of <paramref name="widths"/>.</param>
    /// <param name="firstMember">The member index of the run's first member.</param>
    /// <param name="widths">The wire width of each member of the run, in order.</param>
    /// <returns>A reference to the run's first byte.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref readonly byte ReadRun(int size, int firstMember, ReadOnlySpan<byte> widths)
    {
        if (_buffer.Length - _pos < size)
        {
            // Out of line: the cold path must not spend the caller's inlining budget.
            ThrowRunCut(_schema, _buffer.Length - _pos, _baseOffset + _pos, firstMember, widths);
        }

        ref byte at = ref Unsafe.Add(ref MemoryMarshal.GetReference(_buffer), _pos);
        _pos += size;
        return ref at;
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowRunCut(string? schema, int remaining, int offset, int firstMember, ReadOnlySpan<byte> widths)
    {
        int start = remaining;
        int member = firstMember;
        foreach (byte width in widths)
        {
            if (remaining < width)
            {
                break;
            }

            remaining -= width;
            member++;
        }

        int needed = member - firstMember < widths.Length ? widths[member - firstMember] : 0;
        ThrowHelper.EndOfInput(schema, member, "a fixed-size member", needed, remaining, offset + (start - remaining));
    }

    /// <summary>Reads <paramref name="length"/> raw bytes without copying.</summary>
    /// <param name="length">How many bytes.</param>
    /// <returns>The bytes, a slice of the input.</returns>
    public ReadOnlySpan<byte> ReadRaw(int length)
    {
        if ((uint)length > (uint)(_buffer.Length - _pos))
        {
            ThrowHelper.EndOfInput(_schema, _member, "raw bytes", length, _buffer.Length - _pos, _baseOffset + _pos);
        }

        ReadOnlySpan<byte> slice = _buffer.Slice(_pos, length);
        _pos += length;
        return slice;
    }

    /// <summary>Copies the next <c>destination.Length</c> bytes into <paramref name="destination"/>.</summary>
    /// <param name="destination">Where the bytes go.</param>
    public void ReadRaw(scoped Span<byte> destination)
    {
        if (destination.IsEmpty)
        {
            return;
        }

        Unsafe.CopyBlockUnaligned(ref MemoryMarshal.GetReference(destination), ref Take(destination.Length, "a block of fixed-size members"), (uint)destination.Length);
    }

    /// <summary>Reads one byte.</summary>
    /// <returns>The value.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte ReadByte() => Take(1, "Byte");

    /// <summary>Reads one signed byte.</summary>
    /// <returns>The value.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public sbyte ReadSByte() => (sbyte)Take(1, "SByte");

    /// <summary>Reads a boolean; any byte but 0 or 1 is malformed.</summary>
    /// <returns>The value.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool ReadBoolean()
    {
        byte b = Take(1, "Boolean");
        if (b > 1)
        {
            ThrowHelper.Malformed(_schema, _member, $"a Boolean must be 0 or 1, not {b}", (_baseOffset + _pos) - 1);
        }

        return b != 0;
    }

    /// <summary>Reads a 16-bit integer.</summary>
    /// <returns>The value.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public short ReadInt16() => (short)ReadUInt16Core("Int16");

    /// <summary>Reads a 16-bit unsigned integer.</summary>
    /// <returns>The value.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ushort ReadUInt16() => ReadUInt16Core("UInt16");

    /// <summary>Reads a UTF-16 code unit.</summary>
    /// <returns>The value.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public char ReadChar() => (char)ReadUInt16Core("Char");

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ushort ReadUInt16Core(string what)
    {
        ushort v = Unsafe.ReadUnaligned<ushort>(ref Take(2, what));
        return BitConverter.IsLittleEndian ? v : BinaryPrimitives.ReverseEndianness(v);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint ReadUInt32Core(string what)
    {
        uint v = Unsafe.ReadUnaligned<uint>(ref Take(4, what));
        return BitConverter.IsLittleEndian ? v : BinaryPrimitives.ReverseEndianness(v);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong ReadUInt64Core(string what)
    {
        ulong v = Unsafe.ReadUnaligned<ulong>(ref Take(8, what));
        return BitConverter.IsLittleEndian ? v : BinaryPrimitives.ReverseEndianness(v);
    }

    /// <summary>Reads a 32-bit integer.</summary>
    /// <returns>The value.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int ReadInt32() => (int)ReadUInt32Core("Int32");

    /// <summary>Reads a 32-bit unsigned integer.</summary>
    /// <returns>The value.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint ReadUInt32() => ReadUInt32Core("UInt32");

    /// <summary>Reads a 64-bit integer.</summary>
    /// <returns>The value.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long ReadInt64() => (long)ReadUInt64Core("Int64");

    /// <summary>Reads a 64-bit unsigned integer.</summary>
    /// <returns>The value.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong ReadUInt64() => ReadUInt64Core("UInt64");

    /// <summary>Reads a 128-bit integer.</summary>
    /// <returns>The value.</returns>
    public Int128 ReadInt128() => (Int128)ReadUInt128Core("Int128");

    /// <summary>Reads a 128-bit unsigned integer.</summary>
    /// <returns>The value.</returns>
    public UInt128 ReadUInt128() => ReadUInt128Core("UInt128");

    // Values made of several parts take their whole size at once: a cut inside one names the value, its size
    // and the offset where it starts, as for any fixed-width read, not the part that happened to be cut.
    private UInt128 ReadUInt128Core(string what)
    {
        ref byte at = ref Take(16, what);
        return new UInt128(UInt64At(ref at, 8), UInt64At(ref at, 0));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint UInt32At(ref byte at, int offset)
    {
        uint v = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref at, offset));
        return BitConverter.IsLittleEndian ? v : BinaryPrimitives.ReverseEndianness(v);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong UInt64At(ref byte at, int offset)
    {
        ulong v = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref at, offset));
        return BitConverter.IsLittleEndian ? v : BinaryPrimitives.ReverseEndianness(v);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float SingleAt(ref byte at, int offset) => BitConverter.UInt32BitsToSingle(UInt32At(ref at, offset));

    /// <summary>Reads a half-precision float.</summary>
    /// <returns>The value, bits as written.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Half ReadHalf() => BitConverter.UInt16BitsToHalf(ReadUInt16Core("Half"));

    /// <summary>Reads a single-precision float.</summary>
    /// <returns>The value, bits as written.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float ReadSingle() => BitConverter.UInt32BitsToSingle(ReadUInt32Core("Single"));

    /// <summary>Reads a double-precision float.</summary>
    /// <returns>The value, bits as written.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double ReadDouble() => BitConverter.UInt64BitsToDouble(ReadUInt64Core("Double"));

    /// <summary>Reads a decimal; an invalid scale or reserved bits are malformed.</summary>
    /// <returns>The value.</returns>
    public decimal ReadDecimal()
    {
        int start = Offset;
        ref byte at = ref Take(16, "Decimal");
        Span<int> bits = stackalloc int[4];
        for (int i = 0; i < 4; i++)
        {
            bits[i] = (int)UInt32At(ref at, 4 * i);
        }

        int flags = bits[3];
        if ((flags & 0x7F00FFFF) != 0 || ((flags >> 16) & 0xFF) > 28)
        {
            ThrowHelper.Malformed(_schema, _member, "the Decimal's flags are invalid", start);
        }

        return new decimal(bits);
    }

    /// <summary>Reads a <see cref="Vector2"/>.</summary>
    /// <returns>The value.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector2 ReadVector2()
    {
        ref byte at = ref Take(8, "Vector2");
        return new(SingleAt(ref at, 0), SingleAt(ref at, 4));
    }

    /// <summary>Reads a <see cref="Vector3"/>.</summary>
    /// <returns>The value.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector3 ReadVector3()
    {
        ref byte at = ref Take(12, "Vector3");
        return new(SingleAt(ref at, 0), SingleAt(ref at, 4), SingleAt(ref at, 8));
    }

    /// <summary>Reads a <see cref="Vector4"/>.</summary>
    /// <returns>The value.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector4 ReadVector4()
    {
        ref byte at = ref Take(16, "Vector4");
        return new(SingleAt(ref at, 0), SingleAt(ref at, 4), SingleAt(ref at, 8), SingleAt(ref at, 12));
    }

    /// <summary>Reads a <see cref="Quaternion"/>.</summary>
    /// <returns>The value.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Quaternion ReadQuaternion()
    {
        ref byte at = ref Take(16, "Quaternion");
        return new(SingleAt(ref at, 0), SingleAt(ref at, 4), SingleAt(ref at, 8), SingleAt(ref at, 12));
    }

    /// <summary>Reads a <see cref="Guid"/>.</summary>
    /// <returns>The value.</returns>
    public Guid ReadGuid() => new(MemoryMarshal.CreateReadOnlySpan(ref Take(16, "Guid"), 16));

    /// <summary>Reads a <see cref="DateTime"/> written by <see cref="NetWriter.WriteDateTime"/>; out-of-range ticks are malformed.</summary>
    /// <returns>The value.</returns>
    public DateTime ReadDateTime()
    {
        int start = Offset;
        long data = (long)ReadUInt64Core("DateTime");
        try
        {
            // FromBinary validates ticks and kind; Local values carry a UTC offset it applies.
            return DateTime.FromBinary(data);
        }
        catch (ArgumentException)
        {
            ThrowHelper.Malformed(_schema, _member, "the DateTime is out of range", start);
            return default;
        }
    }

    /// <summary>Reads a <see cref="TimeSpan"/>.</summary>
    /// <returns>The value.</returns>
    public TimeSpan ReadTimeSpan() => new((long)ReadUInt64Core("TimeSpan"));

    /// <summary>Reads an entity's <see cref="NetId"/>: any value, an id the reader's world may not hold (look it up with <see cref="NetWorld.Find(NetId)"/>).</summary>
    /// <returns>The value.</returns>
    public NetId ReadNetId() => new(ReadUInt32Core("NetId"));

    /// <summary>Reads an unsigned LEB128 varint of at most 5 bytes; overlong and non-canonical forms are malformed.</summary>
    /// <returns>The value.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint ReadVarUInt32()
    {
        if (_pos < _buffer.Length)
        {
            byte b = Unsafe.Add(ref MemoryMarshal.GetReference(_buffer), _pos);
            if (b < 0x80)
            {
                _pos++;
                return b;
            }
        }

        ulong value = ReadVarSlow(5, "VarUInt32");
        if (value > uint.MaxValue)
        {
            ThrowHelper.Malformed(_schema, _member, "a VarUInt32 is larger than 32 bits", (_baseOffset + _pos) - 5);
        }

        return (uint)value;
    }

    /// <summary>Reads an unsigned LEB128 varint of at most 10 bytes; overlong and non-canonical forms are malformed.</summary>
    /// <returns>The value.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong ReadVarUInt64()
    {
        if (_pos < _buffer.Length)
        {
            byte b = Unsafe.Add(ref MemoryMarshal.GetReference(_buffer), _pos);
            if (b < 0x80)
            {
                _pos++;
                return b;
            }
        }

        return ReadVarSlow(10, "VarUInt64");
    }

    private ulong ReadVarSlow(int maxBytes, string what)
    {
        int start = Offset;
        ulong result = 0;
        for (int i = 0; i < maxBytes; i++)
        {
            if (_pos >= _buffer.Length)
            {
                ThrowHelper.EndOfInput(_schema, _member, what, i + 1, 0, _baseOffset + _pos);
            }

            byte b = _buffer[_pos++];
            if (i == 9 && b > 1)
            {
                ThrowHelper.Malformed(_schema, _member, $"a {what} is larger than 64 bits", start);
            }

            result |= (ulong)(b & 0x7F) << (7 * i);
            if (b < 0x80)
            {
                if (b == 0 && i > 0)
                {
                    ThrowHelper.Malformed(_schema, _member, $"a {what} is overlong (not in its shortest form)", start);
                }

                return result;
            }
        }

        ThrowHelper.Malformed(_schema, _member, $"a {what} runs past {maxBytes} bytes", start);
        return 0;
    }

    /// <summary>Reads a zigzag LEB128 varint that must fit a 16-bit signed integer.</summary>
    /// <returns>The value.</returns>
    public short ReadVarInt16()
    {
        int start = Offset;
        int value = ReadVarInt32();
        if (value is < short.MinValue or > short.MaxValue)
        {
            ThrowHelper.Malformed(_schema, _member, $"the varint {value} does not fit an Int16", start);
        }

        return (short)value;
    }

    /// <summary>Reads a LEB128 varint that must fit a 16-bit unsigned integer.</summary>
    /// <returns>The value.</returns>
    public ushort ReadVarUInt16()
    {
        int start = Offset;
        uint value = ReadVarUInt32();
        if (value > ushort.MaxValue)
        {
            ThrowHelper.Malformed(_schema, _member, $"the varint {value} does not fit a UInt16", start);
        }

        return (ushort)value;
    }

    /// <summary>Reads a zigzag LEB128 signed varint.</summary>
    /// <returns>The value.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int ReadVarInt32()
    {
        uint v = ReadVarUInt32();
        return (int)(v >> 1) ^ -(int)(v & 1);
    }

    /// <summary>Reads a zigzag LEB128 signed varint.</summary>
    /// <returns>The value.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long ReadVarInt64()
    {
        ulong v = ReadVarUInt64();
        return (long)(v >> 1) ^ -(long)(v & 1);
    }

    /// <summary>
    /// Reads a collection header and checks it before the caller allocates: the count is within
    /// <paramref name="maxLength"/> (or <see cref="NetLimits.MaxCollectionCount"/>) and the input left
    /// can hold that many elements of at least <paramref name="minElementSize"/> bytes.
    /// </summary>
    /// <param name="maxLength">The member's limit, or 0 for the global one.</param>
    /// <param name="minElementSize">The fewest bytes one element takes on the wire.</param>
    /// <returns>The element count, or -1 for null.</returns>
    public int ReadCount(int maxLength, int minElementSize)
    {
        int start = Offset;
        uint header = ReadVarUInt32();
        if (header == 0)
        {
            return -1;
        }

        uint count = header - 1;
        int limit = maxLength > 0 ? maxLength : _limits.MaxCollectionCount;
        if (count > (uint)limit)
        {
            ThrowHelper.LimitExceeded(_schema, _member, "collection count", count, limit, start);
        }

        if ((ulong)count * (ulong)minElementSize > (ulong)Remaining)
        {
            ThrowHelper.Malformed(_schema, _member, $"a collection of {count} elements cannot fit in the {_buffer.Length - _pos} bytes left", start);
        }

        return (int)count;
    }

    /// <summary>Reads a string written by <see cref="NetWriter.WriteString"/>; invalid UTF-8 is malformed.</summary>
    /// <param name="maxLength">The member's limit in chars, or 0 for <see cref="NetLimits.MaxStringBytes"/> only.</param>
    /// <returns>The string, or null.</returns>
    public string? ReadString(int maxLength = 0)
    {
        int start = Offset;
        uint header = ReadVarUInt32();
        if (header == 0)
        {
            return null;
        }

        uint byteCount = header - 1;
        if (byteCount > (uint)_limits.MaxStringBytes)
        {
            ThrowHelper.LimitExceeded(_schema, _member, "string UTF-8 bytes", byteCount, _limits.MaxStringBytes, start);
        }

        // A char takes at least one UTF-8 byte and a pair of them at most four: a string of
        // maxLength chars never needs more than 3 bytes a char.
        if (maxLength > 0 && byteCount > (ulong)maxLength * 3)
        {
            ThrowHelper.LimitExceeded(_schema, _member, "string UTF-8 bytes", byteCount, (long)maxLength * 3, start);
        }

        if (byteCount == 0)
        {
            return string.Empty;
        }

        if (byteCount > (uint)Remaining)
        {
            ThrowHelper.EndOfInput(_schema, _member, "String", (int)byteCount, _buffer.Length - _pos, _baseOffset + _pos);
        }

        ReadOnlySpan<byte> bytes = ReadRaw((int)byteCount);
        string value;
        try
        {
            // One pass: the strict decoder validates while it transcodes.
            value = StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            ThrowHelper.Malformed(_schema, _member, "the string is not valid UTF-8", start);
            return null;
        }

        if (maxLength > 0 && value.Length > maxLength)
        {
            ThrowHelper.LimitExceeded(_schema, _member, "string length", value.Length, maxLength, start);
        }

        return value;
    }

    /// <summary>Reads a byte array written by <see cref="NetWriter.WriteBytes(byte[], int)"/>.</summary>
    /// <param name="maxLength">The member's limit, or 0 for <see cref="NetLimits.MaxCollectionCount"/>.</param>
    /// <returns>A new array, or null.</returns>
    public byte[]? ReadBytes(int maxLength = 0)
    {
        int count = ReadCount(maxLength, 1);
        return count < 0 ? null : ReadRaw(count).ToArray();
    }

    /// <summary>Reads primitives written by <see cref="NetWriter.WritePrimitives{T}"/> into <paramref name="destination"/>.</summary>
    /// <typeparam name="T">A fixed-width primitive, enum, or System.Numerics vector/quaternion.</typeparam>
    /// <param name="destination">Where the values go; its length says how many.</param>
    public void ReadPrimitives<T>(scoped Span<T> destination)
        where T : unmanaged
    {
        Span<byte> bytes = MemoryMarshal.AsBytes(destination);
        ReadRaw(bytes);
        if (!BitConverter.IsLittleEndian)
        {
            Endian.ReverseComponents<T>(bytes);
        }
    }

    /// <summary>Reads a nested message, counting nesting depth.</summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <returns>The message.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T ReadMessage<T>()
        where T : INetMessage<T>
    {
        if (++_depth > _limits.MaxDepth)
        {
            ThrowHelper.LimitExceeded(_schema, _member, "nesting depth", _depth, _limits.MaxDepth, _baseOffset + _pos);
        }

        // Errors name the innermost message and member: save the outer ones, restore on return.
        string? outerSchema = _schema;
        int outerMember = _member;
        _schema = T.MessageSchema;
        _member = 0;
        T value = T.Deserialize(ref this);
        _schema = outerSchema;
        _member = outerMember;
        _depth--;
        return value;
    }

    /// <summary>Reads a nested message written by <see cref="NetWriter.WriteMessageOrNull{T}"/>.</summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <returns>The message, or null.</returns>
    public T? ReadMessageOrNull<T>()
        where T : class, INetMessage<T>
    {
        return ReadPresence() ? ReadMessage<T>() : null;
    }

    /// <summary>Reads a presence byte of a nullable value: false for null, true when a value follows.</summary>
    /// <returns>Whether a value follows.</returns>
    public bool ReadPresence()
    {
        byte presence = ReadByte();
        if (presence > 1)
        {
            ThrowHelper.Malformed(_schema, _member, $"a presence byte must be 0 or 1, not {presence}", (_baseOffset + _pos) - 1);
        }

        return presence == 1;
    }

    /// <summary>Reads messages written by <see cref="NetWriter.TryWritePacked{T}"/> into <paramref name="destination"/>.</summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <param name="destination">Where the messages go; its length says how many.</param>
    /// <returns>False, having read nothing, when <typeparamref name="T"/> is not packed.</returns>
    public bool TryReadPacked<T>(scoped Span<T> destination)
        where T : struct, INetMessage<T>
    {
        int size = T.PackedSize;
        if (size == 0)
        {
            return false;
        }

        if (size == Unsafe.SizeOf<T>())
        {
            ReadRaw(MemoryMarshal.AsBytes(destination));
            return true;
        }

        ref byte source = ref Take(checked(size * destination.Length), typeof(T).Name);
        for (int i = 0; i < destination.Length; i++)
        {
            Unsafe.CopyBlockUnaligned(ref Unsafe.As<T, byte>(ref destination[i]), ref Unsafe.Add(ref source, i * size), (uint)size);
        }

        return true;
    }

    /// <summary>
    /// For generated code: reads a version-tolerant section header and returns a reader over its
    /// body; this reader moves past the whole section, so members the caller does not know are skipped.
    /// </summary>
    /// <param name="memberCount">How many members the writer wrote.</param>
    /// <returns>A reader over the section's body.</returns>
    public NetReader ReadSection(out int memberCount)
    {
        uint count = ReadVarUInt32();
        if (count > 4096)
        {
            ThrowHelper.LimitExceeded(_schema, _member, "member count", count, 4096, _baseOffset + _pos);
        }

        uint length = ReadVarUInt32();
        int bodyStart = Offset;
        ReadOnlySpan<byte> body = ReadRaw(checked((int)Math.Min(length, int.MaxValue)));
        memberCount = (int)count;
        return new NetReader(body, _limits, bodyStart, _depth, _schema, _member);
    }

    /// <summary>Fails unless every byte has been read; trailing bytes are malformed.</summary>
    public readonly void EnsureEnd()
    {
        if (_pos != _buffer.Length)
        {
            ThrowHelper.Malformed(_schema, _member, $"{_buffer.Length - _pos} bytes are left after the message", _baseOffset + _pos);
        }
    }

    /// <summary>Adds to a dictionary, refusing duplicate keys (hostile input cannot silently replace an entry).</summary>
    /// <typeparam name="TKey">Key type.</typeparam>
    /// <typeparam name="TValue">Value type.</typeparam>
    /// <param name="dictionary">The dictionary being filled.</param>
    /// <param name="key">The key read.</param>
    /// <param name="value">The value read.</param>
    public readonly void AddEntry<TKey, TValue>(Dictionary<TKey, TValue> dictionary, TKey key, TValue value)
        where TKey : notnull
    {
        if (key is null)
        {
            ThrowHelper.Malformed(_schema, _member, "a dictionary key is null", _baseOffset + _pos);
        }

        if (!dictionary.TryAdd(key, value))
        {
            ThrowHelper.Malformed(_schema, _member, "a dictionary key appears twice", _baseOffset + _pos);
        }
    }

    /// <summary>Adds to a set, refusing duplicates.</summary>
    /// <typeparam name="T">Element type.</typeparam>
    /// <param name="set">The set being filled.</param>
    /// <param name="item">The element read.</param>
    public readonly void AddElement<T>(HashSet<T> set, T item)
    {
        if (!set.Add(item))
        {
            ThrowHelper.Malformed(_schema, _member, "a set element appears twice", _baseOffset + _pos);
        }
    }
}
