using System;
using System.Buffers;
using System.Collections.Generic;

namespace Travelers.Messaging;

/// <summary>
/// The bodies of the control frames (hello, accept, refuse, disconnect), written and read with the
/// serializer's own writer and reader, so their limits and errors are the serializer's.
/// </summary>
internal static class Handshake
{
    /// <summary>"TRVL", first in every hello: a stranger speaking another protocol is told apart at once.</summary>
    public const uint Magic = 0x4C565254;

    /// <summary>The protocol version; a peer with another one is refused with <see cref="DisconnectReason.ProtocolMismatch"/>.</summary>
    public const uint Version = 1;

    /// <summary>Longest type name and reason text accepted in control frames, in chars.</summary>
    public const int MaxText = 1024;

    /// <summary>Hello and accept flag: the sender can compress and decompress frames with LZ4.</summary>
    public const byte CompressionFlag = 1;

    /// <summary>Writes a hello: magic, version, fingerprint, flags, every type (id, schema hash, name), payload.</summary>
    public static void WriteHello(IBufferWriter<byte> output, MessageTable table, ReadOnlySpan<byte> payload, byte flags = 0)
    {
        var writer = new NetWriter(output);
        writer.WriteUInt32(Magic);
        writer.WriteVarUInt32(Version);
        writer.WriteUInt64(table.Fingerprint);
        writer.WriteByte(flags);
        writer.WriteCount(table.Entries.Length);
        foreach (MessageTable.Entry entry in table.Entries)
        {
            writer.WriteUInt64(entry.Id);
            writer.WriteUInt64(entry.SchemaHash);
            writer.WriteString(entry.Name, MaxText);
        }

        writer.WriteBytes(payload, 0);
        writer.Flush();
    }

    /// <summary>The size of a hello's frame (its kind byte and body) for <paramref name="table"/> with a payload of <paramref name="payloadLength"/> bytes.</summary>
    public static int HelloFrameBytes(MessageTable table, int payloadLength)
    {
        var output = new ArrayBufferWriter<byte>(256);
        WriteHello(output, table, ReadOnlySpan<byte>.Empty);

        // An empty payload takes its one-byte count; a payload, its count (length + 1) and its bytes.
        return 1 + output.WrittenCount - 1 + NetWriter.VarUIntSize((uint)payloadLength + 1) + payloadLength;
    }

    /// <summary>
    /// The most bytes a server lets a connection in its handshake make it buffer (a frame over TCP, a message and
    /// what waits for reassembly over UDP): twice its own protocol's largest hello and 16 KB, so that a client of
    /// another build still gets its hello read and is told which types differ, but no more than
    /// <paramref name="maxFrameBytes"/>. Without it, every handshake in progress could hold MaxFrameBytes (2,048 of
    /// them at 512 KB, a gigabyte) on the word of a stranger.
    /// </summary>
    public static int StrangerLimit(int helloFrameBytes, int maxFrameBytes) =>
        (int)Math.Min(maxFrameBytes, (2L * helloFrameBytes) + (16 * 1024));

    /// <summary>Reads a hello; throws <see cref="NetSerializationException"/> when malformed or over <paramref name="maxPayload"/>.</summary>
    public static Hello ReadHello(ReadOnlySpan<byte> body, int maxPayload)
    {
        var reader = new NetReader(body);
        uint magic = reader.ReadUInt32();
        if (magic != Magic)
        {
            throw new NetSerializationException($"the hello does not start with the Travelers magic (0x{magic:X8})", 0);
        }

        uint version = reader.ReadVarUInt32();
        ulong fingerprint = reader.ReadUInt64();
        byte flags = reader.ReadByte();
        int count = reader.ReadCount(0, 17);
        var types = new List<(ulong, ulong, string)>(Math.Max(count, 0));
        for (int i = 0; i < count; i++)
        {
            ulong id = reader.ReadUInt64();
            ulong hash = reader.ReadUInt64();
            string name = reader.ReadString(MaxText) ?? "?";
            types.Add((id, hash, name));
        }

        // ReadBytes checks the declared length against the limit and the bytes left before allocating.
        byte[] payload = reader.ReadBytes(Math.Max(maxPayload, 1)) ?? [];
        if (payload.Length > maxPayload)
        {
            throw new NetSerializationException($"a connect payload of {payload.Length} bytes where at most {maxPayload} are accepted", reader.Offset);
        }

        reader.EnsureEnd();
        return new Hello(version, fingerprint, flags, types, payload);
    }

    /// <summary>Writes an accept: connection id, the server's clock, the agreed flags.</summary>
    public static void WriteAccept(IBufferWriter<byte> output, long connectionId, TimeSpan serverTime, byte flags)
    {
        var writer = new NetWriter(output);
        writer.WriteInt64(connectionId);
        writer.WriteTimeSpan(serverTime);
        writer.WriteByte(flags);
        writer.Flush();
    }

    /// <summary>Reads an accept.</summary>
    public static (long ConnectionId, TimeSpan ServerTime, byte Flags) ReadAccept(ReadOnlySpan<byte> body)
    {
        var reader = new NetReader(body);
        long id = reader.ReadInt64();
        TimeSpan time = reader.ReadTimeSpan();
        byte flags = reader.ReadByte();
        reader.EnsureEnd();
        return (id, time, flags);
    }

    /// <summary>
    /// Writes a refuse or disconnect notice: reason code and text, the text cut at a character's edge to at most
    /// <see cref="MaxText"/> characters and so that the notice takes at most <paramref name="maxBytes"/> bytes (a
    /// datagram's room): cutting the written bytes instead would leave a string its reader refuses.
    /// </summary>
    public static void WriteNotice(IBufferWriter<byte> output, DisconnectReason reason, string message, int maxBytes = int.MaxValue)
    {
        var writer = new NetWriter(output);
        writer.WriteByte((byte)reason);
        writer.WriteString(Utf8Text.Fit(message, MaxText, maxBytes - 1 - 2), MaxText); // the reason, a length of up to 3 KB
        writer.Flush();
    }

    /// <summary>Reads a refuse or disconnect notice.</summary>
    public static DisconnectInfo ReadNotice(ReadOnlySpan<byte> body)
    {
        var reader = new NetReader(body);
        byte code = reader.ReadByte();
        string message = reader.ReadString(MaxText) ?? string.Empty;
        reader.EnsureEnd();
        if (!Enum.IsDefined((DisconnectReason)code))
        {
            throw new NetSerializationException($"unknown disconnect reason {code}", 0);
        }

        return new DisconnectInfo((DisconnectReason)code, message);
    }

    /// <summary>A client's hello.</summary>
    public sealed record Hello(uint Version, ulong Fingerprint, byte Flags, IReadOnlyList<(ulong Id, ulong SchemaHash, string Name)> Types, byte[] Payload);
}
