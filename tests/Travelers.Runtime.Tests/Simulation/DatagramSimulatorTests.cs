using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Numerics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Time.Testing;
using Travelers.Transport.Simulation;

namespace Travelers.Runtime.Tests.Simulation;

/// <summary>
/// DESIGN, Transport: the seeded simulator's decisions, delays, bandwidth cap and bounds, on a fake clock
/// (no sleeps: the fake clock's timer delivers on the thread that advances it).
/// </summary>
public sealed class DatagramSimulatorTests
{
    private static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);

    [Fact]
    public void Perfect_conditions_deliver_every_datagram_inline_unchanged_with_its_address()
    {
        var clock = new FakeTimeProvider();
        var recorder = new Recorder(clock);
        using var simulator = new DatagramSimulator(new NetworkConditions(), clock, recorder.Sink);
        SocketAddress address = new IPEndPoint(IPAddress.Loopback, 4000).Serialize();

        for (int i = 0; i < 100; i++)
        {
            simulator.Submit(Datagram(i), address);
            Assert.Equal(i + 1, recorder.Received.Count);
        }

        Assert.Equal(Enumerable.Range(0, 100), recorder.Received.Select(r => Index(r.Bytes)));
        Assert.All(recorder.Received, r => Assert.Equal(Datagram(Index(r.Bytes)), r.Bytes));
        Assert.All(recorder.Received, r => Assert.Equal(new IPEndPoint(IPAddress.Loopback, 4000), r.From));
        Assert.Equal(100, simulator.Delivered);
        Assert.Equal(0, simulator.Held);
    }

    [Fact]
    public void The_same_seed_and_the_same_submissions_give_the_same_deliveries()
    {
        var conditions = new NetworkConditions
        {
            Latency = 30 * Ms, Jitter = 10 * Ms, Loss = 0.2, Duplicate = 0.2, Reorder = 0.2, Corrupt = 0.2, Seed = 42,
        };

        (List<Received> first, long[] firstCounters) = Run(conditions, 2_000);
        (List<Received> second, long[] secondCounters) = Run(conditions, 2_000);

        Assert.Equal(firstCounters, secondCounters);
        Assert.Equal(first.Count, second.Count);
        for (int i = 0; i < first.Count; i++)
        {
            Assert.Equal(first[i].Bytes, second[i].Bytes);
            Assert.Equal(first[i].At, second[i].At);
        }

        // Every kind of decision was exercised.
        Assert.All(firstCounters, count => Assert.True(count > 0));
    }

    [Fact]
    public void Different_seeds_give_different_decisions()
    {
        var conditions = new NetworkConditions { Latency = 30 * Ms, Jitter = 10 * Ms, Loss = 0.2, Duplicate = 0.2, Corrupt = 0.2, Seed = 1 };

        (List<Received> first, _) = Run(conditions, 2_000);
        (List<Received> second, _) = Run(new NetworkConditions { Latency = 30 * Ms, Jitter = 10 * Ms, Loss = 0.2, Duplicate = 0.2, Corrupt = 0.2, Seed = 2 }, 2_000);

        Assert.NotEqual(first.Select(r => Index(r.Bytes)), second.Select(r => Index(r.Bytes)));
    }

    [Fact]
    public void Loss_decisions_do_not_change_when_another_setting_is_turned_on()
    {
        // A fixed number of draws per datagram: duplication and corruption consume the same numbers either way.
        HashSet<int> lostAlone = Lost(new NetworkConditions { Loss = 0.3, Seed = 9 });
        HashSet<int> lostWithOthers = Lost(new NetworkConditions { Loss = 0.3, Corrupt = 0.5, Duplicate = 0.5, Seed = 9 });

        Assert.Equal(lostAlone, lostWithOthers);

        static HashSet<int> Lost(NetworkConditions conditions)
        {
            var clock = new FakeTimeProvider();
            var recorder = new Recorder(clock);
            using var simulator = new DatagramSimulator(conditions, clock, recorder.Sink);
            byte[] datagram = new byte[12];
            for (int i = 0; i < 1_000; i++)
            {
                // The index three times: one flipped bit cannot outvote two good copies.
                for (int copy = 0; copy < 3; copy++)
                {
                    BinaryPrimitives.WriteInt32LittleEndian(datagram.AsSpan(copy * 4), i);
                }

                simulator.Submit(datagram, null);
            }

            HashSet<int> arrived = recorder.Received.Select(r => Vote(r.Bytes)).ToHashSet();
            return Enumerable.Range(0, 1_000).Where(i => !arrived.Contains(i)).ToHashSet();
        }

        static int Vote(byte[] bytes)
        {
            int a = BinaryPrimitives.ReadInt32LittleEndian(bytes);
            int b = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(4));
            return a == b || a == BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8)) ? a : b;
        }
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.1)]
    [InlineData(0.5)]
    [InlineData(1.0)]
    public void The_loss_rate_over_20000_datagrams_is_within_a_percentage_point_of_the_setting(double loss)
    {
        const int Count = 20_000;
        var clock = new FakeTimeProvider();
        long received = 0;
        using var simulator = new DatagramSimulator(new NetworkConditions { Loss = loss, Seed = 3 }, clock, (_, _) => received++);

        for (int i = 0; i < Count; i++)
        {
            simulator.Submit(Datagram(i), null);
        }

        // Due at once: delivered inline, nothing waits for the clock.
        Assert.Equal(Count, simulator.Dropped + received);
        Assert.InRange((double)simulator.Dropped / Count, loss - 0.01, loss + 0.01);
        if (loss is 0 or 1)
        {
            Assert.Equal((long)(loss * Count), simulator.Dropped);
        }
    }

    [Fact]
    public void Duplicates_are_counted_and_delivered_twice()
    {
        var clock = new FakeTimeProvider();
        var recorder = new Recorder(clock);
        using var simulator = new DatagramSimulator(new NetworkConditions { Duplicate = 1, Latency = 10 * Ms, Jitter = 5 * Ms, Seed = 5 }, clock, recorder.Sink);

        for (int i = 0; i < 500; i++)
        {
            simulator.Submit(Datagram(i), null);
        }

        Advance(clock, 20 * Ms);

        Assert.Equal(500, simulator.Duplicated);
        Assert.Equal(1_000, recorder.Received.Count);
        Assert.All(recorder.Received.GroupBy(r => Index(r.Bytes)), group => Assert.Equal(2, group.Count()));
        Assert.All(recorder.Received, r => Assert.Equal(Datagram(Index(r.Bytes)), r.Bytes));
    }

    [Fact]
    public void A_duplicate_rate_gives_one_extra_copy_per_duplicated_datagram()
    {
        var clock = new FakeTimeProvider();
        var recorder = new Recorder(clock);
        using var simulator = new DatagramSimulator(new NetworkConditions { Duplicate = 0.25, Seed = 6 }, clock, recorder.Sink);

        for (int i = 0; i < 4_000; i++)
        {
            simulator.Submit(Datagram(i), null);
        }

        Assert.InRange(simulator.Duplicated, 900, 1_100);
        Assert.Equal(4_000 + simulator.Duplicated, recorder.Received.Count);
    }

    [Fact]
    public void Corrupted_copies_differ_by_exactly_one_bit_and_the_callers_bytes_are_never_modified()
    {
        var clock = new FakeTimeProvider();
        var recorder = new Recorder(clock);
        using var simulator = new DatagramSimulator(new NetworkConditions { Corrupt = 1, Seed = 7 }, clock, recorder.Sink);
        byte[] datagram = new byte[200];
        Random.Shared.NextBytes(datagram);
        byte[] pristine = datagram.ToArray();
        var flippedBits = new HashSet<int>();

        for (int i = 0; i < 1_000; i++)
        {
            simulator.Submit(datagram, null);
            Assert.Equal(pristine, datagram);
        }

        Assert.Equal(1_000, simulator.Corrupted);
        Assert.Equal(1_000, recorder.Received.Count);
        foreach (Received copy in recorder.Received)
        {
            Assert.Equal(pristine.Length, copy.Bytes.Length);
            int differing = 0;
            for (int b = 0; b < pristine.Length; b++)
            {
                int xor = pristine[b] ^ copy.Bytes[b];
                differing += BitOperations.PopCount((uint)xor);
                if (xor != 0)
                {
                    flippedBits.Add((b * 8) + BitOperations.TrailingZeroCount(xor));
                }
            }

            Assert.Equal(1, differing);
        }

        // The flipped bit is drawn over the whole datagram, not always the same one.
        Assert.True(flippedBits.Count > 500, $"{flippedBits.Count} distinct bits flipped");
    }

    [Fact]
    public void An_empty_datagram_is_delivered_and_never_counted_as_corrupted()
    {
        var clock = new FakeTimeProvider();
        var recorder = new Recorder(clock);
        using var simulator = new DatagramSimulator(new NetworkConditions { Corrupt = 1 }, clock, recorder.Sink);

        simulator.Submit(ReadOnlySpan<byte>.Empty, null);

        Assert.Single(recorder.Received);
        Assert.Equal(0, simulator.Corrupted);
    }

    [Fact]
    public void Delays_lie_within_latency_plus_or_minus_jitter_on_the_fake_clock()
    {
        var clock = new FakeTimeProvider();
        var recorder = new Recorder(clock);
        using var simulator = new DatagramSimulator(new NetworkConditions { Latency = 50 * Ms, Jitter = 20 * Ms, Seed = 8 }, clock, recorder.Sink);
        long start = clock.GetTimestamp();

        for (int i = 0; i < 1_000; i++)
        {
            simulator.Submit(Datagram(i), null);
        }

        Advance(clock, 29 * Ms);
        Assert.Empty(recorder.Received);

        Advance(clock, 41 * Ms);
        Assert.Equal(1_000, recorder.Received.Count);
        TimeSpan[] delays = recorder.Received.Select(r => TimeSpan.FromTicks(r.At - start)).ToArray();
        Assert.All(delays, delay => Assert.InRange(delay, 30 * Ms, 70 * Ms));

        // The jitter is used across its range, not only at its centre.
        Assert.True(delays.Min() < 35 * Ms && delays.Max() > 65 * Ms, $"delays {delays.Min()} .. {delays.Max()}");
    }

    [Fact]
    public void Jitter_larger_than_the_latency_clamps_delays_at_zero()
    {
        var clock = new FakeTimeProvider();
        var recorder = new Recorder(clock);
        using var simulator = new DatagramSimulator(new NetworkConditions { Latency = 5 * Ms, Jitter = 20 * Ms, Seed = 10 }, clock, recorder.Sink);

        for (int i = 0; i < 1_000; i++)
        {
            simulator.Submit(Datagram(i), null);
        }

        // About a third draw a negative delay: those are delivered inline, at once.
        Assert.InRange(recorder.Received.Count, 250, 450);

        Advance(clock, 25 * Ms);
        Assert.Equal(1_000, recorder.Received.Count);
    }

    [Fact]
    public void Reordering_happens_when_Reorder_is_set()
    {
        var clock = new FakeTimeProvider();
        var recorder = new Recorder(clock);
        using var simulator = new DatagramSimulator(new NetworkConditions { Latency = 50 * Ms, Reorder = 0.1, Seed = 11 }, clock, recorder.Sink);

        SubmitOnePerMillisecond(simulator, clock, 1_000);
        Advance(clock, 200 * Ms);

        int[] order = recorder.Received.Select(r => Index(r.Bytes)).ToArray();
        Assert.Equal(1_000, order.Length);
        Assert.InRange(simulator.Reordered, 60, 140);
        Assert.True(Inversions(order) > 0);
    }

    [Fact]
    public void Without_reordering_and_jitter_datagrams_arrive_in_the_order_they_were_sent()
    {
        var clock = new FakeTimeProvider();
        var recorder = new Recorder(clock);
        using var simulator = new DatagramSimulator(new NetworkConditions { Latency = 50 * Ms, Loss = 0.1, Duplicate = 0.1, Seed = 12 }, clock, recorder.Sink);

        // Some submitted in the same instant (equal due times), some a millisecond apart.
        for (int i = 0; i < 1_000; i++)
        {
            simulator.Submit(Datagram(i), null);
            if (i % 3 == 0)
            {
                clock.Advance(Ms);
            }
        }

        Advance(clock, 100 * Ms);

        int[] order = recorder.Received.Select(r => Index(r.Bytes)).ToArray();
        Assert.Equal(1_000 - simulator.Dropped + simulator.Duplicated, order.Length);
        Assert.Equal(0, Inversions(order));
        Assert.Equal(0, simulator.Reordered);
    }

    [Fact]
    public void The_bandwidth_cap_sends_one_datagram_after_another()
    {
        var clock = new FakeTimeProvider();
        var recorder = new Recorder(clock);

        // 100 bytes at 10,000 B/s: 10 ms each.
        using var simulator = new DatagramSimulator(new NetworkConditions { BandwidthBytesPerSecond = 10_000 }, clock, recorder.Sink);
        long start = clock.GetTimestamp();

        for (int i = 0; i < 5; i++)
        {
            simulator.Submit(Datagram(i, 100), null);
        }

        Advance(clock, 60 * Ms);

        TimeSpan[] expected = [10 * Ms, 20 * Ms, 30 * Ms, 40 * Ms, 50 * Ms];
        Assert.Equal(expected, recorder.Received.Select(r => TimeSpan.FromTicks(r.At - start)));
        Assert.Equal(0, simulator.OverBandwidth);
    }

    [Fact]
    public void The_bandwidth_cap_drops_what_would_wait_more_than_a_second()
    {
        var clock = new FakeTimeProvider();
        var recorder = new Recorder(clock);
        using var simulator = new DatagramSimulator(new NetworkConditions { BandwidthBytesPerSecond = 10_000 }, clock, recorder.Sink);

        for (int i = 0; i < 200; i++)
        {
            simulator.Submit(Datagram(i, 100), null);
        }

        // Datagrams 0..100 start within a second of now; the 99 after them would wait longer.
        Assert.Equal(99, simulator.OverBandwidth);
        Advance(clock, 1_010 * Ms);
        Assert.Equal(Enumerable.Range(0, 101), recorder.Received.Select(r => Index(r.Bytes)));

        // Once the queue has drained, the link takes datagrams again.
        simulator.Submit(Datagram(500, 100), null);
        Advance(clock, 10 * Ms);
        Assert.Equal(500, Index(recorder.Received[^1].Bytes));
        Assert.Equal(99, simulator.OverBandwidth);
    }

    [Fact]
    public void The_address_is_copied_so_the_caller_may_reuse_its_instance()
    {
        var clock = new FakeTimeProvider();
        var recorder = new Recorder(clock);
        using var simulator = new DatagramSimulator(new NetworkConditions { Latency = 10 * Ms }, clock, recorder.Sink);
        SocketAddress address = new IPEndPoint(IPAddress.Parse("10.0.0.1"), 1111).Serialize();

        simulator.Submit(Datagram(0), address);
        new IPEndPoint(IPAddress.Parse("10.0.0.2"), 2222).Serialize().Buffer.CopyTo(address.Buffer);
        simulator.Submit(Datagram(1), address);
        simulator.Submit(Datagram(2), null);
        SocketAddress v6 = new IPEndPoint(IPAddress.IPv6Loopback, 3333).Serialize();
        simulator.Submit(Datagram(3), v6);
        Advance(clock, 10 * Ms);

        IPEndPoint?[] expected =
            [new IPEndPoint(IPAddress.Parse("10.0.0.1"), 1111), new IPEndPoint(IPAddress.Parse("10.0.0.2"), 2222), null, new IPEndPoint(IPAddress.IPv6Loopback, 3333)];
        Assert.Equal(expected, recorder.Received.Select(r => r.From));
    }

    [Fact]
    public void Held_datagrams_are_capped_and_the_excess_is_counted()
    {
        var clock = new FakeTimeProvider();
        long received = 0;
        using var simulator = new DatagramSimulator(new NetworkConditions { Latency = TimeSpan.FromSeconds(1) }, clock, (_, _) => received++);
        byte[] datagram = new byte[8];

        for (int i = 0; i < DatagramSimulator.MaxHeldDatagrams + 1_000; i++)
        {
            simulator.Submit(datagram, null);
        }

        Assert.Equal(DatagramSimulator.MaxHeldDatagrams, simulator.Held);
        Assert.Equal(1_000, simulator.Overflowed);

        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(DatagramSimulator.MaxHeldDatagrams, received);
        Assert.Equal(0, simulator.Held);
    }

    [Fact]
    public void Disposing_stops_delivery_and_later_submissions_are_ignored()
    {
        var clock = new FakeTimeProvider();
        var recorder = new Recorder(clock);
        var simulator = new DatagramSimulator(new NetworkConditions { Latency = 10 * Ms }, clock, recorder.Sink);
        simulator.Submit(Datagram(0), null);

        simulator.Dispose();
        simulator.Submit(Datagram(1), null);
        clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Empty(recorder.Received);
        Assert.Equal(1, simulator.Submitted);
        Assert.Equal(0, simulator.Held);
    }

    [Fact]
    public void Submit_and_delivery_allocate_nothing_in_steady_state()
    {
        var clock = new ManualClock();
        long delivered = 0;
        var conditions = new NetworkConditions
        {
            Latency = 20 * Ms, Jitter = 10 * Ms, Loss = 0.1, Duplicate = 0.1, Reorder = 0.1, Corrupt = 0.1, BandwidthBytesPerSecond = 10_000_000, Seed = 13,
        };
        using var simulator = new DatagramSimulator(conditions, clock, (datagram, _) => delivered += datagram.Length);
        SocketAddress address = new IPEndPoint(IPAddress.Loopback, 5000).Serialize();
        byte[] datagram = new byte[300];

        // Warm up: the queue, the free lists and the JIT reach their steady state.
        Pump(simulator, clock, datagram, address, 3_000);

        long before = GC.GetAllocatedBytesForCurrentThread();
        Pump(simulator, clock, datagram, address, 3_000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.True(delivered > 0);
    }

    [Fact]
    public async Task With_the_system_clock_a_delayed_datagram_arrives_after_its_latency()
    {
        var arrived = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var simulator = new DatagramSimulator(new NetworkConditions { Latency = 20 * Ms }, TimeProvider.System, (_, _) => arrived.TrySetResult(Stopwatch.GetTimestamp()));
        long sent = Stopwatch.GetTimestamp();

        simulator.Submit(Datagram(0), null);
        long at = await arrived.Task.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);

        Assert.True(Stopwatch.GetElapsedTime(sent, at) >= 20 * Ms);
    }

    [Fact]
    public async Task Concurrent_submitters_get_every_datagram_through_and_the_sink_is_never_called_concurrently()
    {
        const int Threads = 4;
        const int PerThread = 2_000;
        int inside = 0;
        int overlaps = 0;
        long received = 0;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var simulator = new DatagramSimulator(new NetworkConditions { Latency = Ms, Jitter = Ms, Seed = 14 }, TimeProvider.System, (_, _) =>
        {
            if (Interlocked.Increment(ref inside) > 1)
            {
                Interlocked.Increment(ref overlaps);
            }

            if (Interlocked.Increment(ref received) == Threads * PerThread)
            {
                done.TrySetResult();
            }

            Interlocked.Decrement(ref inside);
        });

        await Task.WhenAll(Enumerable.Range(0, Threads).Select(t => Task.Run(() =>
        {
            byte[] datagram = new byte[32];
            for (int i = 0; i < PerThread; i++)
            {
                simulator.Submit(datagram, null);
            }
        })));
        await done.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Equal(Threads * PerThread, Interlocked.Read(ref received));
        Assert.Equal(0, overlaps);
    }

    [Fact]
    public void A_timer_that_fires_early_while_another_thread_delivers_is_armed_again()
    {
        // System timers count whole milliseconds and may fire before the time asked for (the reason delivery re-arms
        // them by force). One that fired early while the thread that had just armed it still held delivery found
        // the gate taken and left; that thread, finding nothing due, left too, and nothing was armed any more: the
        // held datagram waited for the next submission, for ever after the last one.
        var clock = new EarlyClock();
        var recorder = new Recorder(clock);
        using var simulator = new DatagramSimulator(new NetworkConditions { Latency = 10 * Ms }, clock, recorder.Sink);

        simulator.Submit(Datagram(0), null); // due at 10 ms: the timer is armed for it
        clock.Advance(5 * Ms);
        simulator.Submit(Datagram(1), null); // due at 15 ms, after the timer
        clock.FireEarlyOnNextChange = true;
        clock.Advance(5 * Ms); // datagram 0 delivered; the timer, armed again for datagram 1, fires at once on another thread
        Assert.Single(recorder.Received);

        clock.Advance(5 * Ms);
        Assert.Equal([0, 1], recorder.Received.Select(r => Index(r.Bytes)));
        Assert.Equal(0, simulator.Held);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Pump(DatagramSimulator simulator, ManualClock clock, byte[] datagram, SocketAddress address, int rounds)
    {
        for (int round = 0; round < rounds; round++)
        {
            for (int i = 0; i < 8; i++)
            {
                simulator.Submit(datagram, address);
            }

            clock.Now += Ms.Ticks;
            simulator.DeliverDue();
        }
    }

    private static (List<Received> Received, long[] Counters) Run(NetworkConditions conditions, int count)
    {
        var clock = new FakeTimeProvider();
        var recorder = new Recorder(clock);
        using var simulator = new DatagramSimulator(conditions, clock, recorder.Sink);
        SubmitOnePerMillisecond(simulator, clock, count);
        Advance(clock, TimeSpan.FromSeconds(1));
        return (recorder.Received, [simulator.Dropped, simulator.Duplicated, simulator.Corrupted, simulator.Reordered, simulator.Delivered]);
    }

    private static void SubmitOnePerMillisecond(DatagramSimulator simulator, FakeTimeProvider clock, int count)
    {
        for (int i = 0; i < count; i++)
        {
            simulator.Submit(Datagram(i), null);
            clock.Advance(Ms);
        }
    }

    /// <summary>Advances a millisecond at a time: a fake clock fires a timer at the end of the step it falls in.</summary>
    private static void Advance(FakeTimeProvider clock, TimeSpan total)
    {
        for (TimeSpan step = TimeSpan.Zero; step < total; step += Ms)
        {
            clock.Advance(Ms);
        }
    }

    /// <summary>A datagram whose first four bytes are its index and the rest a pattern of it.</summary>
    private static byte[] Datagram(int index, int length = 32)
    {
        byte[] bytes = new byte[length];
        for (int i = 4; i < length; i++)
        {
            bytes[i] = (byte)(index + i);
        }

        BinaryPrimitives.WriteInt32LittleEndian(bytes, index);
        return bytes;
    }

    private static int Index(byte[] datagram) => BinaryPrimitives.ReadInt32LittleEndian(datagram);

    private static int Inversions(int[] order)
    {
        int inversions = 0;
        for (int i = 1; i < order.Length; i++)
        {
            inversions += order[i] < order[i - 1] ? 1 : 0;
        }

        return inversions;
    }

    private sealed record Received(byte[] Bytes, long At, IPEndPoint? From);

    private sealed class Recorder(TimeProvider clock)
    {
        public List<Received> Received { get; } = [];

        public void Sink(ReadOnlySpan<byte> datagram, SocketAddress? address) =>
            Received.Add(new Received(datagram.ToArray(), clock.GetTimestamp(), address is null ? null : (IPEndPoint)new IPEndPoint(IPAddress.Any, 0).Create(address)));
    }

    /// <summary>
    /// A clock moved by hand with one timer, which fires when the clock reaches its time, or, once asked, at once and
    /// on another thread (a system timer firing early while the thread that armed it is still inside).
    /// </summary>
    private sealed class EarlyClock : TimeProvider
    {
        private EarlyTimer? _timer;

        public long Now { get; private set; } = 1_000_000;

        public bool FireEarlyOnNextChange { get; set; }

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Now;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            _timer = new EarlyTimer(this, callback, state);

        public void Advance(TimeSpan by)
        {
            Now += by.Ticks;
            _timer?.FireIfDue();
        }

        private sealed class EarlyTimer(EarlyClock clock, TimerCallback callback, object? state) : ITimer
        {
            private long _due = long.MaxValue;

            public bool Change(TimeSpan dueTime, TimeSpan period)
            {
                if (clock.FireEarlyOnNextChange && dueTime != Timeout.InfiniteTimeSpan)
                {
                    clock.FireEarlyOnNextChange = false;
                    _due = long.MaxValue;
                    var other = new Thread(() => callback(state)); // not a task: waiting on one may run it inline, here
                    other.Start();
                    other.Join();
                    return true;
                }

                _due = dueTime == Timeout.InfiniteTimeSpan ? long.MaxValue : clock.Now + dueTime.Ticks;
                return true;
            }

            public void FireIfDue()
            {
                if (_due <= clock.Now)
                {
                    _due = long.MaxValue;
                    callback(state);
                }
            }

            public void Dispose() => _due = long.MaxValue;

            public ValueTask DisposeAsync()
            {
                Dispose();
                return default;
            }
        }
    }

    /// <summary>A clock moved by hand whose timers never fire: the test delivers with DeliverDue.</summary>
    private sealed class ManualClock : TimeProvider
    {
        public long Now { get; set; } = 1_000_000;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Now;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) => new IdleTimer();

        private sealed class IdleTimer : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => true;

            public void Dispose()
            {
            }

            public ValueTask DisposeAsync() => default;
        }
    }
}
