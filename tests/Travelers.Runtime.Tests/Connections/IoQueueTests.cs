using Travelers.Transport.Tcp;

namespace Travelers.Runtime.Tests.Connections;

public sealed class IoQueueTests
{
    [Fact]
    public async Task Every_scheduled_action_runs_once_and_one_at_a_time()
    {
        var queue = new IoQueue();
        const int Threads = 4;
        const int PerThread = 10_000;
        int ran = 0;
        int running = 0;
        int overlaps = 0;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Action<object?> action = _ =>
        {
            if (Interlocked.Increment(ref running) > 1)
            {
                Interlocked.Increment(ref overlaps);
            }

            Interlocked.Decrement(ref running);
            if (Interlocked.Increment(ref ran) == Threads * PerThread)
            {
                done.SetResult();
            }
        };

        Task[] schedulers = Enumerable.Range(0, Threads).Select(_ => Task.Run(() =>
        {
            for (int i = 0; i < PerThread; i++)
            {
                queue.Schedule(action, null);
            }
        })).ToArray();
        await Task.WhenAll(schedulers).WaitAsync(TimeSpan.FromSeconds(30));
        await done.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(Threads * PerThread, Volatile.Read(ref ran));
        Assert.Equal(0, overlaps); // a connection's send loop never runs on two threads at once
    }

    [Fact]
    public async Task Scheduling_allocates_nothing_once_warm()
    {
        var queue = new IoQueue();
        int ran = 0;
        Action<object?> action = _ => Interlocked.Increment(ref ran);
        async Task Round()
        {
            int target = Volatile.Read(ref ran) + 1_000;
            for (int i = 0; i < 1_000; i++)
            {
                queue.Schedule(action, null);
            }

            // Drained before the next round, so that the queue's segment does not grow from one round to the next.
            while (Volatile.Read(ref ran) < target)
            {
                await Task.Yield();
            }
        }

        await Round().WaitAsync(TimeSpan.FromSeconds(30));

        // Up to five measured rounds, the least kept: while other tests crowd the thread pool, queueing the drain can
        // grow the pool's own global queue by a segment now and then (5 KB once in a run beside a whole suite). An
        // allocation per schedule, as PipeScheduler.ThreadPool makes, shows in every round.
        long least = long.MaxValue;
        for (int round = 1; round <= 5 && least > 0; round++)
        {
            int start = Volatile.Read(ref ran);
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 1_000; i++)
            {
                queue.Schedule(action, null);
                if (i % 100 == 99)
                {
                    // Keep the queue short, as flushes a tick apart do (a plain loop: a lambda here would allocate).
                    var spin = default(SpinWait);
                    long deadline = Environment.TickCount64 + 10_000;
                    while (Volatile.Read(ref ran) < start + i + 1 && Environment.TickCount64 < deadline)
                    {
                        spin.SpinOnce();
                    }
                }
            }

            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
            Assert.Equal(start + 1_000, Volatile.Read(ref ran));
        }

        Assert.Equal(0, least);
    }
}
