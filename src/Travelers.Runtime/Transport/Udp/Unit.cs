using System;
using System.Buffers.Binary;

namespace Travelers.Transport.Udp;

/// <summary>
/// The header of one unit in a data packet: a message record (type index, length, body), a piece of one, or a
/// control message. Layout: flags (delivery in bits 0–1, fragment bit 2, control bit 3); the channel (not for
/// control units); a 16-bit sequence (every mode but plain unreliable, and every fragment); fragment index and
/// count; the payload's length as a varint; the payload. A flags byte of <see cref="PaddingFlag"/> ends the units.
/// </summary>
internal readonly record struct Unit(Delivery Delivery, bool Control, byte Channel, ushort Sequence, bool Fragment, ushort Index, ushort Count, int Length)
{
    public const byte DeliveryMask = 0b11;
    public const byte FragmentFlag = 0b100;
    public const byte ControlFlag = 0b1000;

    /// <summary>In place of a unit's flags: the rest of the packet is padding (see <see cref="UdpPacket.MaxPadding"/>).</summary>
    public const byte PaddingFlag = 0x80;

    /// <summary>The most header bytes a unit takes.</summary>
    public const int MaxHeaderBytes = 1 + 1 + 2 + 4 + 5;

    /// <summary>Whether the unit carries a sequence number.</summary>
    public bool HasSequence => Delivery != Delivery.Unreliable || Fragment;

    /// <summary>Whether the unit is retransmitted until acknowledged.</summary>
    public bool IsReliable => Delivery >= Delivery.ReliableUnordered;

    /// <summary>Header bytes of this unit.</summary>
    public int HeaderBytes => 1 + (Control ? 0 : 1) + (HasSequence ? 2 : 0) + (Fragment ? 4 : 0) + NetWriter.VarUIntSize((uint)Length);

    /// <summary>Writes the header; returns its size.</summary>
    public int WriteHeader(Span<byte> destination)
    {
        int at = 0;
        destination[at++] = (byte)((byte)Delivery | (Fragment ? FragmentFlag : 0) | (Control ? ControlFlag : 0));
        if (!Control)
        {
            destination[at++] = Channel;
        }

        if (HasSequence)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(destination[at..], Sequence);
            at += 2;
        }

        if (Fragment)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(destination[at..], Index);
            BinaryPrimitives.WriteUInt16LittleEndian(destination[(at + 2)..], Count);
            at += 4;
        }

        return at + NetWriter.WriteVarUInt(destination[at..], (uint)Length);
    }

    /// <summary>
    /// Reads a unit at <paramref name="offset"/>. False when the bytes do not hold a well-formed one (unknown
    /// flags, a payload running past the packet, a fragment numbered outside its count).
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> packet, ref int offset, out Unit unit, out ReadOnlySpan<byte> payload)
    {
        unit = default;
        payload = default;
        int at = offset;
        if (at >= packet.Length)
        {
            return false;
        }

        byte flags = packet[at++];
        if ((flags & ~(DeliveryMask | FragmentFlag | ControlFlag)) != 0)
        {
            return false;
        }

        var delivery = (Delivery)(flags & DeliveryMask);
        bool fragment = (flags & FragmentFlag) != 0;
        bool control = (flags & ControlFlag) != 0;
        byte channel = 0;
        if (!control)
        {
            if (at >= packet.Length)
            {
                return false;
            }

            channel = packet[at++];
        }

        ushort sequence = 0, index = 0, count = 0;
        if (delivery != Delivery.Unreliable || fragment)
        {
            if (packet.Length - at < 2)
            {
                return false;
            }

            sequence = BinaryPrimitives.ReadUInt16LittleEndian(packet[at..]);
            at += 2;
        }

        if (fragment)
        {
            if (packet.Length - at < 4)
            {
                return false;
            }

            index = BinaryPrimitives.ReadUInt16LittleEndian(packet[at..]);
            count = BinaryPrimitives.ReadUInt16LittleEndian(packet[(at + 2)..]);
            at += 4;
            if (count < 2 || index >= count)
            {
                return false;
            }
        }

        if (!NetEndpoint.TryReadVarUInt(packet, ref at, out uint length) || length == 0 || length > (uint)(packet.Length - at))
        {
            return false;
        }

        unit = new Unit(delivery, control, channel, sequence, fragment, index, count, (int)length);
        payload = packet.Slice(at, (int)length);
        offset = at + (int)length;
        return true;
    }
}
