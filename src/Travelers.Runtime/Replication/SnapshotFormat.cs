using System.Buffers.Binary;

namespace Travelers.Replication;

/// <summary>
/// The layout of a snapshot part, the unit the server sends each client per tick (unreliably over UDP, one
/// datagram each unless a single record needs more; as a frame over TCP). A byte-aligned header, then
/// bit-packed records:
/// <code>
/// header   tick u32 | server time µs u48 | part index u8 | flags u8 (1: last part of the tick, 2: complete: nothing held back by the budget)
/// record   kind u2 (0 end, 1 state, 2 despawn, 3 ownership) | slot, relative to the previous record's (WriteRelative, 20 bits)
///   state      spawn u1; spawn: generation u12, type index (bits for the type count), owner u1, full state
///                        update: same baseline as the previous update u1, else has baseline u1 [tick − baseline u8]; delta
///   despawn    generation u12
///   ownership  generation u12 | owner u1
/// </code>
/// Everything a record needs to be read is in its part; parts of a tick can be read in any order, and any of them lost.
/// </summary>
internal static class SnapshotFormat
{
    public const int HeaderBytes = 12;
    public const byte LastFlag = 1;
    public const byte CompleteFlag = 2;
    public const int KindBits = 2;
    public const uint End = 0;
    public const uint State = 1;
    public const uint Despawn = 2;
    public const uint Owner = 3;
    public const int GenerationBits = NetId.GenerationBits;
    public const int BaselineAgeBits = 8;

    /// <summary>
    /// Ticks of each entity's states a client keeps (a ring by tick): the most <see cref="NetWorldOptions.SnapshotHistory"/>
    /// may be. An entity unchanged since its baseline is delta-encoded from it however old (up to
    /// <see cref="MaxBaselineAge"/>): no newer record of it has taken its place in the ring.
    /// </summary>
    public const int ClientHistory = 64;

    /// <summary>The oldest baseline a record can name (its age fits <see cref="BaselineAgeBits"/>).</summary>
    public const uint MaxBaselineAge = (1 << BaselineAgeBits) - 1;
    public const int MaxParts = 64;

    public static void WriteHeader(System.Span<byte> destination, uint tick, long serverTimeMicroseconds, int partIndex, byte flags)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, tick);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], (uint)serverTimeMicroseconds);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[8..], (ushort)(serverTimeMicroseconds >> 32));
        destination[10] = (byte)partIndex;
        destination[11] = flags;
    }

    public static void ReadHeader(System.ReadOnlySpan<byte> source, out uint tick, out long serverTimeMicroseconds, out int partIndex, out byte flags)
    {
        tick = BinaryPrimitives.ReadUInt32LittleEndian(source);
        serverTimeMicroseconds = BinaryPrimitives.ReadUInt32LittleEndian(source[4..]) | ((long)BinaryPrimitives.ReadUInt16LittleEndian(source[8..]) << 32);
        partIndex = source[10];
        flags = source[11];
    }
}
