using System;
using System.Buffers;

namespace Travelers;

/// <summary>
/// Fixed-size blocks for the connections' pipes, with their owner objects reused. <c>MemoryPool&lt;byte&gt;.Shared</c>
/// pools the arrays but allocates a new owner for every rent, and a pipe rents a block for nearly every socket
/// read and every flush: one allocation per message exchanged at low rates. Like Kestrel's pinned block pool,
/// this one keeps whole blocks (array and owner), up to 64 MB of them, in a free list that never grows. Each
/// server and client has its own, so one's bursts do not empty another's. Larger requests are left to the pipe,
/// which allocates them itself (see <see cref="MaxBufferSize"/>).
/// </summary>
internal sealed class BlockMemoryPool : MemoryPool<byte>
{
    /// <summary>The size of a receive block.</summary>
    public const int ReceiveBlockSize = 4096;

    /// <summary>
    /// The size of a send block: a pipe keeps 256 segment objects and allocates past them, so 256 blocks must
    /// hold the default cap on unsent bytes (4 MB) for a sender running ahead of its socket not to allocate.
    /// </summary>
    public const int SendBlockSize = 16 * 1024;

    private const int RetainedBytes = 64 * 1024 * 1024;

    private readonly BoundedStack<Block> _blocks;

    /// <summary>A pool of <paramref name="blockSize"/>-byte blocks, keeping up to 64 MB of them.</summary>
    /// <param name="blockSize">The size of every block.</param>
    public BlockMemoryPool(int blockSize)
    {
        BlockSize = blockSize;
        _blocks = new(RetainedBytes / blockSize);
    }

    /// <summary>The size of a block.</summary>
    public int BlockSize { get; }

    /// <inheritdoc/>
    public override int MaxBufferSize => BlockSize;

    /// <inheritdoc/>
    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        if (minBufferSize > BlockSize)
        {
            throw new ArgumentOutOfRangeException(nameof(minBufferSize), minBufferSize, $"Blocks are {BlockSize} bytes.");
        }

        if (_blocks.TryPop(out Block? block))
        {
            block!.Rented = true;
            return block;
        }

        return new Block(this) { Rented = true };
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        // Blocks are plain arrays: the garbage collector takes them with the pool.
    }

    private void Return(Block block) => _blocks.TryPush(block);

    /// <summary>A block and its owner, given back on <see cref="Dispose"/>.</summary>
    private sealed class Block(BlockMemoryPool pool) : IMemoryOwner<byte>
    {
        private readonly byte[] _array = new byte[pool.BlockSize];

        public bool Rented { get; set; }

        public Memory<byte> Memory => _array;

        public void Dispose()
        {
            if (Rented)
            {
                Rented = false;
                pool.Return(this);
            }
        }
    }
}
