using Travelers.Rpc;

namespace Travelers.Runtime.Tests.Rpc;

/// <summary>MaxPerSecond's token bucket on its own clock: full at first, refilled at the rate, never past full, and sound over long idles and a clock that goes back.</summary>
public sealed class RpcPeerTests
{
    private const long Frequency = 1_000_000_000; // Stopwatch's on Linux: nanoseconds

    [Fact]
    public void A_bucket_holds_its_rate_and_refills_at_it()
    {
        var peer = new RpcPeer(2);
        long now = 1;
        for (int i = 0; i < 5; i++)
        {
            Assert.True(peer.TryTake(0, 5, now, Frequency));
        }

        Assert.False(peer.TryTake(0, 5, now, Frequency)); // empty
        Assert.True(peer.TryTake(1, 5, now, Frequency)); // another RPC has its own bucket
        now += Frequency / 5; // a fifth of a second: one token back
        Assert.True(peer.TryTake(0, 5, now, Frequency));
        Assert.False(peer.TryTake(0, 5, now, Frequency));
        now += 100 * Frequency; // long idle: full, not fuller
        for (int i = 0; i < 5; i++)
        {
            Assert.True(peer.TryTake(0, 5, now, Frequency));
        }

        Assert.False(peer.TryTake(0, 5, now, Frequency));
    }

    /// <summary>
    /// A clock that reads 0 (a game's own TimeProvider, started at zero): the bucket is filled once, not on every call.
    /// A stamp of 0 stood for "never used", so each call at 0 filled it again and the limit let every call through.
    /// </summary>
    [Fact]
    public void A_bucket_read_at_timestamp_zero_is_filled_once()
    {
        var peer = new RpcPeer(1);
        for (int i = 0; i < 5; i++)
        {
            Assert.True(peer.TryTake(0, 5, 0, Frequency));
        }

        Assert.False(peer.TryTake(0, 5, 0, Frequency)); // empty
        Assert.True(peer.TryTake(0, 5, Frequency / 5, Frequency)); // a fifth of a second later: one token back
        Assert.False(peer.TryTake(0, 5, Frequency / 5, Frequency));
    }

    [Fact]
    public void A_bucket_idle_for_a_day_and_more_is_full_not_locked_out()
    {
        var peer = new RpcPeer(1);
        Assert.True(peer.TryTake(0, 100_000, 1, Frequency));

        // 30 hours at 100,000 a second: the elapsed ticks times the rate pass long.MaxValue.
        long later = 1 + (30L * 3600 * Frequency);
        Assert.True(peer.TryTake(0, 100_000, later, Frequency));
        Assert.True(peer.TryTake(0, 100_000, later + Frequency, Frequency));
    }

    [Fact]
    public void A_clock_that_goes_back_neither_refills_nor_drains_the_bucket()
    {
        var peer = new RpcPeer(1);
        long now = 10 * Frequency;
        Assert.True(peer.TryTake(0, 2, now, Frequency)); // one token left

        Assert.True(peer.TryTake(0, 2, now - (5 * Frequency), Frequency)); // back five seconds: the token is still there
        Assert.False(peer.TryTake(0, 2, now - (5 * Frequency), Frequency)); // and none was gained
        Assert.True(peer.TryTake(0, 2, now + (Frequency / 2), Frequency)); // half a second past the last stamp: one token
        Assert.False(peer.TryTake(0, 2, now + (Frequency / 2), Frequency));
    }

    [Fact]
    public void A_token_asked_for_as_the_connection_closes_is_cancelled()
    {
        // A call's method may read its context's token on another thread (after an await) just as Poll() closes the
        // connection: the token it gets must end up cancelled either way.
        const int Rounds = 2_000;
        var peers = new RpcPeer[Rounds];
        var tokens = new CancellationToken[Rounds];
        for (int i = 0; i < Rounds; i++)
        {
            peers[i] = new RpcPeer(1);
        }

        using var start = new Barrier(2);
        var reader = new Thread(() =>
        {
            for (int i = 0; i < Rounds; i++)
            {
                start.SignalAndWait();
                tokens[i] = peers[i].Closing;
            }
        });
        reader.Start();
        for (int i = 0; i < Rounds; i++)
        {
            start.SignalAndWait();
            peers[i].Close();
        }

        reader.Join();
        Assert.Equal(0, tokens.Count(t => !t.IsCancellationRequested));
    }
}
