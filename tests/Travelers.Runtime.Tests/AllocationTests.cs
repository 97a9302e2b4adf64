using System.Buffers;
using System.Runtime.CompilerServices;

namespace Travelers.Runtime.Tests;

/// <summary>
/// DESIGN: a message of primitives, vectors and nested structs serializes and deserializes with 0
/// bytes allocated, measured with GC.GetAllocatedBytesForCurrentThread.
/// </summary>
public sealed class AllocationTests
{
    private const int RoundTrips = 10_000;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long RoundTripThroughBufferWriter(ArrayBufferWriter<byte> buffer, Snapshot[] values, int count)
    {
        long checksum = 0;
        for (int i = 0; i < count; i++)
        {
            buffer.ResetWrittenCount();
            NetSerializer.Serialize(buffer, in values[i % values.Length]);
            Snapshot back = NetSerializer.Deserialize<Snapshot>(buffer.WrittenSpan);
            checksum += back.Tick;
        }

        return checksum;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long RoundTripThroughSpan(byte[] span, Snapshot[] values, int count)
    {
        long checksum = 0;
        for (int i = 0; i < count; i++)
        {
            int written = NetSerializer.Serialize(span, in values[i % values.Length]);
            checksum += NetSerializer.TryDeserialize<Snapshot>(span.AsSpan(0, written), out Snapshot back) ? back.Tick : -1;
        }

        return checksum;
    }

    private static Snapshot[] Values() => Enumerable.Range(0, 16).Select(i => Samples.Snapshot((uint)i)).ToArray();

    private static long ExpectedChecksum(Snapshot[] values, int count) => Enumerable.Range(0, count).Sum(i => (long)values[i % values.Length].Tick);

    [Fact]
    public void A_struct_of_primitives_vectors_and_nested_structs_round_trips_through_a_reused_ArrayBufferWriter_without_allocating()
    {
        Snapshot[] values = Values();
        var buffer = new ArrayBufferWriter<byte>(1024);

        // Warm up: tier-0 code, then tier-1 (and OSR) compilation, the type's static initializers.
        for (int round = 0; round < 30; round++)
        {
            RoundTripThroughBufferWriter(buffer, values, 200);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        long checksum = RoundTripThroughBufferWriter(buffer, values, RoundTrips);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(ExpectedChecksum(values, RoundTrips), checksum);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void A_struct_of_primitives_vectors_and_nested_structs_round_trips_through_a_span_without_allocating()
    {
        Snapshot[] values = Values();
        byte[] span = new byte[1024];
        for (int round = 0; round < 30; round++)
        {
            RoundTripThroughSpan(span, values, 200);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        long checksum = RoundTripThroughSpan(span, values, RoundTrips);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(ExpectedChecksum(values, RoundTrips), checksum);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Reading_a_class_with_strings_allocates_only_the_object_and_its_strings()
    {
        byte[] bytes = NetSerializer.Serialize(new Child { Name = "abcdefgh", Value = 1 });
        for (int i = 0; i < 2_000; i++)
        {
            NetSerializer.Deserialize<Child>(bytes);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        Child child = NetSerializer.Deserialize<Child>(bytes);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal("abcdefgh", child.Name);
        // An object of two fields (~32 bytes) and an 8-char string (~38 bytes, rounded up): nothing else.
        Assert.InRange(allocated, 1, 96);
    }
}
