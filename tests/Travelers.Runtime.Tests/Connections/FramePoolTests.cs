using Travelers.Messaging;

namespace Travelers.Runtime.Tests.Connections;

public sealed class FramePoolTests
{
    [Theory]
    [InlineData(1, 256)]
    [InlineData(256, 256)]
    [InlineData(257, 512)]
    [InlineData(2300, 4096)]
    [InlineData(512 * 1024, 512 * 1024)]
    public void Rent_gives_the_smallest_power_of_two_of_at_least_256_bytes(int length, int expected)
    {
        byte[] array = FramePool.Rent(length);
        Assert.Equal(expected, array.Length);
        FramePool.Return(array);
    }

    [Fact]
    public void An_array_returned_on_one_thread_is_reused_by_another()
    {
        // A size no other test uses, so the queue holds only what this test returns.
        byte[] first = FramePool.Rent(3 * 1024 * 1024);
        Thread returner = new(() => FramePool.Return(first));
        returner.Start();
        returner.Join();
        Assert.Same(first, FramePool.Rent(3 * 1024 * 1024));
    }

    [Fact]
    public void Foreign_arrays_are_not_kept()
    {
        var foreign = new byte[3000];
        FramePool.Return(foreign);
        Assert.NotSame(foreign, FramePool.Rent(3000));
    }
}
