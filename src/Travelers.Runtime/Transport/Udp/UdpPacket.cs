using System;
using System.Buffers.Binary;
using System.IO.Hashing;

namespace Travelers.Transport.Udp;

/// <summary>What a datagram is, from its first byte.</summary>
internal enum PacketType : byte
{
    /// <summary>Client → server: the first hello, padded to <see cref="UdpPacket.RequestBytes"/> so the answer is never larger.</summary>
    ConnectRequest = 1,

    /// <summary>Server → client: a stateless cookie the client must echo.</summary>
    Challenge = 2,

    /// <summary>Client → server: the cookie echoed, proving the client receives at its address.</summary>
    ConnectResponse = 3,

    /// <summary>Server → client: the session exists; here is its key.</summary>
    Welcome = 4,

    /// <summary>Either way: acknowledgements and message units of an established session.</summary>
    Data = 5,

    /// <summary>Either way: the session ends, with a reason; sent several times, since it is not acknowledged.</summary>
    Disconnect = 6,

    /// <summary>Server → client: a connect request is refused before any session exists (never larger than the request).</summary>
    Reject = 7,
}

/// <summary>
/// The datagram layout shared by every packet type: a type byte, the type's fields, and a 32-bit XXH3 checksum of
/// everything before it (seeded with the protocol's magic and version, so another protocol's datagrams fail it too).
/// </summary>
internal static class UdpPacket
{
    /// <summary>"TRVL" and the wire version, in the connect request.</summary>
    public const uint Magic = 0x4C565254;

    /// <summary>
    /// The UDP wire version (2: data packets may end in padding, <see cref="Unit.PaddingFlag"/>; the checksum is XXH3's;
    /// 3: a connect response carries its client's attempt, <see cref="AttemptBytes"/>).
    /// </summary>
    public const ushort Version = 3;

    /// <summary>The size of a connect request: a full datagram of the default MTU payload.</summary>
    public const int RequestBytes = 1200;

    /// <summary>In a data packet's type byte: the ack fields are meaningful (something has been received).</summary>
    public const byte AckFlag = 0x80;

    /// <summary>The checksum at the end of every datagram.</summary>
    public const int ChecksumBytes = 4;

    /// <summary>Type, session key, sequence, ack, ack bits.</summary>
    public const int DataHeaderBytes = 1 + 4 + 2 + 2 + 4;

    /// <summary>A connect cookie: its issue time (seconds) and a truncated HMAC-SHA256.</summary>
    public const int CookieBytes = 4 + 16;

    /// <summary>
    /// A client's attempt, in its connect request (at <see cref="RequestAttemptOffset"/>) and after the cookie in its
    /// connect response: when its link began (UTC ticks). It tells a response repeated by one client (the same attempt)
    /// from a newer client at the same address (a later one). The cookie signs it.
    /// </summary>
    public const int AttemptBytes = 8;

    /// <summary>Where a connect request holds the attempt: after the type, the magic and the version.</summary>
    public const int RequestAttemptOffset = 1 + 4 + 2;

    /// <summary>A connect response: type, cookie, attempt (then the checksum).</summary>
    public const int ResponseBytes = 1 + CookieBytes + AttemptBytes;

    private const uint Seed = Magic ^ unchecked(Version * 0x9E3779B9u);

    /// <summary>The packet type in a first byte, without its flag.</summary>
    public static PacketType TypeOf(byte first) => (PacketType)(first & ~AckFlag);

    /// <summary>
    /// The most padding a data packet gets to reach the MTU, so that it can leave in one segmented send with the
    /// next: a sixteenth of the MTU (75 bytes at 1,200). More would trade bandwidth for system calls.
    /// </summary>
    public static int MaxPadding(int mtu) => mtu / 16;

    /// <summary>
    /// The low 32 bits of the XXH3 hash of <paramref name="bytes"/>, seeded: 43 ns for a full datagram here where
    /// hardware CRC-32C took 111, on both ends of every datagram; for catching corruption, not forgery (the session
    /// key and the cookie are the guards against that).
    /// </summary>
    public static uint Checksum(ReadOnlySpan<byte> bytes) => (uint)XxHash3.HashToUInt64(bytes, Seed);

    /// <summary>Writes the checksum after the first <paramref name="length"/> bytes; returns the datagram's size.</summary>
    public static int Seal(Span<byte> datagram, int length)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(datagram[length..], Checksum(datagram[..length]));
        return length + ChecksumBytes;
    }

    /// <summary>Whether <paramref name="datagram"/> is long enough and its checksum holds.</summary>
    public static bool IsIntact(ReadOnlySpan<byte> datagram) =>
        datagram.Length > ChecksumBytes &&
        BinaryPrimitives.ReadUInt32LittleEndian(datagram[^ChecksumBytes..]) == Checksum(datagram[..^ChecksumBytes]);
}

/// <summary>Arithmetic on 16-bit sequence numbers that wrap around (RFC 1982 style).</summary>
internal static class Sequence
{
    /// <summary>How far <paramref name="a"/> is ahead of <paramref name="b"/>: negative when behind, across the wrap.</summary>
    public static int Diff(ushort a, ushort b) => (short)(ushort)(a - b);

    /// <summary>Whether <paramref name="a"/> is newer than <paramref name="b"/>.</summary>
    public static bool IsNewer(ushort a, ushort b) => Diff(a, b) > 0;
}
