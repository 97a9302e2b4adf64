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
        var pool = new FramePool();
        byte[] array = pool.Rent(length);
        Assert.Equal(expected, array.Length);
        pool.Return(array);
    }

    [Fact]
    public void An_array_past_the_largest_size_kept_is_given_at_its_length_and_not_kept()
    {
        var pool = new FramePool();
        int length = (64 * 1024 * 1024) + 1;
        byte[] array = pool.Rent(length);
        Assert.Equal(length, array.Length);
        pool.Return(array);
        pool.Return(new byte[128 * 1024 * 1024]);
        Assert.NotSame(array, pool.Rent(length));
    }

    [Fact]
    public void An_array_returned_on_one_thread_is_reused_by_another()
    {
        var pool = new FramePool();
        byte[] first = pool.Rent(3000);
        Thread returner = new(() => pool.Return(first));
        returner.Start();
        returner.Join();
        Assert.Same(first, pool.Rent(3000));
        Assert.NotSame(first, pool.Rent(3000));
    }

    [Fact]
    public void Foreign_arrays_are_not_kept()
    {
        var pool = new FramePool();
        var foreign = new byte[3000];
        pool.Return(foreign);
        Assert.NotSame(foreign, pool.Rent(3000));
    }

    [Fact]
    public void A_full_free_list_keeps_no_more()
    {
        var pool = new FramePool();
        byte[][] rented = Enumerable.Range(0, 17).Select(_ => pool.Rent(512 * 1024)).ToArray(); // 8 MB / 512 KB = 16 kept
        foreach (byte[] array in rented)
        {
            pool.Return(array);
        }

        var again = Enumerable.Range(0, 17).Select(_ => pool.Rent(512 * 1024)).ToList();
        Assert.Equal(16, again.Count(a => rented.Contains(a)));
    }
}
