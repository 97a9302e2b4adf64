using Microsoft.Extensions.Time.Testing;
using Travelers.Transport.Simulation;

namespace Travelers.Runtime.Tests.Simulation;

/// <summary>
/// The TCP side of <see cref="NetworkConditions"/>: bytes go on no earlier than the latency after they entered the
/// stream and no faster than the bandwidth cap, in the order and groups they entered it. On a fake clock: a wait is
/// shown pending before its time and done after it.
/// </summary>
public sealed class StreamShaperTests
{
    private static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);

    private static async Task<long> Done(ValueTask<long> take) => await take.AsTask().WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

    [Fact]
    public async Task Bytes_wait_the_latency_from_when_they_entered_and_are_taken_in_the_groups_they_entered()
    {
        var clock = new FakeTimeProvider();
        var shaper = new StreamShaper(new NetworkConditions { Latency = 60 * Ms }, clock);
        shaper.Mark(10);
        clock.Advance(30 * Ms);
        shaper.Mark(20);

        ValueTask<long> first = shaper.TakeAsync(30, TestContext.Current.CancellationToken);
        clock.Advance(29 * Ms);
        Assert.False(first.IsCompleted); // 59 ms after the first ten bytes
        clock.Advance(1 * Ms);
        Assert.Equal(10, await Done(first)); // only the bytes that entered together

        ValueTask<long> second = shaper.TakeAsync(20, TestContext.Current.CancellationToken);
        clock.Advance(29 * Ms);
        Assert.False(second.IsCompleted);
        clock.Advance(1 * Ms);
        Assert.Equal(20, await Done(second));

        // Bytes that waited longer than the latency already (the consumer was busy) go at once.
        shaper.Mark(5);
        clock.Advance(100 * Ms);
        ValueTask<long> late = shaper.TakeAsync(100, TestContext.Current.CancellationToken);
        Assert.True(late.IsCompleted);
        Assert.Equal(5, await late);

        // Without a bandwidth cap a group goes whole, however large.
        shaper.Mark(1_000_000);
        clock.Advance(60 * Ms);
        Assert.Equal(1_000_000, await Done(shaper.TakeAsync(1_000_000, TestContext.Current.CancellationToken)));
    }

    [Fact]
    public async Task Bytes_never_marked_are_timed_from_when_they_are_taken()
    {
        var clock = new FakeTimeProvider();
        var shaper = new StreamShaper(new NetworkConditions { Latency = 40 * Ms }, clock);
        clock.Advance(500 * Ms);
        ValueTask<long> take = shaper.TakeAsync(7, TestContext.Current.CancellationToken);
        clock.Advance(39 * Ms);
        Assert.False(take.IsCompleted);
        clock.Advance(1 * Ms);
        Assert.Equal(7, await Done(take));
    }

    [Fact]
    public async Task The_bandwidth_cap_spaces_bytes_by_their_size_in_chunks_of_about_20_ms()
    {
        var clock = new FakeTimeProvider();
        var shaper = new StreamShaper(new NetworkConditions { BandwidthBytesPerSecond = 100_000 }, clock);
        shaper.Mark(500); // 5 ms of the link

        ValueTask<long> small = shaper.TakeAsync(500, TestContext.Current.CancellationToken);
        clock.Advance(4 * Ms);
        Assert.False(small.IsCompleted);
        clock.Advance(1 * Ms);
        Assert.Equal(500, await Done(small));

        // 5,000 bytes at once: 2,000 at a time (20 ms of 100 KB/s), each after the one before has crossed.
        shaper.Mark(5_000);
        ValueTask<long> chunk = shaper.TakeAsync(5_000, TestContext.Current.CancellationToken);
        clock.Advance(19 * Ms);
        Assert.False(chunk.IsCompleted);
        clock.Advance(1 * Ms);
        Assert.Equal(2_000, await Done(chunk));

        ValueTask<long> next = shaper.TakeAsync(3_000, TestContext.Current.CancellationToken);
        clock.Advance(19 * Ms);
        Assert.False(next.IsCompleted); // the link is busy with the first chunk until then
        clock.Advance(1 * Ms);
        Assert.Equal(2_000, await Done(next));
    }

    [Fact]
    public async Task A_slow_link_sends_a_small_chunk_at_least_a_kilobyte()
    {
        var clock = new FakeTimeProvider();
        var shaper = new StreamShaper(new NetworkConditions { BandwidthBytesPerSecond = 1_000 }, clock);
        shaper.Mark(3_000);
        ValueTask<long> take = shaper.TakeAsync(3_000, TestContext.Current.CancellationToken);
        clock.Advance(1_023 * Ms);
        Assert.False(take.IsCompleted);
        clock.Advance(1 * Ms);
        Assert.Equal(1_024, await Done(take));
    }

    [Fact]
    public async Task Nothing_available_is_taken_at_once_and_a_cancelled_wait_throws()
    {
        var clock = new FakeTimeProvider();
        var shaper = new StreamShaper(new NetworkConditions { Latency = 50 * Ms }, clock);
        shaper.Mark(10);
        ValueTask<long> none = shaper.TakeAsync(0, TestContext.Current.CancellationToken);
        Assert.True(none.IsCompleted);
        Assert.Equal(0, await none);

        using var cancel = new CancellationTokenSource();
        ValueTask<long> waiting = shaper.TakeAsync(10, cancel.Token);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.AsTask());
    }

    [Theory]
    [InlineData(0, 0, false)]
    [InlineData(1, 0, true)]
    [InlineData(0, 1, true)]
    public void Only_latency_and_a_bandwidth_cap_shape_a_stream(int latencyMs, long bandwidth, bool shapes)
    {
        Assert.Equal(shapes, StreamShaper.Shapes(new NetworkConditions { Latency = latencyMs * Ms, BandwidthBytesPerSecond = bandwidth, Loss = 0.5, Jitter = 9 * Ms }));
        Assert.False(StreamShaper.Shapes(null));
    }
}
