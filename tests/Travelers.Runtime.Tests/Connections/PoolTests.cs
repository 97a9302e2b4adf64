using Travelers.Messaging;

namespace Travelers.Runtime.Tests.Connections;

public sealed class PoolTests
{
    [Theory]
    [InlineData(BlockMemoryPool.ReceiveBlockSize)]
    [InlineData(BlockMemoryPool.SendBlockSize)]
    public void A_block_and_its_owner_come_back_whole(int size)
    {
        var pool = new BlockMemoryPool(size);
        System.Buffers.IMemoryOwner<byte> first = pool.Rent(100);
        Assert.Equal(size, first.Memory.Length);
        first.Dispose();
        first.Dispose(); // a second dispose does not return it twice
        Assert.Same(first, pool.Rent());
        Assert.NotSame(first, pool.Rent());
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.Rent(size + 1));
    }

    [Fact]
    public void Every_endpoint_started_with_the_same_registry_shares_one_message_table()
    {
        Assert.Same(MessageTable.Current(), MessageTable.Current());
    }
}
