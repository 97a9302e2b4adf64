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

    /// <summary>Asserts that a take of <paramref name="available"/> is still waiting just before <paramref name="after"/> and then takes <paramref name="expected"/>.</summary>
    private static async Task TakesAfter(StreamShaper shaper, FakeTimeProvider clock, long available, TimeSpan after, long expected)
    {
        ValueTask<long> take = shaper.TakeAsync(available, TestContext.Current.CancellationToken);
        clock.Advance(after - Ms);
        Assert.False(take.IsCompleted, $"taken before {after.TotalMilliseconds} ms");
        clock.Advance(Ms);
        Assert.Equal(expected, await Done(take));
    }

    [Fact]
    public async Task Bytes_wait_the_latency_from_when_they_entered_and_are_taken_in_the_groups_they_entered()
    {
        var clock = new FakeTimeProvider();
        var shaper = new StreamShaper(new NetworkConditions { Latency = 60 * Ms }, clock);
        shaper.Mark(10);
        clock.Advance(30 * Ms);
        shaper.Mark(20);

        await TakesAfter(shaper, clock, 30, 30 * Ms, 10); // 60 ms after the first ten bytes: only those, which entered together
        await TakesAfter(shaper, clock, 20, 30 * Ms, 20); // 60 ms after the next twenty

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
        await TakesAfter(shaper, clock, 7, 40 * Ms, 7);
    }

    [Fact]
    public async Task The_bandwidth_cap_spaces_bytes_by_their_size_in_chunks_of_about_20_ms()
    {
        var clock = new FakeTimeProvider();
        var shaper = new StreamShaper(new NetworkConditions { BandwidthBytesPerSecond = 100_000 }, clock);
        shaper.Mark(500); // 5 ms of the link

        await TakesAfter(shaper, clock, 500, 5 * Ms, 500);

        // 5,000 bytes at once: 2,000 at a time (20 ms of 100 KB/s), each after the one before has crossed.
        shaper.Mark(5_000);
        await TakesAfter(shaper, clock, 5_000, 20 * Ms, 2_000);

        await TakesAfter(shaper, clock, 3_000, 20 * Ms, 2_000); // the link is busy with the first chunk until then
    }

    [Fact]
    public async Task A_slow_link_sends_a_small_chunk_at_least_a_kilobyte()
    {
        var clock = new FakeTimeProvider();
        var shaper = new StreamShaper(new NetworkConditions { BandwidthBytesPerSecond = 1_000 }, clock);
        shaper.Mark(3_000);
        await TakesAfter(shaper, clock, 3_000, 1024 * Ms, 1_024);
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
