using System;
using System.Numerics;

namespace Travelers.Messaging;

/// <summary>
/// Buffers for received batches, which an I/O thread fills and the polling thread gives back. ArrayPool.Shared
/// keeps arrays per thread and per core, so arrays that always travel from one thread to another overflow its
/// small per-core stacks and are dropped, and new ones allocated, under load. Here each size (powers of two
/// from 256 bytes) has one free list shared by all threads, holding up to 8 MB of arrays (between 8 and 4,096
/// of them), so a steady flow allocates nothing. A UDP receive takes one 2 KB array a datagram until
/// <c>Poll()</c> dispatches it, and a poll that comes a few milliseconds late at 250,000 datagrams a second
/// finds more than 1,024 out (what the cap was): they were dropped on return and allocated again. The lists
/// grow only to what was returned at once, so the cap costs only a process that needed it. Each server and
/// client has its own.
/// </summary>
internal sealed class FramePool
{
    private const int MinShift = 8;
    private const int MaxShift = 26; // 64 MB, the largest MaxFrameBytes allowed
    private const long RetainedBytesPerSize = 8 * 1024 * 1024;

    private readonly BoundedStack<byte[]>[] _free = CreateFreeLists();

    /// <summary>
    /// What holding <paramref name="buffer"/> in a queue costs: the whole buffer and an entry's bookkeeping, not only the
    /// bytes written in it, so that tiny batches in pooled buffers cannot be held without bound.
    /// </summary>
    public static int HeldCost(byte[] buffer) => buffer.Length + 64;

    /// <summary>An array of at least <paramref name="length"/> bytes (past the largest size kept, of exactly that many, not kept).</summary>
    public byte[] Rent(int length)
    {
        int bucket = Bucket(length);
        if (bucket >= _free.Length)
        {
            return new byte[length]; // no frame is this large (MaxFrameBytes is at most 64 MB): not worth keeping
        }

        return _free[bucket].TryPop(out byte[]? array) ? array! : new byte[1 << (bucket + MinShift)];
    }

    /// <summary>Gives back an array from <see cref="Rent"/>; kept if its size's free list has room.</summary>
    public void Return(byte[] array)
    {
        int bucket = Bucket(array.Length);
        if (bucket < _free.Length && array.Length == 1 << (bucket + MinShift))
        {
            _free[bucket].TryPush(array); // not kept when full, nor when not one of ours
        }
    }

    private static int Bucket(int length) =>
        Math.Max(0, BitOperations.Log2((uint)Math.Max(length, 1) - 1) + 1 - MinShift);

    private static BoundedStack<byte[]>[] CreateFreeLists()
    {
        var lists = new BoundedStack<byte[]>[MaxShift - MinShift + 1];
        for (int i = 0; i < lists.Length; i++)
        {
            long size = 1L << (i + MinShift);
            lists[i] = new BoundedStack<byte[]>((int)Math.Clamp(RetainedBytesPerSize / size, 8, 4096));
        }

        return lists;
    }
}
