using System;
using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Travelers;

/// <summary>
/// Serializes and deserializes <see cref="NetMessageAttribute">[NetMessage]</see> types with the code the
/// source generator wrote for them. No reflection, no dictionary lookups: each call goes straight to
/// the type's generated static members.
/// </summary>
public static class NetSerializer
{
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_scratch;

    /// <summary>Writes <paramref name="value"/> to <paramref name="output"/> with <see cref="NetLimits.Default"/>.</summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <param name="output">Where the bytes go.</param>
    /// <param name="value">The message.</param>
    /// <exception cref="NetSerializationException">A member is over its limit or cannot be written.</exception>
    public static void Serialize<T>(IBufferWriter<byte> output, in T value)
        where T : INetMessage<T> => Serialize(output, in value, NetLimits.Default);

    /// <summary>Writes <paramref name="value"/> to <paramref name="output"/>.</summary>
    /// <remarks>If it fails, bytes already handed to <paramref name="output"/> at a buffer refill stay there:
    /// a caller batching several messages into one buffer should serialize into a scratch buffer first.</remarks>
    /// <typeparam name="T">The message type.</typeparam>
    /// <param name="output">Where the bytes go.</param>
    /// <param name="value">The message.</param>
    /// <param name="limits">The limits to enforce.</param>
    /// <exception cref="NetSerializationException">A member is over its limit or cannot be written.</exception>
    public static void Serialize<T>(IBufferWriter<byte> output, in T value, NetLimits limits)
        where T : INetMessage<T>
    {
        var writer = NetWriter.ForMessage<T>(output, limits);
        WriteChecked(ref writer, in value);
        writer.Flush();
    }

    /// <summary>Writes <paramref name="value"/> into <paramref name="destination"/>.</summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <param name="destination">The span to fill.</param>
    /// <param name="value">The message.</param>
    /// <returns>The number of bytes written.</returns>
    /// <exception cref="NetSerializationException">The span is too small, or a member is over its limit.</exception>
    public static int Serialize<T>(Span<byte> destination, in T value)
        where T : INetMessage<T>
    {
        var writer = NetWriter.ForMessage<T>(destination, NetLimits.Default);
        WriteChecked(ref writer, in value);
        return (int)writer.BytesWritten;
    }

    /// <summary>
    /// Writes <paramref name="value"/> into <paramref name="destination"/> if it fits, or else into a pooled array
    /// (<paramref name="spilled"/>, to be returned to <see cref="ArrayPool{T}.Shared"/>), so that a failure leaves
    /// nothing half-written anywhere. The bytes are <paramref name="destination"/> or <paramref name="spilled"/>,
    /// up to the returned length.
    /// </summary>
    /// <remarks>
    /// No handler returns the pooled array when writing fails after spilling (a member over its limit): the array is
    /// left to the collector, which is harmless for a shared pool, and a handler here cost the send path of every
    /// message a few nanoseconds (no inlining, the writer kept in memory).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int SerializeSpilling<T>(Span<byte> destination, in T value, NetLimits limits, out byte[]? spilled)
        where T : INetMessage<T>
    {
        var writer = NetWriter.Spilling<T>(destination, limits);
        WriteChecked(ref writer, in value);
        spilled = writer.Spilled;
        return (int)writer.BytesWritten;
    }

    /// <summary>Writes <paramref name="value"/> to a new array of exactly its size.</summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <param name="value">The message.</param>
    /// <returns>The bytes.</returns>
    /// <exception cref="NetSerializationException">A member is over its limit or cannot be written.</exception>
    public static byte[] Serialize<T>(in T value)
        where T : INetMessage<T>
    {
        // A per-thread scratch buffer, taken while in use so a nested call gets its own.
        ArrayBufferWriter<byte> scratch = t_scratch ?? new ArrayBufferWriter<byte>(256);
        t_scratch = null;
        try
        {
            Serialize(scratch, in value, NetLimits.Default);
            return scratch.WrittenSpan.ToArray();
        }
        finally
        {
            scratch.ResetWrittenCount();
            t_scratch = scratch;
        }
    }

    /// <summary>Reads a <typeparamref name="T"/> that fills <paramref name="bytes"/> exactly, with <see cref="NetLimits.Default"/>.</summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <param name="bytes">The serialized message.</param>
    /// <returns>The message.</returns>
    /// <exception cref="NetSerializationException">The bytes are malformed, truncated, over a limit or have bytes left over;
    /// the message names the type, the member and the byte offset.</exception>
    public static T Deserialize<T>(ReadOnlySpan<byte> bytes)
        where T : INetMessage<T> => Deserialize<T>(bytes, NetLimits.Default);

    /// <summary>Reads a <typeparamref name="T"/> that fills <paramref name="bytes"/> exactly.</summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <param name="bytes">The serialized message.</param>
    /// <param name="limits">The limits to enforce.</param>
    /// <returns>The message.</returns>
    /// <exception cref="NetSerializationException">The bytes are malformed, truncated, over a limit or have bytes left over.</exception>
    public static T Deserialize<T>(ReadOnlySpan<byte> bytes, NetLimits limits)
        where T : INetMessage<T>
    {
        ArgumentNullException.ThrowIfNull(limits);
        CheckSize<T>(bytes.Length, limits);

        // The top-level message is begun directly: ReadMessage's save and restore have nothing to restore here.
        T value;
        int remaining;
        if (!T.RunsUserCode)
        {
            // Nothing but Travelers' own code runs, and it throws only NetSerializationException: no handler
            // (one costs about a nanosecond on a small message, even when nothing is thrown).
            var reader = NetReader.ForMessage<T>(bytes, limits);
            value = T.Deserialize(ref reader);
            remaining = reader.Remaining;
        }
        else
        {
            value = DeserializeGuarded<T>(bytes, limits, out remaining);
        }

        if (remaining != 0)
        {
            ThrowTrailingBytes<T>(remaining, bytes.Length - remaining);
        }

        return value;
    }

    /// <summary>Reads with a handler that turns exceptions from user code into located <see cref="NetSerializationException"/>s.</summary>
    private static T DeserializeGuarded<T>(ReadOnlySpan<byte> bytes, NetLimits limits, out int remaining)
        where T : INetMessage<T>
    {
        var reader = NetReader.ForMessage<T>(bytes, limits);
        try
        {
            T value = T.Deserialize(ref reader);
            remaining = reader.Remaining;
            return value;
        }
        catch (Exception exception) when (exception is not NetSerializationException)
        {
            // A constructor's validation or a custom serializer failed: still a bad message. The handler
            // does not touch the reader, so the JIT can keep the reader in registers.
            throw LocateReadError<T>(bytes, limits, exception);
        }
    }

    /// <summary>Reads a <typeparamref name="T"/>, returning false instead of throwing on bad input.</summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <param name="bytes">The serialized message.</param>
    /// <param name="value">The message, when the result is true.</param>
    /// <returns>Whether the bytes held a valid message.</returns>
    public static bool TryDeserialize<T>(ReadOnlySpan<byte> bytes, [MaybeNullWhen(false)] out T value)
        where T : INetMessage<T> => TryDeserialize(bytes, NetLimits.Default, out value);

    /// <summary>Reads a <typeparamref name="T"/>, returning false instead of throwing on bad input.</summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <param name="bytes">The serialized message.</param>
    /// <param name="limits">The limits to enforce.</param>
    /// <param name="value">The message, when the result is true.</param>
    /// <returns>Whether the bytes held a valid message.</returns>
    public static bool TryDeserialize<T>(ReadOnlySpan<byte> bytes, NetLimits limits, [MaybeNullWhen(false)] out T value)
        where T : INetMessage<T>
    {
        try
        {
            value = Deserialize<T>(bytes, limits);
            return true;
        }
        catch (NetSerializationException)
        {
            value = default;
            return false;
        }
    }

    /// <summary>What every Serialize overload does once it has a writer: the message, its size check,
    /// and exceptions from user code (a property getter, a custom serializer) turned into located ones.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WriteChecked<T>(ref NetWriter writer, in T value)
        where T : INetMessage<T>
    {
        ThrowIfNull(value);
        NetLimits limits = writer.Limits;
        if (!T.RunsUserCode)
        {
            T.Serialize(ref writer, in value);
        }
        else
        {
            // By value, like NetWriter's own slow path: a ref would keep the writer in memory on the fast path.
            writer = SerializeGuarded(writer, in value, limits);
        }

        CheckSize<T>(writer.BytesWritten, limits);
    }

    /// <summary>Writes with a handler that turns exceptions from user code (a getter, a custom serializer) into located ones.</summary>
    private static NetWriter SerializeGuarded<T>(NetWriter writer, scoped in T value, NetLimits limits)
        where T : INetMessage<T>
    {
        try
        {
            T.Serialize(ref writer, in value);
            return writer;
        }
        catch (Exception exception) when (exception is not NetSerializationException)
        {
            // As in Deserialize: the handler leaves the writer alone.
            throw LocateWriteError(in value, limits, exception);
        }
    }

    /// <summary>
    /// Finds where user code failed by reading again with a reader that records the member it is in, so the
    /// fast path needs no bookkeeping for a case that only bad input reaches. If the second run does not fail
    /// (user code that is not deterministic), the error names the type only.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static NetSerializationException LocateReadError<T>(ReadOnlySpan<byte> bytes, NetLimits limits, Exception original)
        where T : INetMessage<T>
    {
        var reader = NetReader.ForMessage<T>(bytes, limits);
        try
        {
            _ = T.Deserialize(ref reader);
        }
        catch (Exception)
        {
            return reader.UserCodeError(original);
        }

        return ThrowHelper.FromUserCode(T.MessageSchema, -1, original, 0);
    }

    /// <summary>As <see cref="LocateReadError{T}"/>, writing again into a scratch buffer that is then dropped.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static NetSerializationException LocateWriteError<T>(in T value, NetLimits limits, Exception original)
        where T : INetMessage<T>
    {
        var writer = NetWriter.ForMessage<T>(new ArrayBufferWriter<byte>(), limits);
        try
        {
            T.Serialize(ref writer, in value);
        }
        catch (Exception)
        {
            return writer.UserCodeError(original);
        }

        return ThrowHelper.FromUserCode(T.MessageSchema, -1, original, 0);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ThrowIfNull<T>(in T value)
    {
        // The IsValueType test keeps unoptimized (Debug) builds from boxing a struct to compare it with null.
        if (!typeof(T).IsValueType && value is null)
        {
            ThrowNull<T>();
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CheckSize<T>(long size, NetLimits limits)
    {
        if (size > limits.MaxMessageBytes)
        {
            ThrowTooLarge<T>(size, limits.MaxMessageBytes);
        }
    }

    // Throws live out of line so the hot methods keep small frames (no string building inside them). They are
    // not NoInlining: the JIT must look into them to learn that they never return, or it keeps values alive
    // across them (spilling registers on the fast path).
    [DoesNotReturn]
    private static void ThrowTooLarge<T>(long size, int limit) =>
        throw new NetSerializationException($"message size {size} is over the limit of {limit}", 0, NameOf<T>(), null, null);

    [DoesNotReturn]
    private static void ThrowTrailingBytes<T>(int remaining, int offset) =>
        throw new NetSerializationException($"{remaining} bytes are left after the message", offset, NameOf<T>(), null, null);

    [DoesNotReturn]
    private static void ThrowNull<T>() =>
        throw new ArgumentNullException("value", $"A {typeof(T).Name} message cannot be null at the top level.");

    private static string NameOf<T>() => typeof(T).FullName?.Replace('+', '.') ?? typeof(T).Name;
}
