using System;
using System.Collections.Concurrent;
using System.Numerics;
using System.Threading;

namespace Travelers.Messaging;

/// <summary>
/// Buffers for received batches, which an I/O thread fills and the polling thread gives back. ArrayPool.Shared
/// keeps arrays per thread and per core, so arrays that always travel from one thread to another overflow its
/// small per-core stacks and are dropped, and new ones allocated, under load. Here each size (powers of two
/// from 256 bytes) has one queue, shared by all threads, holding up to 4 MB of arrays (at least 8), so a
/// steady flow allocates nothing.
/// </summary>
internal static class FramePool
{
    private const int MinShift = 8;
    private const int MaxShift = 26; // 64 MB, the largest MaxFrameBytes allowed
    private const long RetainedBytesPerSize = 4 * 1024 * 1024;

    private static readonly ConcurrentQueue<byte[]>[] s_queues = CreateQueues();
    private static readonly int[] s_counts = new int[MaxShift - MinShift + 1];

    /// <summary>An array of at least <paramref name="length"/> bytes.</summary>
    public static byte[] Rent(int length)
    {
        int bucket = Bucket(length);
        if (s_queues[bucket].TryDequeue(out byte[]? array))
        {
            Interlocked.Decrement(ref s_counts[bucket]);
            return array;
        }

        return new byte[1 << (bucket + MinShift)];
    }

    /// <summary>Gives back an array from <see cref="Rent"/>; kept if its size's queue has room.</summary>
    public static void Return(byte[] array)
    {
        int bucket = Bucket(array.Length);
        if (array.Length != 1 << (bucket + MinShift))
        {
            return; // not one of ours
        }

        long limit = Math.Max(8, RetainedBytesPerSize / array.Length);
        if (Interlocked.Increment(ref s_counts[bucket]) <= limit)
        {
            s_queues[bucket].Enqueue(array);
        }
        else
        {
            Interlocked.Decrement(ref s_counts[bucket]);
        }
    }

    private static int Bucket(int length) =>
        Math.Max(0, BitOperations.Log2((uint)Math.Max(length, 1) - 1) + 1 - MinShift);

    private static ConcurrentQueue<byte[]>[] CreateQueues()
    {
        var queues = new ConcurrentQueue<byte[]>[MaxShift - MinShift + 1];
        for (int i = 0; i < queues.Length; i++)
        {
            queues[i] = new ConcurrentQueue<byte[]>();
        }

        return queues;
    }
}
