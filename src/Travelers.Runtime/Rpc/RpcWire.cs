using System;
using System.Runtime.CompilerServices;
using System.Text;

namespace Travelers.Rpc;

/// <summary>
/// The two message records of RPC. Both ride in ordinary batches under two type indexes reserved after the
/// message types (<see cref="Messaging.MessageTable.RpcCallIndex"/>, <see cref="Messaging.MessageTable.RpcAnswerIndex"/>):
/// <list type="bullet">
/// <item>a call: a varint of the RPC index (into the table's RPCs) shifted left by two, with bit 1 set when a
/// correlation id follows and bit 0 when a target follows; the varint correlation id (an answer is wanted); the
/// target entity's <see cref="NetId"/> as two varints, slot then generation (absent for a service); then the
/// arguments as the call struct serializes them. A fire-and-forget call on an entity in one of the first 128 slots
/// takes 3 bytes of header;</item>
/// <item>an answer: varint correlation id, a status byte (<see cref="RpcStatus"/>), then the value (<see cref="RpcStatus.Done"/>
/// of a <c>ValueTask&lt;T&gt;</c>) or the error's text (<see cref="RpcStatus.Failed"/>, <see cref="RpcStatus.Refused"/>).</item>
/// </list>
/// </summary>
internal static class RpcWire
{
    /// <summary>The longest error text an answer carries (characters); longer messages are cut.</summary>
    public const int MaxErrorText = 1024;

    /// <summary>
    /// The most UTF-8 bytes of error text an answer can carry when written under <paramref name="limits"/> into frames
    /// of at most <paramref name="maxFrameBytes"/>: room is kept for the frame's kind, the record's type index and
    /// length, and the answer's call id, status and string prefix.
    /// </summary>
    public static int ErrorTextBytes(NetLimits limits, int maxFrameBytes) =>
        Math.Max(0, Math.Min(limits.MaxStringBytes, Math.Min(limits.MaxMessageBytes, maxFrameBytes) - 32));

    /// <summary>
    /// <paramref name="text"/> cut to at most <see cref="MaxErrorText"/> characters and <paramref name="maxBytes"/>
    /// UTF-8 bytes (<see cref="ErrorTextBytes"/>), at a character's edge, with unpaired surrogates (which UTF-8 cannot
    /// carry) replaced. An exception's message is often built from a client's input: written as it is, it could fail
    /// the answer's write and throw out of <c>Poll()</c>.
    /// </summary>
    public static string FitText(string text, int maxBytes) => Utf8Text.Fit(text, MaxErrorText, maxBytes);

    /// <summary>Writes a call's header.</summary>
    /// <remarks>
    /// Inlined with its record's serializer into the connection's write. Only the common call's three bytes are
    /// written here; a longer header is encoded out of line into bytes of its own and copied in. The writer is never
    /// passed by reference to a method that is not inlined: that would keep it in memory rather than registers for
    /// the whole write, on every call (it did: 64 bytes zeroed and every field stored per call).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WriteCallHeader(ref NetWriter writer, uint rpc, uint call, uint target)
    {
        if (TryShortHeader(rpc, call, target, out uint bytes))
        {
            WriteShortHeader(ref writer.ReserveRun(3), bytes);
            return;
        }

        LongHeader header = default;
        int length = EncodeLongHeader(rpc, call, target, ref header);
        writer.WriteRaw(((ReadOnlySpan<byte>)header)[..length]);
    }

    /// <summary>
    /// Whether the header takes the common call's three bytes (fire and forget on an entity, every varint one byte);
    /// <paramref name="bytes"/> holds them, first in the low byte.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryShortHeader(uint rpc, uint call, uint target, out uint bytes)
    {
        var entity = new NetId(target);
        uint head = (rpc << 2) | 1u;
        uint slot = (uint)entity.Slot;
        uint generation = (uint)entity.Generation;
        bytes = head | (slot << 8) | (generation << 16);
        return call == 0 && target != 0 && (head | slot | generation) < 0x80;
    }

    /// <summary>Writes the three bytes <see cref="TryShortHeader"/> made at <paramref name="at"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WriteShortHeader(ref byte at, uint bytes)
    {
        at = (byte)bytes;
        Unsafe.Add(ref at, 1) = (byte)(bytes >> 8);
        Unsafe.Add(ref at, 2) = (byte)(bytes >> 16);
    }

    /// <summary>Encodes any header into <paramref name="header"/>; returns its length.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int EncodeLongHeader(uint rpc, uint call, uint target, ref LongHeader header)
    {
        Span<byte> into = header;
        uint head = (rpc << 2) | (call != 0 ? 2u : 0u) | (target != 0 ? 1u : 0u);
        int length = NetWriter.WriteVarUInt(into, head);
        if (call != 0)
        {
            length += NetWriter.WriteVarUInt(into[length..], call);
        }

        if (target != 0)
        {
            var id = new NetId(target);
            length += NetWriter.WriteVarUInt(into[length..], (uint)id.Slot);
            length += NetWriter.WriteVarUInt(into[length..], (uint)id.Generation);
        }

        return length;
    }

    /// <summary>Room for the longest header: four varints of at most 5 bytes.</summary>
    [InlineArray(20)]
    private struct LongHeader
    {
        private byte _first;
    }

    /// <summary>Reads a call's header; <see cref="RpcCallHeader.IsValid"/> is false when it is cut short or out of range.</summary>
    /// <remarks>
    /// The common call's three one-byte varints (fire and forget on an entity) are read here, inline; the rest out of
    /// line. Returned as a value, not through out parameters: out parameters the slow path writes would pin the
    /// caller's locals to its stack frame for the whole dispatch.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static RpcCallHeader ReadCallHeader(ReadOnlySpan<byte> body)
    {
        if (body.Length >= 3 && (body[0] & 0x83) == 0x01 && ((body[1] | body[2]) & 0x80) == 0)
        {
            // A slot and a generation under 128 are in range whatever the split of NetId's bits.
            return new RpcCallHeader(3, (uint)body[0] >> 2, 0, NetId.Of(body[1], body[2]).Value);
        }

        return ReadCallHeaderSlow(body);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static RpcCallHeader ReadCallHeaderSlow(ReadOnlySpan<byte> body)
    {
        int offset = 0;
        uint call = 0;
        uint target = 0;
        if (!NetEndpoint.TryReadVarUInt(body, ref offset, out uint head))
        {
            return default;
        }

        uint rpc = head >> 2;
        if ((head & 2) != 0 && (!NetEndpoint.TryReadVarUInt(body, ref offset, out call) || call == 0))
        {
            return default;
        }

        if ((head & 1) != 0)
        {
            if (!NetEndpoint.TryReadVarUInt(body, ref offset, out uint slot) || !NetEndpoint.TryReadVarUInt(body, ref offset, out uint generation)
                || slot >= 1u << NetId.SlotBits || generation >= 1u << NetId.GenerationBits)
            {
                return default;
            }

            target = NetId.Of((int)slot, (int)generation).Value;
        }

        return new RpcCallHeader(offset, rpc, call, target);
    }
}

/// <summary>A call's header as read: where its arguments begin, the RPC index, the correlation id (0: none) and the target (0: a service).</summary>
/// <param name="Offset">Where the arguments begin; 0 when the header could not be read (a header is at least one byte).</param>
/// <param name="Rpc">The RPC's index in the table.</param>
/// <param name="Call">The correlation id, 0 for fire and forget.</param>
/// <param name="Target">The target entity's <see cref="NetId.Value"/>, 0 for a service.</param>
internal readonly record struct RpcCallHeader(int Offset, uint Rpc, uint Call, uint Target)
{
    /// <summary>Whether the header was read whole and in range.</summary>
    public bool IsValid => Offset > 0;
}

/// <summary>How a call ended, in an answer.</summary>
internal enum RpcStatus : byte
{
    /// <summary>It ran; the value follows for a <c>ValueTask&lt;T&gt;</c>.</summary>
    Done = 0,

    /// <summary>It threw: <c>"{ExceptionType}: {message}"</c> follows.</summary>
    Failed = 1,

    /// <summary>The server refused to run it (ownership, visibility, rate, malformed arguments): the reason follows.</summary>
    Refused = 2,
}

/// <summary>A call record: header and arguments.</summary>
internal readonly struct RpcCallRecord<TCall> : INetMessage<RpcCallRecord<TCall>>
    where TCall : struct, IRpcCall<TCall>
{
    public readonly uint Rpc;
    public readonly uint Call;
    public readonly uint Target;
    public readonly TCall Arguments;

    public RpcCallRecord(uint rpc, uint call, uint target, in TCall arguments)
    {
        Rpc = rpc;
        Call = call;
        Target = target;
        Arguments = arguments;
    }

    static ulong INetMessage<RpcCallRecord<TCall>>.MessageId => TCall.MessageId;

    static string INetMessage<RpcCallRecord<TCall>>.MessageSchema => TCall.MessageSchema;

    static bool INetMessage<RpcCallRecord<TCall>>.RunsUserCode => TCall.RunsUserCode;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void INetMessage<RpcCallRecord<TCall>>.Serialize(ref NetWriter writer, in RpcCallRecord<TCall> value)
    {
        int size = TCall.PackedSize; // a constant of the call struct: one of the paths below remains per call type
        if (size == 0)
        {
            RpcWire.WriteCallHeader(ref writer, value.Rpc, value.Call, value.Target);
            TCall.Serialize(ref writer, in value.Arguments);
            return;
        }

        if (RpcWire.TryShortHeader(value.Rpc, value.Call, value.Target, out uint header))
        {
            // The common call, fire and forget on an entity, of arguments whose wire bytes are their memory bytes:
            // header and arguments reserved at once and copied, as a message of the same fields would be.
            ref byte at = ref writer.ReserveRun(3 + size);
            RpcWire.WriteShortHeader(ref at, header);
            Unsafe.CopyBlockUnaligned(ref Unsafe.Add(ref at, 3), ref Unsafe.As<TCall, byte>(ref Unsafe.AsRef(in value.Arguments)), (uint)size);
            return;
        }

        // Any other header, out of line and by value (as NetWriter's own slow path): with a second way through the
        // writer here, the JIT kept the writer in memory on the common path too.
        writer = SerializeLong(writer, in value);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static NetWriter SerializeLong(NetWriter writer, scoped in RpcCallRecord<TCall> value)
    {
        RpcWire.WriteCallHeader(ref writer, value.Rpc, value.Call, value.Target);
        TCall.Serialize(ref writer, in value.Arguments);
        return writer;
    }

    static RpcCallRecord<TCall> INetMessage<RpcCallRecord<TCall>>.Deserialize(ref NetReader reader) =>
        throw new NotSupportedException("Calls are read by RpcRuntime, header first.");
}

/// <summary>An answer with a value.</summary>
internal readonly struct RpcValueAnswer<TCall, TResult> : INetMessage<RpcValueAnswer<TCall, TResult>>
    where TCall : struct, IRpcRequest<TCall, TResult>
{
    public readonly uint Call;
    public readonly TResult Value;

    public RpcValueAnswer(uint call, TResult value)
    {
        Call = call;
        Value = value;
    }

    static ulong INetMessage<RpcValueAnswer<TCall, TResult>>.MessageId => TCall.MessageId;

    static string INetMessage<RpcValueAnswer<TCall, TResult>>.MessageSchema => TCall.MessageSchema;

    static void INetMessage<RpcValueAnswer<TCall, TResult>>.Serialize(ref NetWriter writer, in RpcValueAnswer<TCall, TResult> value)
    {
        writer.WriteVarUInt32(value.Call);
        writer.WriteByte((byte)RpcStatus.Done);
        TCall.WriteResult(ref writer, in value.Value);
    }

    static RpcValueAnswer<TCall, TResult> INetMessage<RpcValueAnswer<TCall, TResult>>.Deserialize(ref NetReader reader) =>
        throw new NotSupportedException("Answers are read by RpcRuntime, header first.");
}

/// <summary>The value of an answer, after its header: read through <see cref="NetSerializer"/> for its limits and located errors.</summary>
internal readonly struct RpcResult<TCall, TResult> : INetMessage<RpcResult<TCall, TResult>>
    where TCall : struct, IRpcRequest<TCall, TResult>
{
    public readonly TResult Value;

    private RpcResult(TResult value) => Value = value;

    static ulong INetMessage<RpcResult<TCall, TResult>>.MessageId => TCall.MessageId;

    // Made once: a reader takes the schema for its error messages on every read, and a concatenation here was a
    // string per answer.
    private static readonly string Schema = TCall.Info.Name + " result";

    static string INetMessage<RpcResult<TCall, TResult>>.MessageSchema => Schema;

    static void INetMessage<RpcResult<TCall, TResult>>.Serialize(ref NetWriter writer, in RpcResult<TCall, TResult> value) =>
        TCall.WriteResult(ref writer, in value.Value);

    static RpcResult<TCall, TResult> INetMessage<RpcResult<TCall, TResult>>.Deserialize(ref NetReader reader) => new(TCall.ReadResult(ref reader));
}

/// <summary>An answer without a value: done, or the text of a failure or refusal.</summary>
internal readonly struct RpcStatusAnswer : INetMessage<RpcStatusAnswer>
{
    public readonly uint Call;
    public readonly RpcStatus Status;
    public readonly string? Text;

    private RpcStatusAnswer(uint call, RpcStatus status, string? text)
    {
        Call = call;
        Status = status;
        Text = text;
    }

    /// <summary>The answer to a call that ran to its end.</summary>
    public static RpcStatusAnswer Done(uint call) => new(call, RpcStatus.Done, null);

    /// <summary>The answer to a refused call, its text <paramref name="fittedText"/> already cut to what an answer may carry.</summary>
    public static RpcStatusAnswer Refused(uint call, string fittedText) => new(call, RpcStatus.Refused, fittedText);

    /// <summary>The answer to a call that failed or was refused, its text cut to <paramref name="maxTextBytes"/> (<see cref="RpcWire.ErrorTextBytes"/>).</summary>
    public static RpcStatusAnswer Error(uint call, RpcStatus status, string text, int maxTextBytes) => new(call, status, RpcWire.FitText(text, maxTextBytes));

    static ulong INetMessage<RpcStatusAnswer>.MessageId => 0;

    static string INetMessage<RpcStatusAnswer>.MessageSchema => "rpc answer";

    static bool INetMessage<RpcStatusAnswer>.RunsUserCode => false;

    static void INetMessage<RpcStatusAnswer>.Serialize(ref NetWriter writer, in RpcStatusAnswer value)
    {
        writer.WriteVarUInt32(value.Call);
        writer.WriteByte((byte)value.Status);
        if (value.Status != RpcStatus.Done)
        {
            writer.WriteString(value.Text ?? string.Empty, 4 * RpcWire.MaxErrorText);
        }
    }

    static RpcStatusAnswer INetMessage<RpcStatusAnswer>.Deserialize(ref NetReader reader) =>
        throw new NotSupportedException("Answers are read by RpcRuntime, header first.");
}

/// <summary>The text of a failed or refused answer, after its header.</summary>
internal readonly struct RpcErrorText : INetMessage<RpcErrorText>
{
    public readonly string Text;

    private RpcErrorText(string text) => Text = text;

    static ulong INetMessage<RpcErrorText>.MessageId => 0;

    static string INetMessage<RpcErrorText>.MessageSchema => "rpc error";

    static bool INetMessage<RpcErrorText>.RunsUserCode => false;

    static void INetMessage<RpcErrorText>.Serialize(ref NetWriter writer, in RpcErrorText value) => writer.WriteString(value.Text, 4 * RpcWire.MaxErrorText);

    static RpcErrorText INetMessage<RpcErrorText>.Deserialize(ref NetReader reader) => new(reader.ReadString(4 * RpcWire.MaxErrorText) ?? string.Empty);
}

/// <summary>A record serialized earlier, written as it is.</summary>
internal readonly struct RpcRawRecord(byte[] bytes) : INetMessage<RpcRawRecord>
{
    private readonly byte[] _bytes = bytes;

    static ulong INetMessage<RpcRawRecord>.MessageId => 0;

    static string INetMessage<RpcRawRecord>.MessageSchema => "rpc record";

    static bool INetMessage<RpcRawRecord>.RunsUserCode => false;

    static void INetMessage<RpcRawRecord>.Serialize(ref NetWriter writer, in RpcRawRecord value) => writer.WriteRaw(value._bytes);

    static RpcRawRecord INetMessage<RpcRawRecord>.Deserialize(ref NetReader reader) => throw new NotSupportedException("Written only.");
}
